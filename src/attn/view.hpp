// Pictures of attention in d dimensions, drawn in a plane (issue #22).
//
// The query's view: one query q (d), keys K (n, d), values V (n, dv), optional.
//   e1 = q / |q|, e2 ⟂ e1: the leading direction of what the keys have beside q, i.e. the top
//   eigenvector of Rᵀ R with R = K − (K e1) e1ᵀ (the uncentred second moment: the plane goes
//   through the origin, where the logits measure from). x_i = e1·k_i, y_i = e2·k_i.
//   logit_i = scale · |q| · x_i (= scale · q·k_i): every logit is read off the x-axis, so every
//   key lies on one curve w(x) = exp(scale·|q|·x − log Σ). For d = 2 the view is the usual 2-D
//   picture rotated so that q points along +x.
//
// The joint map (AttentionViz, Yeh et al. 2023): queries Q (m, d) and keys K (n, d) in one plane.
//   c = mean(Q) − mean(K), K' = K + c: each query's logits shift by the constant q_i·c, so its
//   softmax weights do not change, and the two clouds share a centre. a = √(mean|k'| / mean|q|):
//   queries a·q, keys k'/a have equal mean norms, and (a·q)·(k'/a) = q·k' (logits unchanged).
//   Then PCA of the stacked [aQ; K'/a] (centred) to 2-D.
//
// Both use the top eigenvectors of a d × d second-moment matrix without forming it when d is
// large: Lanczos iteration with full reorthogonalisation on Bᵀ B (or B Bᵀ when B has fewer
// rows than columns), B applied as a product, never stored (see view.cpp).
#pragma once

#include <optional>

#include "attn/softmax.hpp"
#include "attn/types.hpp"

namespace attn {

// Limits, checked before any work (docs/cli.md, "Limits"): the keys (view) or the stacked
// queries and keys (joint) hold at most 2^23 numbers (n = 65,536 keys of d = 128, or 2,048 of
// d = 4,096). At the limit, with Gaussian keys (no gap between the top eigenvalues: the slowest
// case), a view takes 0.4-0.8 s natively, a joint map 0.7-1.7 s (a shared 2-core machine); the correlation of the joint
// map reads at most kMaxJointPairs query-key pairs, fewer for large d (pairs · d <= 2^24).
constexpr double kMaxViewEntries = double(Index(1) << 23);
constexpr Index kMaxJointPairs = Index(1) << 20;
constexpr double kMaxJointPairWork = double(Index(1) << 24);
// The eigen-solver: at most this many Lanczos steps; it stops earlier once the Ritz residual
// |Mv − λv| is at most kViewTolerance · λ (the result reports the residual it reached).
constexpr Index kMaxLanczosSteps = 96;
constexpr double kViewTolerance = 1e-10;

struct ViewOptions {
  double scale = 1.0;                         // any finite value
  bool normalize_keys = false;                // put keys on the unit sphere first (zero keys are an error)
  double alpha = 1.0;                         // α-entmax, 1 <= α <= 2 (attn/entmax.hpp)
  std::optional<double> sink = std::nullopt;  // an attention sink's logit: one more slot, no value
};

struct QueryView {
  Mat<double> basis;    // (2, d): rows e1, e2 (e2 is 0 for d = 1)
  Vec<double> x, y;     // (n): e1·k_i, e2·k_i (keys after normalisation)
  Vec<double> logits;   // (n): scale · |q| · x_i, saturating at ±max like attend's
  Vec<double> weights;  // (n): softmax / α-entmax of the logits (with the sink)
  Vec<double> output;   // (dv): Σ w_i v_i; empty without values
  SoftmaxStats<double> stats;
  Vec<double> captured;   // (n): |(x_i, y_i)| / |k_i| in [0, 1]; 1 for a zero key
  double explained = 1;   // Σ (x_i² + y_i²) / Σ |k_i|²: the keys' squared length in the plane; 1 if all are 0
  double query_norm = 0;  // |q|
  // How e2 was found: "plane" (d = 2: e1 turned +90°), "lanczos" (the top eigenvector), or
  // "fallback" (no key has a part beside q, or d = 1: see view.cpp).
  const char* method = "plane";
  double residual = 0;  // |M e2 − λ e2| / λ of the eigenvector, M = Rᵀ R (0 for plane, fallback)
  Index steps = 0;      // Lanczos steps taken
};

// Throws attn::invalid_argument naming the field: keys empty, non-finite or past the limit,
// a query of another length or non-finite, values with another row count, a bad scale, alpha
// or sink, a zero key with normalize_keys. A zero query has no direction: e1 = (1, 0, …, 0),
// every logit is 0 and the weights are uniform.
QueryView query_view(VecCRef<double> query, MatCRef<double> keys, MatCRef<double> values, const ViewOptions& opt = {});

struct JointMap {
  Mat<double> queries;   // (m, 2): map coordinates of a·q_i
  Mat<double> keys;      // (n, 2): map coordinates of (k_j + c) / a
  Vec<double> shift;     // (d): c = mean(Q) − mean(K)
  double ratio = 1;      // a = √(mean|k + c| / mean|q|); 1 when either mean is 0
  Mat<double> axes;      // (2, d): the principal directions (the second is 0 for d = 1)
  Vec<double> center;    // (d): the mean of the stacked points, the map's origin
  double explained = 1;  // share of the stacked points' variance in the map (1 if there is none)
  // Pearson correlation of q_i·k_j (the original logits) with −|q̃_i − k̃_j| (transformed
  // points) in d dimensions (full) and in the map (map), over `pairs` pairs: all m · n, or
  // that many drawn with a fixed seed when m · n is larger. 0 when either side is constant.
  double correlation_full = 0, correlation_map = 0;
  Index pairs = 0;
  double residual = 0;  // the larger Ritz residual of the two axes, relative to the top eigenvalue
  Index steps = 0;
};

// Throws attn::invalid_argument naming "queries" or "keys": empty, non-finite, dimensions that
// differ, or the stacked points past kMaxViewEntries numbers.
JointMap joint_map(MatCRef<double> queries, MatCRef<double> keys);

// The pairs joint_map's correlation reads for m queries, n keys of dimension d.
Index joint_pairs(Index m, Index n, Index d);

}  // namespace attn
