#include "src/models/stopping_time.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace prism::models {

std::vector<std::int64_t> geometric_times(double growth, std::int64_t cap) {
  if (!(growth > 1)) throw std::invalid_argument("stopping time: growth must be > 1");
  if (cap < 1) throw std::invalid_argument("stopping time: cap must be >= 1");
  std::vector<std::int64_t> ts{1};
  while (ts.back() < cap) {
    const auto next = std::max(ts.back() + 1, static_cast<std::int64_t>(std::llround(growth * static_cast<double>(ts.back()))));
    ts.push_back(std::min(next, cap));
  }
  return ts;
}

StoppingTime first_time_reaching(const AccuracyAt& accuracy, const StoppingTimeOptions& o) {
  if (o.block < 1) throw std::invalid_argument("stopping time: block must be >= 1");
  StoppingTime r;
  const auto evaluate = [&](const std::vector<std::int64_t>& ts) {
    std::vector<double> a = accuracy(ts);
    if (a.size() != ts.size()) throw std::invalid_argument("stopping time: the accuracy returned the wrong number of values");
    r.evaluations += static_cast<int>(ts.size());
    return a;
  };
  if (o.start < 1) throw std::invalid_argument("stopping time: start must be >= 1");
  const std::vector<std::int64_t> grid = geometric_times(o.growth, o.cap);
  // The first grid time >= start (the cap, the last, if start is past it).
  const size_t first = std::min<size_t>(grid.size() - 1, std::lower_bound(grid.begin(), grid.end(), o.start) - grid.begin());
  // below: the last grid time under the target (0: none known)
  std::int64_t below = first > 0 ? grid[first - 1] : 0, hit = 0;
  double hit_accuracy = 0;
  for (size_t start = first; start < grid.size() && hit == 0; start += o.block) {
    const std::vector<std::int64_t> ts(grid.begin() + start, grid.begin() + std::min(grid.size(), start + o.block));
    const std::vector<double> a = evaluate(ts);
    for (size_t j = 0; j < ts.size(); ++j) {
      if (a[j] >= o.target) {
        hit = ts[j], hit_accuracy = a[j];
        break;
      }
      below = ts[j], r.accuracy = a[j];
    }
  }
  if (hit == 0) {  // never reached: censored at the cap
    r.t = o.cap;
    r.lowest_after = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  while (hit - below > 1) {  // acc(below) < target <= acc(hit)
    const std::int64_t mid = below + (hit - below) / 2;
    const double a = evaluate({mid}).front();
    if (a >= o.target) hit = mid, hit_accuracy = a;
    else below = mid;
  }
  r.reached = true;
  r.t = hit;
  r.accuracy = hit_accuracy;
  std::vector<std::int64_t> later;
  for (double m : o.verify_at) later.push_back(static_cast<std::int64_t>(std::ceil(m * static_cast<double>(hit))));
  const std::vector<double> a = later.empty() ? std::vector<double>{hit_accuracy} : evaluate(later);
  r.lowest_after = *std::min_element(a.begin(), a.end());
  r.stays_reached = r.lowest_after >= o.target;
  return r;
}

}  // namespace prism::models
