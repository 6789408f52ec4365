// Tolerances used by more than one test, or whose name once meant two things,
// with one meaning per name; and the printed Student-t values they go with.
// A tolerance that only one test file uses, for its own reason, stays there.
#pragma once

namespace prism::testing {
// Inline: prism::testing::kX works, and `using namespace prism::testing::tolerances;`
// brings every name in at once.
inline namespace tolerances {

// Values read from a statistical table printed to four decimals (the t
// quantiles below), and interval ends computed from them.
inline constexpr double kFourDecimalTableTolerance = 1e-4;

// A number of order one to ten computed through a few libm calls (erfc, sqrt)
// against its value printed to 17 significant digits, or against another
// closed form of it: only the rounding of those operations.
inline constexpr double kFullPrecisionTolerance = 1e-14;

// Arithmetic on a handful of doubles of order one (a mean, a standard
// deviation): rounding only.
inline constexpr double kArithmeticTolerance = 1e-12;

// What the check kinds compute from exact data of order one (means, reference
// bands, slopes and R^2 of power laws fitted through log): rounding, amplified
// by the least-squares fits.
inline constexpr double kCheckArithmeticTolerance = 1e-10;

// Knee positions from fit_knee: a 2000-cell grid, then golden-section polishing.
inline constexpr double kKneeSearchTolerance = 1e-6;

// Two computations of the same iterates (kernel against feature space, spiked
// against dense, one run against a resumed one), relative to the scale of the
// iterate or loss: rounding accumulated over the run.
inline constexpr double kSameIterateTolerance = 1e-10;

// sgd_kernel on a float32 copy of K. Its tracked residual against K32 alpha - Y
// formed afresh, relative to L(w0): each step adds float rounding of sums of
// <= 8 products (~8 x 6e-8 relative to the step's update), over a few steps.
inline constexpr double kFloatKernelUpdateTolerance = 1e-5;
// Against the double run from the same batches, to 1e-3 L(w0): K moved by one
// float rounding per entry (6e-8 relative), so iterates differ at that order
// amplified by the conditioning the run reaches; the step count may move only
// where L crosses 1e-3 L(w0) within that perturbation of one step's decrease.
// (Measured at n = 500: 1-4e-7 and equal counts at m = 1, 64, 500.)
inline constexpr double kFloatKernelIterateTolerance = 1e-5;
inline constexpr long kFloatKernelIterationSlack = 2;

// Monte-Carlo estimates against their expectation: within this many standard
// errors, a two-sided false alarm about once in 16,000 checks.
inline constexpr double kStandardErrors = 4.0;

// Student-t quantiles t_{0.975, dof} (the two-sided 95 % level), from a
// printed table: compare with kFourDecimalTableTolerance.
inline constexpr double kT975Dof1 = 12.7062;
inline constexpr double kT975Dof2 = 4.3027;
inline constexpr double kT975Dof4 = 2.7764;
inline constexpr double kT975Dof7 = 2.3646;
inline constexpr double kT975Dof20 = 2.0860;
inline constexpr double kT975Dof30 = 2.0423;
// t_{0.95, 10}: the two-sided 90 % level.
inline constexpr double kT95Dof10 = 1.8125;

}  // namespace tolerances
}  // namespace prism::testing
