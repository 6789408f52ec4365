// A claim's figures, declared with named setters in the manner of Google
// Benchmark's builder chain:
//
//   Figure("loss").Title("SGD on MNIST").Axes("iteration t", "L / L0").LogY()
//       .Series("batch 8", "loss", {{"batch", 8}})
//       .Line("measured s(m)", "batch", "speedup", {{"problem", "mnist"}})
//       .Band("mnist-plateau-bound");
//
// Nothing a figure names is dropped silently. Before measuring, every band must
// name a check or control of the claim's reference file whose kind draws
// something on these axes (validate_figure_bands); after measuring, every
// line's x, y or series must name a measured quantity (x may be a sweep
// parameter) and every `where` key a sweep parameter (validate_figure_lines).
// Otherwise the run exits 2 naming the claim, the figure and the name. A line
// whose `where` selects no point of this run is named under the figure.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prism {

using Json = nlohmann::ordered_json;

// One line of a figure: a measured scalar `y` against `x` (a sweep parameter or
// another scalar) over the points matching `where`, with the seed interval as
// error bars; or the seed-mean of series `series` at each matching point.
struct FigureLine {
  std::string label;
  std::string x, y;       // scalar line
  std::string series;     // series line (x, y empty)
  Json where = Json::object();
};

class Figure {
 public:
  explicit Figure(std::string id) : id(std::move(id)) {}

  Figure& Title(std::string s) { title = std::move(s); return *this; }
  Figure& Axes(std::string x_label, std::string y_label) {
    xlabel = std::move(x_label), ylabel = std::move(y_label);
    return *this;
  }
  Figure& LogX(bool on = true) { logx = on; return *this; }
  Figure& LogY(bool on = true) { logy = on; return *this; }
  // A scalar line: the seed mean of `y` at each point matching `where`, against `x`.
  Figure& Line(std::string label, std::string x, std::string y, Json where = Json::object()) {
    lines.push_back({std::move(label), std::move(x), std::move(y), "", std::move(where)});
    return *this;
  }
  // A curve per matching point: the seed mean of the recorded series.
  Figure& Series(std::string label, std::string series, Json where = Json::object()) {
    lines.push_back({std::move(label), "", "", std::move(series), std::move(where)});
    return *this;
  }
  // Draws the reference interval of a check (or control) over the axes, as its kind draws it.
  Figure& Band(std::string check) { bands.push_back(std::move(check)); return *this; }
  Figure& Caption(std::string s) { caption = std::move(s); return *this; }
  // pgfplots legend position: "north east" (default), "north west", "south west", ...
  Figure& Legend(std::string pos) { legend = std::move(pos); return *this; }

  std::string id, title, xlabel, ylabel;
  bool logx = false, logy = false;
  std::vector<FigureLine> lines;
  std::vector<std::string> bands;
  std::string caption;
  std::string legend = "north east";
};

}  // namespace prism
