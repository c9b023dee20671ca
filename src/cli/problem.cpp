#include "cli/problem.hpp"

#include <cmath>
#include <limits>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include "attn/attend.hpp"
#include "attn/dimension.hpp"
#include "attn/errors.hpp"
#include "attn/heads.hpp"
#include "attn/layout.hpp"
#include "attn/matrix.hpp"
#include "attn/mla.hpp"
#include "attn/paged.hpp"
#include "attn/streaming.hpp"
#include "attn/vonmises.hpp"
#include "cli/fields.hpp"
#include "cli/train.hpp"
#include "cli/modes.hpp"

namespace attn::cli {
namespace {

using nlohmann::json;

// precision "float": the numbers as float32, or an error naming the field and the first
// entry float32 cannot hold (it would become inf, which is not what the user wrote). The
// wording avoids CLI-only terms so the web page can give the same message for a Float32Array.
template <typename T, typename Derived>
Mat<T> as(const char* name, const Eigen::MatrixBase<Derived>& m) {
  if constexpr (std::is_same<T, float>::value) {
    constexpr double kMax = std::numeric_limits<float>::max();
    for (Index i = 0; i < m.rows(); ++i)
      for (Index j = 0; j < m.cols(); ++j)
        if (std::isinf(static_cast<float>(m(i, j))))
          throw invalid_argument(name,
                                 detail::cat(Derived::ColsAtCompileTime == 1 ? detail::cat("entry ", i)
                                                                             : detail::cat("entry (", i, ", ", j, ")"),
                                             " is ", m(i, j), ", beyond float32 (|x| <= ", kMax, ")"));
  }
  return m.template cast<T>();
}

bool use_float(const Fields& f) {
  const std::string p = f.text("precision", "double");
  if (p != "double" && p != "float")
    throw invalid_argument("precision", detail::cat("is ", detail::quoted(p), "; expected \"double\" or \"float\""));
  return p == "float";
}

Mat<double> optional_values(const Fields& f) { return f.has("values") ? f.matrix("values") : Mat<double>(0, 0); }

// {"window": w, "stride": s, "global": [..], "causal": true|false}; defaults 1, 0, [], true.
Mask sparse_of(const json& v) {
  if (!v.is_object())
    throw invalid_argument(
        "sparse",
        detail::cat("is ", quote(v),
                    "; expected an object {\"window\": w, \"stride\": s, \"global\": [..], \"causal\": true}"));
  for (const auto& item : v.items())
    if (item.key() != "window" && item.key() != "stride" && item.key() != "global" && item.key() != "causal")
      throw invalid_argument(field_name(item.key()),
                             "is not a field of the sparse mask; expected window, stride, global or causal");
  const Fields f(v, "sparse", {"window", "stride", "global", "causal"});
  SparsePattern p;
  p.window = f.integer("window", 1);
  p.stride = f.integer("stride", 0);
  p.causal = f.boolean("causal", true);
  if (f.has("global")) {
    const json& g = f.at("global");
    if (!g.is_array())
      throw invalid_argument("global", detail::cat("is ", quote(g), "; expected an array of token indices"));
    for (size_t t = 0; t < g.size(); ++t) p.global.push_back(whole("global", g[t], detail::cat("entry ", t, " ")));
  }
  return Mask::sparse_pattern(p);
}

json mask_json(const Mask& m) {
  if (m.kind != Mask::Kind::sparse) return m.to_string();
  json g = json::array();
  for (const Index t : m.sparse.global) g.push_back(t);
  return {{"sparse",
           {{"window", m.sparse.window}, {"stride", m.sparse.stride}, {"global", g}, {"causal", m.sparse.causal}}}};
}

Mask mask_of(const Fields& f) {
  if (!f.has("mask")) return Mask::none();
  const json& v = f.at("mask");
  if (v.is_string()) return Mask::parse(v.get<std::string>());
  if (v.is_object() && v.size() == 1 && v.contains("sparse")) return sparse_of(v.at("sparse"));
  if (v.is_object() && v.size() == 1) {
    // The sizes are read like every other whole number (2.0 is 2); the core checks their range.
    const std::string kind = v.begin().key();
    if (kind == "window") return Mask::window(whole("window", v.begin().value()));
    if (kind == "topk") return Mask::top_k(whole("topk", v.begin().value()));
  }
  throw invalid_argument("mask", detail::cat("is ", quote(v),
                                             "; expected \"none\", \"causal\", \"window:<w>\", \"topk:<k>\", "
                                             "{\"window\": w}, {\"topk\": k} or {\"sparse\": {...}}"));
}

// "rope": null or {theta, base, positions, queryPosition (attend) / queryPositions (matrix)}.
std::optional<Rope> rope_of(const Fields& f, bool many_queries) {
  if (!f.has("rope")) return std::nullopt;
  const json& v = f.at("rope");
  const char* qname = many_queries ? "queryPositions" : "queryPosition";
  if (!v.is_object())
    throw invalid_argument(
        "rope", detail::cat("is ", quote(v), "; expected null or an object {theta, base, positions, ", qname, "}"));
  Rope rope;
  for (const auto& item : v.items()) {
    const std::string& key = item.key();
    const json& x = item.value();
    const std::string name = "rope." + field_name(key);
    if (key != "theta" && key != "base" && key != "positions" && key != qname)
      throw invalid_argument(name, detail::cat("is not a field of rope; expected theta, base, positions or ", qname));
    if (x.is_null()) continue;  // the default
    if (key == "positions" || key == "queryPositions") {
      if (!x.is_array()) throw invalid_argument(name, detail::cat("is ", quote(x), "; expected an array of numbers"));
      if (x.empty()) throw invalid_argument(name, "is empty; expected one number per row (or null for 0, 1, 2, ...)");
      std::vector<double>& out = key == "positions" ? rope.positions : rope.query_positions;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!x[i].is_number())
          throw invalid_argument(name, detail::cat("has ", quote(x[i]), " at ", i, "; expected a number"));
        out.push_back(x[i].get<double>());
      }
      continue;
    }
    if (!x.is_number()) throw invalid_argument(name, detail::cat("is ", quote(x), "; expected a number"));
    const double number = x.get<double>();
    if (key == "theta")
      rope.theta = number;
    else if (key == "base")
      rope.base = number;
    else
      rope.query_position = number;
  }
  return rope;
}

// The options beyond softmax, shared by attend and matrix: alpha, sink, rope, kernel, features, seed.
template <typename Options>
void beyond_of(const Fields& f, Options& opt, bool many_queries) {
  opt.alpha = f.number("alpha", 1.0);
  if (f.has("sink")) opt.sink = f.number("sink", 0.0);
  opt.rope = rope_of(f, many_queries);
  opt.kernel = parse_kernel(f.text("kernel", "softmax"));
  opt.features = f.integer("features", opt.features);
  opt.seed = seed_of(f);
}

const std::set<std::string> kBeyondFields = {"alpha", "sink", "rope", "kernel", "features", "seed"};

std::set<std::string> with_beyond(std::set<std::string> fields) {
  fields.insert(kBeyondFields.begin(), kBeyondFields.end());
  return fields;
}

// NaN (log_sum_exp for alpha > 1) as JSON null, never as a number.
json number_or_null(double x) { return std::isnan(x) ? json(nullptr) : json(x); }

template <typename T>
json attend_json(const Vec<double>& q, const Mat<double>& k, const Mat<double>& v, const AttendOptions& opt) {
  const Vec<T> qt = as<T>("query", q);
  const AttendResult<T> r = attend<T>(qt, as<T>("keys", k), as<T>("values", v), opt);
  json out = {{"logits", list(r.logits)},       {"weights", list(r.weights)},
              {"entropy", r.stats.entropy},     {"effective_keys", r.stats.effective_keys},
              {"argmax", r.stats.argmax},       {"log_sum_exp", number_or_null(r.stats.log_sum_exp)},
              {"max_logit", r.stats.max_logit}, {"sink_weight", r.stats.sink_weight}};
  if (opt.alpha != 1) out["threshold"] = r.stats.threshold;  // entmax's τ (softmax has log_sum_exp)
  out["output"] = list(r.output);
  if (opt.rope) {
    out["rotated_query"] = list(r.rotated_query);
    out["rotated_keys"] = rows(r.rotated_keys);
  }
  return out;
}

json solve_attend(const json& p) {
  const Fields f(p, "attend", with_beyond({"query", "keys", "values", "scale", "normalize_keys", "precision"}));
  const Vec<double> q = f.vector("query");
  const Mat<double> k = f.matrix("keys"), v = optional_values(f);
  AttendOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.normalize_keys = f.boolean("normalize_keys", false);
  beyond_of(f, opt, false);
  json out = use_float(f) ? attend_json<float>(q, k, v, opt) : attend_json<double>(q, k, v, opt);
  out["mode"] = "attend";
  out["alpha"] = opt.alpha;
  out["kernel"] = to_string(opt.kernel);
  out["n"] = k.rows();
  out["d"] = k.cols();
  out["kappa"] = kappa(q, opt.scale);
  if (k.cols() == 2) {
    // The von Mises reading of the same query: κ = |q|·scale, φ = angle of q; density at each key angle.
    const double phi = std::atan2(q(1), q(0));
    out["phi"] = phi;
    out["von_mises_density"] = list(von_mises_density(angles_of(k), kappa(q, opt.scale), phi));
  }
  return out;
}

template <typename T>
json matrix_json(const Mat<double>& q, const Mat<double>& k, const Mat<double>& v, const MatrixOptions& opt) {
  const MatrixResult<T> r = attention_matrix<T>(as<T>("queries", q), as<T>("keys", k), as<T>("values", v), opt);
  json empty = json::array();
  for (Index i = 0; i < r.empty_row.size(); ++i) empty.push_back(static_cast<bool>(r.empty_row(i)));
  json out = {{"weights", rows(r.weights)},
              {"logits", rows(r.logits)},
              {"output", rows(r.output)},
              {"entropy", list(r.entropy)},
              {"empty_rows", empty},
              {"scores_computed", r.scores_computed},
              {"computed_fraction", r.computed_fraction()},
              {"sink_weight", list(r.sink_weight)}};
  if (opt.mask.kind == Mask::Kind::sparse) out["masked"] = rows(r.masked.matrix().template cast<int>());
  if (opt.rope) {
    out["rotated_queries"] = rows(r.rotated_queries);
    out["rotated_keys"] = rows(r.rotated_keys);
  }
  return out;
}

json solve_matrix(const json& p) {
  const Fields f(p, "matrix",
                 with_beyond({"queries", "keys", "values", "scale", "normalize_keys", "mask", "precision"}));
  const Mat<double> q = f.matrix("queries"), k = f.matrix("keys"), v = optional_values(f);
  MatrixOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.normalize_keys = f.boolean("normalize_keys", false);
  opt.mask = mask_of(f);
  beyond_of(f, opt, true);
  const double m = static_cast<double>(q.rows()), n = static_cast<double>(k.rows());
  const int per_entry = opt.mask.kind == Mask::Kind::sparse ? 3 : 2;  // weights, logits (and masked)
  check_result_size("queries", per_entry * m * n + m * static_cast<double>(v.cols()),
                    detail::cat("has m = ", q.rows(), " rows and keys n = ", k.rows(), ": the weights and logits",
                                per_entry == 3 ? ", masked" : "", " (and outputs) are ", per_entry, " · ", q.rows(),
                                " · ", k.rows(), " + ", q.rows(), " · ", v.cols()));
  json out = use_float(f) ? matrix_json<float>(q, k, v, opt) : matrix_json<double>(q, k, v, opt);
  out["mode"] = "matrix";
  out["mask"] = mask_json(opt.mask);
  out["alpha"] = opt.alpha;
  out["kernel"] = to_string(opt.kernel);
  return out;
}

// max |a_i - b_i| without overflow (outputs near ±max of opposite sign): halves first, saturates.
template <typename T>
double max_abs_diff(const Vec<T>& a, const Vec<T>& b) {
  const double half = (a.template cast<double>() * 0.5 - b.template cast<double>() * 0.5).cwiseAbs().maxCoeff();
  return std::min(half, std::numeric_limits<double>::max() / 2) * 2;
}

template <typename T>
json stream_json(const Vec<double>& q, const Mat<double>& k, const Mat<double>& v, const AttendOptions& opt,
                 Index block) {
  const Vec<T> qt = as<T>("query", q);
  const Mat<T> kt = as<T>("keys", k), vt = as<T>("values", v);
  const StreamResult<T> r = streaming_attend<T>(qt, kt, vt, opt, block);
  const AttendResult<T> two_pass = attend<T>(qt, kt, vt, opt);
  json blocks = json::array();
  for (const StreamState<T>& s : r.blocks)
    blocks.push_back({{"begin", s.begin},
                      {"end", s.end},
                      {"block_max", s.block_max},
                      {"running_max", s.running_max},
                      {"rescale", s.rescale},
                      {"running_sum", s.running_sum},
                      {"partial_output", list(s.partial_output)}});
  return {{"output", list(r.output)},
          {"log_sum_exp", r.log_sum_exp},
          {"blocks", blocks},
          {"two_pass_output", list(two_pass.output)},
          {"max_abs_diff", max_abs_diff(r.output, two_pass.output)}};
}

json solve_stream(const json& p) {
  const Fields f(p, "stream", {"query", "keys", "values", "scale", "normalize_keys", "block_size", "precision"});
  const Vec<double> q = f.vector("query");
  const Mat<double> k = f.matrix("keys"), v = f.matrix("values");
  AttendOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.normalize_keys = f.boolean("normalize_keys", false);
  const Index block = f.integer("block_size", 0);
  json out = use_float(f) ? stream_json<float>(q, k, v, opt, block) : stream_json<double>(q, k, v, opt, block);
  out["mode"] = "stream";
  out["block_size"] = block;
  return out;
}

json solve_layout(const json& p) {
  const Fields f(p, "layout", {"kind", "n", "seed", "d", "clusters", "spread", "phase"});
  const std::string kind = f.text("kind", "even");
  const Index n = f.integer("n", 8), d = f.integer("d", 2);
  // Only requests the core accepts (n, n · d <= 2^24) meet the CLI's own, smaller limit,
  // so the core's message stays the one the WASM build gives.
  const bool wide = kind == "sphere" || kind == "gaussian";
  const double cols = wide ? static_cast<double>(d) : 2.0;
  constexpr double kCore = double(Index(1) << 24);  // the core's limit on n and on n · d
  if (n >= 1 && n <= kCore && cols >= 1 && (!wide || cols * static_cast<double>(n) <= kCore))
    check_result_size(
        "n", static_cast<double>(n) * (cols + (cols == 2 ? 1 : 0)),
        detail::cat("is ", n, ": the points ", cols == 2 ? "and angles are " : "are ", n, " · ", cols == 2 ? 3 : cols));
  const std::uint64_t s = seed_of(f);
  Mat<double> points;
  if (kind == "even")
    points = layout_even(n, f.number("phase", 0.0));
  else if (kind == "random")
    points = layout_random(n, s);
  else if (kind == "clusters")
    points = layout_clusters(n, f.integer("clusters", 3), f.number("spread", 0.3), s);
  else if (kind == "sphere")
    points = layout_sphere(n, d, s);
  else if (kind == "values")
    points = layout_values(n, s);
  else if (kind == "gaussian")
    points = layout_gaussian(n, d, s);
  else
    throw invalid_argument("kind", detail::cat("is ", detail::quoted(kind),
                                               "; expected even, random, clusters, sphere, values or gaussian"));
  json out = {{"mode", "layout"}, {"kind", kind}, {"points", rows(points)}};
  if (points.cols() == 2) out["angles"] = list(angles_of(points));
  return out;
}

json solve_vonmises(const json& p) {
  const Fields f(p, "vonmises", {"kappa", "phi", "angles"});
  const double kappa = f.number("kappa", 1.0), phi = f.number("phi", 0.0);
  const Vec<double> angles = f.vector("angles");
  json out = {
      {"mode", "vonmises"}, {"kappa", kappa}, {"phi", phi}, {"density", list(von_mises_density(angles, kappa, phi))}};
  if (kappa > 0) out["gaussian"] = list(von_mises_gaussian(angles, kappa, phi));
  return out;
}

// A list of (d_head, d_model) matrices, or a single matrix for one head.
std::vector<Mat<double>> projections(const Fields& f, const char* name) {
  const json& v = f.at(name);
  if (v.is_array() && !v.empty() && v[0].is_array() && !v[0].empty() && v[0][0].is_array()) {
    std::vector<Mat<double>> out;
    for (size_t h = 0; h < v.size(); ++h) {
      const json one = {{name, v[h]}, {"mode", "self"}};
      out.push_back(Fields(one, "self", {name}).matrix(name));
    }
    return out;
  }
  return {f.matrix(name)};
}

// The core names the stacked projection weights W_Q, W_K, W_V; the user wrote wq, wk, wv.
// An error about one of them is renamed to the field the problem has; any other is kept.
invalid_argument as_written(const invalid_argument& e) {
  const std::string& a = e.argument();
  const char* field = a == "W_Q" ? "wq" : a == "W_K" ? "wk" : a == "W_V" ? "wv" : nullptr;
  if (!field) return e;
  return invalid_argument(field, std::string(e.what()).substr(a.size() + 2));
}

template <typename T>
json self_json(const SelfAttentionResult<T>& r) {
  json empty = json::array();
  for (Index i = 0; i < r.attention.empty_row.size(); ++i) empty.push_back(static_cast<bool>(r.attention.empty_row(i)));
  return {{"q", rows(r.q)},
          {"k", rows(r.k)},
          {"v", rows(r.v)},
          {"logits", rows(r.attention.logits)},
          {"weights", rows(r.attention.weights)},
          {"output", rows(r.attention.output)},
          {"entropy", list(r.attention.entropy)},
          {"empty_rows", empty},
          {"logit_asymmetry", r.logit_asymmetry},
          {"weight_asymmetry", r.weight_asymmetry}};
}

json solve_self(const json& p) {
  const Fields f(p, "self", {"tokens", "wq", "wk", "wv", "heads", "kv_heads", "scale", "normalize_keys", "mask"});
  const Mat<double> x = f.matrix("tokens");
  MatrixOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.normalize_keys = f.boolean("normalize_keys", false);
  opt.mask = mask_of(f);
  const std::vector<Mat<double>> wq = projections(f, "wq"), wk = projections(f, "wk"), wv = projections(f, "wv");
  const HeadLayout layout{f.integer("heads", static_cast<Index>(wq.size())),
                          f.integer("kv_heads", static_cast<Index>(wk.size()))};
  // Per head q, k, v, logits, weights and output (and the output again, side by side); the
  // heads and their shapes are checked by the core, so this counts what the matrices hold.
  const double m = static_cast<double>(x.rows()), nheads = static_cast<double>(std::max<Index>(layout.heads, 1));
  const double dq = static_cast<double>(wq.front().rows()), dk = static_cast<double>(wk.front().rows()),
               dv = static_cast<double>(wv.front().rows());
  check_result_size("tokens", nheads * (2 * m * m + m * (dq + dk + 3 * dv)),
                    detail::cat("has m = ", x.rows(), " rows: q, k, v, logits, weights and outputs of ", layout.heads,
                                " heads are heads · (2 · m² + m · (d_q + d_k + 3 · d_v)) with d_q, d_k, d_v = ",
                                wq.front().rows(), ", ", wk.front().rows(), ", ", wv.front().rows()));
  const MultiHeadResult<double> r = [&] {
    try {
      return multi_head_attention<double>(x, wq, wk, wv, layout, opt);
    } catch (const invalid_argument& e) {
      throw as_written(e);
    }
  }();
  json heads = json::array();
  for (const auto& h : r.heads) heads.push_back(self_json(h));
  const Index d_head = wk.front().rows();
  return {{"mode", "self"},
          {"variant", layout.name()},
          {"heads", heads},
          {"output", rows(r.output)},
          {"mask", mask_json(opt.mask)},
          {"kv_cache_entries", kv_cache_entries(x.rows(), layout.kv_heads, d_head)},
          {"kv_cache_entries_mha", kv_cache_entries(x.rows(), layout.heads, d_head)}};
}

json solve_dimension(const json& p) {
  const Fields f(p, "dimension", {"d", "n", "seed", "scaled"});
  const std::uint64_t seed = seed_of(f);
  const DimensionStats s = dimension_stats(f.integer("d", 64), f.integer("n", 64), seed, f.boolean("scaled", true));
  return {{"mode", "dimension"},
          {"d", s.d},
          {"scale", s.scale},
          {"logits", list(s.logits)},
          {"weights", list(s.weights)},
          {"logit_mean", s.logit_mean},
          {"logit_std", s.logit_std},
          {"max_weight", s.max_weight},
          {"entropy", s.entropy},
          {"effective_keys", s.effective_keys},
          {"gradient_norm", s.gradient_norm}};
}

json solve_cross(const json& p) {
  const Fields f(p, "cross", {"tokens", "source", "wq", "wk", "wv", "scale", "normalize_keys", "mask"});
  const Mat<double> x = f.matrix("tokens"), y = f.matrix("source");
  MatrixOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.normalize_keys = f.boolean("normalize_keys", false);
  opt.mask = mask_of(f);
  const Mat<double> wq = f.matrix("wq"), wk = f.matrix("wk"), wv = f.matrix("wv");
  const double m = static_cast<double>(x.rows()), n = static_cast<double>(y.rows());
  check_result_size(
      "tokens",
      2 * m * n + m * static_cast<double>(wq.rows() + wv.rows()) + n * static_cast<double>(wk.rows() + wv.rows()),
      detail::cat("has m = ", x.rows(), " rows and source n = ", y.rows(), ": q, k, v, logits, weights and ",
                  "output are 2 · m · n + m · (d_q + d_v) + n · (d_k + d_v) with d_q, d_k, d_v = ", wq.rows(), ", ",
                  wk.rows(), ", ", wv.rows()));
  const CrossAttentionResult<double> r = [&] {
    try {
      return cross_attention<double>(x, y, wq, wk, wv, opt);
    } catch (const invalid_argument& e) {
      throw as_written(e);
    }
  }();
  json empty = json::array();
  for (Index i = 0; i < r.attention.empty_row.size(); ++i) empty.push_back(static_cast<bool>(r.attention.empty_row(i)));
  return {{"mode", "cross"},
          {"m", x.rows()},
          {"n", y.rows()},
          {"q", rows(r.q)},
          {"k", rows(r.k)},
          {"v", rows(r.v)},
          {"logits", rows(r.attention.logits)},
          {"weights", rows(r.attention.weights)},
          {"output", rows(r.attention.output)},
          {"entropy", list(r.attention.entropy)},
          {"empty_rows", empty},
          {"mask", mask_json(opt.mask)}};
}

json solve_paged(const json& p) {
  const Fields f(p, "paged",
                 {"block_size", "queries", "keys", "values", "shared_prefix", "queries_b", "keys_b", "values_b",
                  "steps", "scale", "normalize_keys"});
  PagedScenario<double> s;
  s.block_size = f.integer("block_size", 4);
  s.keys = f.matrix("keys");
  s.queries = f.has("queries") ? f.matrix("queries") : s.keys;
  s.values = f.has("values") ? f.matrix("values") : s.keys;
  s.shared_prefix = f.integer("shared_prefix", 0);
  if (f.has("keys_b")) {
    s.keys_b = f.matrix("keys_b");
    s.queries_b = f.has("queries_b") ? f.matrix("queries_b") : s.keys_b;
    s.values_b = f.has("values_b") ? f.matrix("values_b") : s.keys_b;
  } else if (f.has("queries_b") || f.has("values_b")) {
    throw invalid_argument("keys_b", "is missing; queries_b and values_b need it");
  }
  check_result_size("keys", static_cast<double>(s.keys.size() + s.keys_b.size()) * 8,
                    detail::cat("has ", s.keys.rows() + s.keys_b.rows(), " tokens: the result is about 8 ·",
                                s.keys.size() + s.keys_b.size()));
  const Index total = s.keys.rows() + s.keys_b.rows();
  const AttendOptions opt{f.number("scale", 1.0), f.boolean("normalize_keys", false)};
  const PagedDecode<double> r = paged_decode<double>(s, f.integer("steps", total), opt);
  const PagedKVCache<double>& c = r.cache;
  json seqs = json::array(), blocks = json::array();
  for (Index q = 0; q < c.sequences(); ++q)
    seqs.push_back({{"length", c.length(q)}, {"block_table", c.block_table(q)}});
  for (Index b = 0; b < c.blocks_allocated(); ++b)
    blocks.push_back({{"ref_count", c.ref_count(b)}, {"filled", c.filled(b)}});
  double worst = 0;
  for (const auto& st : r.history) worst = std::max(worst, st.max_abs_diff);
  json out = {{"mode", "paged"},
              {"block_size", c.block_size()},
              {"steps", r.steps},
              {"total_steps", r.total_steps},
              {"forked", r.forked},
              {"sequences", seqs},
              {"blocks", blocks},
              {"blocks_used", c.blocks_used()},
              {"slots_filled", c.slots_filled()},
              {"wasted_slots", c.wasted_slots()},
              {"blocks_without_sharing", c.blocks_without_sharing()},
              {"blocks_saved", c.blocks_without_sharing() - c.blocks_used()},
              {"max_abs_diff", worst}};
  if (!r.history.empty()) {
    const PagedStep<double>& st = r.history.back();
    out["last"] = {{"seq", st.seq},
                   {"position", st.position},
                   {"weights", list(st.paged.weights)},
                   {"contiguous_weights", list(st.contiguous.weights)},
                   {"output", list(st.paged.output)},
                   {"contiguous_output", list(st.contiguous.output)},
                   {"max_abs_diff", st.max_abs_diff}};
  }
  return out;
}

json solve_mla(const json& p) {
  const Fields f(p, "mla", {"tokens", "wq", "wk", "wv", "rank", "rope_dim", "kv_heads", "scale", "mask"});
  const Mat<double> x = f.matrix("tokens");
  MatrixOptions opt;
  opt.scale = f.number("scale", 1.0);
  opt.mask = mask_of(f);
  const std::vector<Mat<double>> wq = projections(f, "wq"), wk = projections(f, "wk"), wv = projections(f, "wv");
  const Index heads = static_cast<Index>(wq.size());
  const Index rank = f.integer("rank", x.cols()), rope = f.integer("rope_dim", 0);
  const Index kv = f.integer("kv_heads", heads % 2 == 0 && heads > 1 ? heads / 2 : 1);
  // One d_model for tokens and weights first: otherwise the default rank (the tokens' d_model)
  // would be reported out of range, a field the user never wrote.
  if (x.cols() != wk.front().cols())
    throw invalid_argument("tokens", detail::cat("have d_model = ", x.cols(), " columns but wk has ", wk.front().cols(),
                                                 "; expected one d_model for tokens, wq, wk and wv"));
  // latent, w_dkv, per head k, v, weights and MHA weights, the two outputs, drift by rank.
  const double m = static_cast<double>(x.rows()), c = static_cast<double>(x.cols()), nh = static_cast<double>(heads),
               dh = static_cast<double>(wk.front().rows()), rk = static_cast<double>(std::max<Index>(rank, 0));
  check_result_size(
      "tokens", m * rk + rk * c + nh * (2 * m * dh + 2 * m * m) + 2 * m * nh * dh + 4 * c,
      detail::cat("has m = ", x.rows(), " rows: the latent, w_dkv, k, v, MLA and MHA weights and outputs ", "of ",
                  heads, " heads are m · r + r · d_model + heads · (4 · m · d_head + 2 · m²) with r = ", rank,
                  ", d_model = ", x.cols(), ", d_head = ", wk.front().rows()));
  try {
    const LatentWeights<double> lat = latent_from_mha<double>(wk, wv, rank);
    const MlaResult<double> mla = mla_attention<double>(x, wq, lat, opt);
    const MultiHeadResult<double> mha = multi_head_attention<double>(x, wq, wk, wv, HeadLayout{heads, heads}, opt);
    json hs = json::array();
    for (size_t h = 0; h < mla.heads.size(); ++h)
      hs.push_back({{"k", rows(mla.heads[h].k)},
                    {"v", rows(mla.heads[h].v)},
                    {"weights", rows(mla.heads[h].attention.weights)},
                    {"mha_weights", rows(mha.heads[h].attention.weights)}});
    auto drift_json = [](const LatentDrift& d) {
      return json{{"rank", d.rank},
                  {"projection_error", d.projection_error},
                  {"max_weight_diff", d.max_weight_diff},
                  {"max_output_diff", d.max_output_diff}};
    };
    json by_rank = json::array();
    for (Index r = 1; r <= x.cols(); ++r) by_rank.push_back(drift_json(latent_drift<double>(x, wq, wk, wv, r, opt)));
    const CacheSizes c = mla_cache_sizes(x.rows(), heads, kv, wk.front().rows(), rank, rope);
    return {{"mode", "mla"},
            {"rank", rank},
            {"d_model", x.cols()},
            {"heads", heads},
            {"kv_heads", kv},
            {"rope_dim", rope},
            {"latent", rows(mla.latent)},
            {"w_dkv", rows(lat.w_dkv)},
            {"per_head", hs},
            {"output", rows(mla.output)},
            {"mha_output", rows(mha.output)},
            {"drift", by_rank[static_cast<size_t>(rank - 1)]},
            {"drift_by_rank", by_rank},
            {"cache", {{"mla", c.mla}, {"mha", c.mha}, {"gqa", c.gqa}, {"mqa", c.mqa}}}};
  } catch (const invalid_argument& e) {
    throw as_written(e);
  }
}

}  // namespace

json solve(const json& problem) {
  if (!problem.is_object()) throw invalid_argument("problem", "must be a JSON object with a \"mode\" field");
  if (!problem.contains("mode") || !problem.at("mode").is_string())
    throw invalid_argument(
        "mode",
        "is missing; expected one of attend, matrix, stream, layout, vonmises, self, dimension, cross, paged, mla");
  const std::string mode = problem.at("mode").get<std::string>();
  if (mode == "attend") return solve_attend(problem);
  if (mode == "matrix") return solve_matrix(problem);
  if (mode == "stream") return solve_stream(problem);
  if (mode == "layout") return solve_layout(problem);
  if (mode == "vonmises") return solve_vonmises(problem);
  if (mode == "self") return solve_self(problem);
  if (mode == "dimension") return solve_dimension(problem);
  if (mode == "cross") return solve_cross(problem);
  if (mode == "paged") return solve_paged(problem);
  if (mode == "mla") return solve_mla(problem);
  if (mode == "train") return solve_train(problem);
  if (mode == "grad") return solve_grad(problem);
  if (mode == "view") return solve_view(problem);
  if (mode == "joint") return solve_joint(problem);
  throw invalid_argument("mode", detail::cat("is ", detail::quoted(mode),
                                             "; expected attend, matrix, stream, layout, vonmises, self, dimension, "
                                             "cross, paged, mla, train, grad, view or joint"));
}

void check_depth(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        throw invalid_argument("problem", detail::cat("nests arrays and objects more than ", kMaxDepth,
                                                      " levels deep (at byte ", i, "); expected at most ", kMaxDepth));
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

std::string run(const std::string& text) {
  check_depth(text);
  json problem;
  try {
    problem = json::parse(text);
  } catch (const json::out_of_range& e) {  // 1e400: valid JSON, but no double holds it
    throw invalid_argument("problem", std::string("has a number beyond double range (") + e.what() + ")");
  } catch (const json::exception& e) {
    throw invalid_argument("problem", std::string("not valid JSON (") + e.what() + ")");
  }
  try {
    return solve(problem).dump(2);
  } catch (const std::bad_alloc&) {
    throw invalid_argument("problem", "needs more memory than is available; see the size limits in docs/cli.md");
  }
}

std::string error_line(const std::string& message) {
  std::string out;
  const std::size_t used = detail::escape_into(out, message, kMaxErrorBytes, false);
  if (used < message.size()) out += detail::cat("... (", message.size(), " bytes)");
  return out;
}

}  // namespace attn::cli
