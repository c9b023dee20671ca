// CLI modes "view" and "joint" (attn/view.hpp). Tensors are inline JSON arrays only.
#include "attn/view.hpp"

#include "attn/errors.hpp"
#include "cli/fields.hpp"
#include "cli/modes.hpp"

namespace attn::cli {

json solve_view(const json& p) {
  const Fields f(p, "view", {"query", "keys", "values", "scale", "alpha", "sink", "normalize_keys"});
  const Vec<double> q = f.vector("query");
  const Mat<double> k = f.matrix("keys");
  const Mat<double> v = f.has("values") ? f.matrix("values") : Mat<double>(0, 0);
  ViewOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.alpha = f.number("alpha", 1.0);
  if (f.has("sink")) opt.sink = f.number("sink", 0.0);
  opt.normalize_keys = f.boolean("normalize_keys", false);
  // x, y, logits, weights, captured (n each), the basis (2 · d) and the output (dv).
  check_result_size(
      "keys", 5 * static_cast<double>(k.rows()) + 2 * static_cast<double>(k.cols()) + static_cast<double>(v.cols()),
      detail::cat("has n = ", k.rows(), " keys of d = ", k.cols(),
                  ": x, y, logits, weights, captured and the basis are 5 · n + 2 · d + dv"));
  const QueryView r = query_view(q, k, v, opt);
  json out = {{"mode", "view"},
              {"n", k.rows()},
              {"d", k.cols()},
              {"x", list(r.x)},
              {"y", list(r.y)},
              {"logits", list(r.logits)},
              {"weights", list(r.weights)},
              {"captured", list(r.captured)},
              {"explained", r.explained},
              {"basis", rows(r.basis)},
              {"query_norm", r.query_norm},
              {"alpha", opt.alpha},
              {"sink_weight", r.stats.sink_weight},
              {"method", r.method},
              {"residual", r.residual},
              {"steps", r.steps}};
  if (v.rows() != 0) out["output"] = list(r.output);
  return out;
}

json solve_joint(const json& p) {
  const Fields f(p, "joint", {"queries", "keys"});
  const Mat<double> q = f.matrix("queries"), k = f.matrix("keys");
  check_result_size("queries", 2 * static_cast<double>(q.rows() + k.rows()) + 3 * static_cast<double>(k.cols()),
                    detail::cat("has m = ", q.rows(), " rows and keys n = ", k.rows(), " of d = ", k.cols(),
                                ": the map, shift, centre and axes are 2 · (m + n) + 3 · d"));
  const JointMap r = joint_map(q, k);
  return {{"mode", "joint"},
          {"m", q.rows()},
          {"n", k.rows()},
          {"d", k.cols()},
          {"queries", rows(r.queries)},
          {"keys", rows(r.keys)},
          {"shift", list(r.shift)},
          {"ratio", r.ratio},
          {"center", list(r.center)},
          {"axes", rows(r.axes)},
          {"explained", r.explained},
          {"correlation", {{"full", r.correlation_full}, {"map", r.correlation_map}, {"pairs", r.pairs}}},
          {"residual", r.residual},
          {"steps", r.steps}};
}

}  // namespace attn::cli
