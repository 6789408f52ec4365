// Every registered claim against its reference file, without measuring: the
// file loads and belongs to the claim, every preset has a check and a control,
// and every figure band names a check that draws on that figure's axes. A
// misspelt band or a missing control fails here, in CI, before any run.
#include <gtest/gtest.h>

#include "src/core/claim.h"
#include "src/core/runner.h"

namespace prism {
namespace {

TEST(RegisteredClaims, ReferenceFilesPresetsAndBandsAgree) {
  const auto claims = ClaimRegistry::instance().claims();
  ASSERT_GE(claims.size(), 6u) << "the claims are linked in";
  for (const ClaimSpec* spec : claims) {
    SCOPED_TRACE(spec->id);
    ReferenceFile reference;
    ASSERT_NO_THROW(reference = load_claim_reference(*spec));
    for (const auto& preset : spec->presets()) EXPECT_NO_THROW(require_checks_for(reference, preset)) << preset;
    try {
      validate_figure_bands(*spec, reference);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
    EXPECT_FALSE(spec->figures.empty()) << "every claim is plotted";
  }
}

}  // namespace
}  // namespace prism
