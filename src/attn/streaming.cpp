#include "attn/streaming.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "attn/errors.hpp"

namespace attn {

template <typename T>
StreamingSoftmax<T>::StreamingSoftmax(Index value_dim) : dv_(value_dim), out_(Vec<T>::Zero(value_dim)) {
  if (value_dim < 1) throw invalid_argument("values", detail::cat("have width dv = ", value_dim, "; expected dv >= 1"));
  state_.partial_output = Vec<T>::Zero(value_dim);
}

template <typename T>
const StreamState<T>& StreamingSoftmax<T>::push(VecCRef<T> logits, MatCRef<T> values, Index begin) {
  const Index b = logits.size();  // logits: (b), values: (b, dv)
  if (b == 0) throw invalid_argument("block", "is empty; expected at least one key");
  if (values.rows() != b || values.cols() != dv_)
    throw invalid_argument("values",
                           detail::cat("block is ", values.rows(), " x ", values.cols(), "; expected ", b, " x ", dv_));
  detail::require_all_finite("logits", logits);

  StreamState<T>& s = state_;
  s.begin = begin;
  s.end = begin + b;
  s.block_max = logits.maxCoeff();
  const bool first = seen_ == 0;
  const T m_new = first ? s.block_max : std::max(s.running_max, s.block_max);
  // Rescale the sum so far to the new max: exp(m_old − m_new) <= 1, never overflows.
  // O needs no rescaling: numerator and denominator change by the same factor.
  s.rescale = first ? T(0) : std::exp(s.running_max - m_new);
  s.running_sum *= s.rescale;
  const T big = std::numeric_limits<T>::max();
  for (Index i = 0; i < b; ++i) {
    const T p = std::exp(logits(i) - m_new);
    const T l_old = s.running_sum;
    s.running_sum += p;
    if (p == 0) continue;  // weight 0 (underflow): O is unchanged, and l may still be 0
    // O ← (l_old O + p v) / l_new: weights in [0, 1] summing to 1, so |O| <= max |v|; only
    // the rounding of the last addition can step past ±max, and that saturates.
    const T a = l_old / s.running_sum, c = p / s.running_sum;
    out_ = (a * out_ + c * values.row(i).transpose()).cwiseMax(-big).cwiseMin(big);
  }
  s.running_max = m_new;
  s.partial_output = out_;  // running_sum >= 1: the max term is exp(0)
  seen_ += b;
  return s;
}

template <typename T>
Vec<T> StreamingSoftmax<T>::output() const {
  if (seen_ == 0) throw invalid_argument("stream", "has seen no keys; push at least one block first");
  return out_;
}

template <typename T>
T StreamingSoftmax<T>::log_sum_exp() const {
  if (seen_ == 0) throw invalid_argument("stream", "has seen no keys; push at least one block first");
  return state_.running_max + std::log(state_.running_sum);
}

template <typename T>
StreamResult<T> streaming_attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt,
                                 Index block_size, bool record_blocks) {
  if (block_size < 1)
    throw invalid_argument("block_size", detail::cat("is ", block_size, "; expected a block size >= 1"));
  if (values.rows() == 0) throw invalid_argument("values", "are missing; streaming attention needs one value per key");
  validate_attend<T>(query, keys, values, opt);
  if (!opt.plain())
    throw invalid_argument("stream", "is softmax attention only; alpha, sink, rope and kernel are options of attend");

  const Index n = keys.rows();
  StreamingSoftmax<T> stream(values.cols());
  StreamResult<T> r;
  Vec<T> logits(std::min(block_size, n));  // the only per-key memory: one block
  for (Index begin = 0; begin < n; begin += block_size) {
    const Index b = std::min(block_size, n - begin);
    auto block_logits = logits.head(b);
    logits_into<T>(query, keys.middleRows(begin, b), opt, block_logits);
    stream.push(block_logits, values.middleRows(begin, b), begin);
    if (record_blocks) r.blocks.push_back(stream.state());
  }
  r.output = stream.output();
  r.log_sum_exp = stream.log_sum_exp();
  return r;
}

template class StreamingSoftmax<float>;
template class StreamingSoftmax<double>;
template StreamResult<float> streaming_attend<float>(VecCRef<float>, MatCRef<float>, MatCRef<float>,
                                                     const AttendOptions&, Index, bool);
template StreamResult<double> streaming_attend<double>(VecCRef<double>, MatCRef<double>, MatCRef<double>,
                                                       const AttendOptions&, Index, bool);

}  // namespace attn
