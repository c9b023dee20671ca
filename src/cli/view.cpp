// CLI modes "view" and "joint" (attn/view.hpp). Tensors inline as JSON arrays, or from files
// read by the core's readers (attn/tensors.hpp): "keys_from": "path" or "path:tensor name".
#include "attn/view.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "attn/errors.hpp"
#include "attn/tensors.hpp"
#include "cli/fields.hpp"
#include "cli/modes.hpp"

namespace attn::cli {
namespace {

// One head's (T, d) rows of the tensor `spec` names ("path" holding one tensor, or
// "path:name"), read as (T, d), (H, T, d) or (1, H, T, d). Errors name the field and the file.
Mat<double> head_rows(const Fields& f, const char* field, Index head) {
  const std::string spec = f.text(field, "");
  const std::size_t colon = spec.rfind(':');
  const bool named = colon != std::string::npos && colon > 1;  // not a Windows drive letter
  const std::string path = named ? spec.substr(0, colon) : spec, name = named ? spec.substr(colon + 1) : "";
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw invalid_argument(field, detail::cat("cannot read ", detail::quoted(path), ": ", ec.message()));
  if (size > static_cast<std::uintmax_t>(kMaxTensorFileBytes))
    throw invalid_argument(
        field, detail::cat(detail::quoted(path), " has ", size, " bytes; expected at most ", kMaxTensorFileBytes));
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<Tensor> tensors =
      read_tensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path);
  const Tensor* t = nullptr;
  for (const Tensor& x : tensors)
    if (!named ? tensors.size() == 1 : x.name == name) t = &x;
  if (!t)
    throw invalid_argument(field, named ? detail::cat(detail::quoted(path), " has no tensor ", detail::quoted(name))
                                        : detail::cat(detail::quoted(path), " holds ", tensors.size(),
                                                      " tensors; name one as \"path:name\""));
  const HeadsShape s = heads_shape(*t, path);
  if (head < 0 || head >= s.heads)
    throw invalid_argument("head", detail::cat("is ", head, "; ", detail::quoted(path), " has ", s.heads, " heads"));
  Mat<double> m(s.tokens, s.dim);
  const float* at = t->data.data() + static_cast<std::size_t>(head * s.tokens * s.dim);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = at[i];
  return m;
}

}  // namespace

json solve_view(const json& p) {
  const Fields f(p, "view",
                 {"query", "keys", "values", "scale", "alpha", "sink", "normalize_keys", "query_from", "keys_from",
                  "values_from", "head", "token", "causal"});
  Vec<double> q;
  Mat<double> k, v(0, 0);
  if (f.has("keys_from") || f.has("query_from")) {
    for (const char* inline_field : {"query", "keys", "values"})
      if (f.has(inline_field))
        throw invalid_argument(inline_field, "is given inline and from a file; give each tensor one way");
    for (const char* needed : {"query_from", "keys_from"})
      if (!f.has(needed))
        throw invalid_argument(needed, "is missing; a view from files needs query_from and keys_from");
    const Index head = f.integer("head", 0);
    const Mat<double> queries = head_rows(f, "query_from", head), all = head_rows(f, "keys_from", head);
    if (queries.rows() != all.rows())
      throw invalid_argument("query_from",
                             detail::cat("has ", queries.rows(), " tokens but keys_from has ", all.rows()));
    Index t = f.integer("token", -1);
    if (t < 0) t = all.rows() - 1;
    if (t >= all.rows())
      throw invalid_argument("token",
                             detail::cat("is ", t, "; expected 0 <= token < T = ", all.rows(), " (-1: the last)"));
    const Index n = f.boolean("causal", true) ? t + 1 : all.rows();  // causal: the token and those before it
    q = queries.row(t).transpose();
    k = all.topRows(n);
    if (f.has("values_from")) v = head_rows(f, "values_from", head).topRows(n);
  } else {
    q = f.vector("query");
    k = f.matrix("keys");
    if (f.has("values")) v = f.matrix("values");
  }
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
  const Fields f(p, "joint", {"queries", "keys", "queries_from", "keys_from", "head"});
  const bool files = f.has("queries_from") || f.has("keys_from");
  if (files)
    for (const char* needed : {"queries_from", "keys_from"})
      if (!f.has(needed))
        throw invalid_argument(needed, "is missing; a map from files needs queries_from and keys_from");
  const Index head = f.integer("head", 0);
  const Mat<double> q = files ? head_rows(f, "queries_from", head) : f.matrix("queries");
  const Mat<double> k = files ? head_rows(f, "keys_from", head) : f.matrix("keys");
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
