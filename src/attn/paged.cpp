#include "attn/paged.hpp"

#include <algorithm>
#include <cmath>

#include "attn/errors.hpp"
#include "attn/softmax.hpp"

namespace attn {

template <typename T>
PagedKVCache<T>::PagedKVCache(Index block_size, Index d, Index dv) : block_size_(block_size), d_(d), dv_(dv) {
  if (block_size < 1 || block_size > 4096)
    throw invalid_argument("block_size", detail::cat("is ", block_size, "; expected 1..4096 tokens per block"));
  if (d < 1) throw invalid_argument("keys", detail::cat("have d = ", d, "; expected at least 1"));
  if (dv < 1) throw invalid_argument("values", detail::cat("have dv = ", dv, "; expected at least 1"));
}

template <typename T>
void PagedKVCache<T>::check_seq(Index seq) const {
  if (seq < 0 || seq >= sequences())
    throw invalid_argument("seq", detail::cat("is ", seq, "; expected 0..", sequences() - 1));
}

template <typename T>
Index PagedKVCache<T>::new_block() {
  block_keys_.emplace_back(Mat<T>::Zero(block_size_, d_));
  block_values_.emplace_back(Mat<T>::Zero(block_size_, dv_));
  ref_.push_back(1);
  filled_.push_back(0);
  return blocks_allocated() - 1;
}

template <typename T>
Index PagedKVCache<T>::add_sequence() {
  tables_.emplace_back();
  lengths_.push_back(0);
  return sequences() - 1;
}

template <typename T>
Index PagedKVCache<T>::fork(Index parent) {
  check_seq(parent);
  tables_.push_back(tables_[static_cast<size_t>(parent)]);
  lengths_.push_back(lengths_[static_cast<size_t>(parent)]);
  for (const Index b : tables_.back()) ++ref_[static_cast<size_t>(b)];
  return sequences() - 1;
}

template <typename T>
void PagedKVCache<T>::append(Index seq, VecCRef<T> key, VecCRef<T> value) {
  check_seq(seq);
  if (key.size() != d_)
    throw invalid_argument("keys", detail::cat("a key has ", key.size(), " numbers; expected d = ", d_));
  if (value.size() != dv_)
    throw invalid_argument("values", detail::cat("a value has ", value.size(), " numbers; expected dv = ", dv_));
  detail::require_all_finite("keys", key);
  detail::require_all_finite("values", value);
  auto& table = tables_[static_cast<size_t>(seq)];
  Index& len = lengths_[static_cast<size_t>(seq)];
  const Index slot = len % block_size_;
  if (slot == 0) {
    table.push_back(new_block());
  } else if (ref_[static_cast<size_t>(table.back())] > 1) {
    // Copy-on-write: the last block is shared and partly full; writing would change it for
    // the other sequences, so this one takes its own copy of the filled slots.
    const auto old = static_cast<size_t>(table.back());
    const Index fresh = new_block();
    block_keys_[static_cast<size_t>(fresh)].topRows(slot) = block_keys_[old].topRows(slot);
    block_values_[static_cast<size_t>(fresh)].topRows(slot) = block_values_[old].topRows(slot);
    filled_[static_cast<size_t>(fresh)] = slot;
    --ref_[old];
    table.back() = fresh;
  }
  const auto b = static_cast<size_t>(table.back());
  block_keys_[b].row(slot) = key.transpose();
  block_values_[b].row(slot) = value.transpose();
  filled_[b] = std::max(filled_[b], slot + 1);
  ++len;
}

template <typename T>
PagedAttention<T> PagedKVCache<T>::attend(Index seq, VecCRef<T> query, const AttendOptions& opt) const {
  check_seq(seq);
  const Index len = length(seq);
  if (len == 0) throw invalid_argument("seq", detail::cat("sequence ", seq, " is empty; expected at least one token"));
  if (query.size() != d_)
    throw invalid_argument("query", detail::cat("has ", query.size(), " numbers; expected d = ", d_));
  const auto& table = tables_[static_cast<size_t>(seq)];
  PagedAttention<T> r;
  r.logits.resize(len);  // (len)
  // 1) logits block by block through the table (each block: its filled prefix of this sequence).
  for (size_t t = 0; t < table.size(); ++t) {
    const Index begin = static_cast<Index>(t) * block_size_, count = std::min(block_size_, len - begin);
    logits_into<T>(query, block_keys_[static_cast<size_t>(table[t])].topRows(count), opt,
                   r.logits.segment(begin, count));
  }
  // 2) softmax over the whole sequence, 3) accumulate values through the table.
  r.weights.resize(len);
  softmax_into<T>(r.logits, r.weights);
  r.output.setZero(dv_);
  for (size_t t = 0; t < table.size(); ++t) {
    const Index begin = static_cast<Index>(t) * block_size_, count = std::min(block_size_, len - begin);
    r.output.noalias() +=
        block_values_[static_cast<size_t>(table[t])].topRows(count).transpose() * r.weights.segment(begin, count);
  }
  return r;
}

template <typename T>
Mat<T> PagedKVCache<T>::keys(Index seq) const {
  check_seq(seq);
  Mat<T> out(length(seq), d_);
  for (Index t = 0; t < length(seq); ++t)
    out.row(t) =
        block_keys_[static_cast<size_t>(block_table(seq)[static_cast<size_t>(t / block_size_)])].row(t % block_size_);
  return out;
}

template <typename T>
Mat<T> PagedKVCache<T>::values(Index seq) const {
  check_seq(seq);
  Mat<T> out(length(seq), dv_);
  for (Index t = 0; t < length(seq); ++t)
    out.row(t) =
        block_values_[static_cast<size_t>(block_table(seq)[static_cast<size_t>(t / block_size_)])].row(t % block_size_);
  return out;
}

template <typename T>
const std::vector<Index>& PagedKVCache<T>::block_table(Index seq) const {
  check_seq(seq);
  return tables_[static_cast<size_t>(seq)];
}

template <typename T>
Index PagedKVCache<T>::length(Index seq) const {
  check_seq(seq);
  return lengths_[static_cast<size_t>(seq)];
}

template <typename T>
Index PagedKVCache<T>::blocks_used() const {
  return static_cast<Index>(std::count_if(ref_.begin(), ref_.end(), [](Index r) { return r > 0; }));
}

template <typename T>
Index PagedKVCache<T>::slots_filled() const {
  Index s = 0;
  for (size_t b = 0; b < ref_.size(); ++b)
    if (ref_[b] > 0) s += filled_[b];
  return s;
}

template <typename T>
Index PagedKVCache<T>::blocks_without_sharing() const {
  Index s = 0;
  for (const Index len : lengths_) s += (len + block_size_ - 1) / block_size_;
  return s;
}

namespace {

template <typename T>
void check_rows(const char* name, MatCRef<T> m, Index rows, Index cols, const char* what) {
  if (m.rows() != rows || m.cols() != cols)
    throw invalid_argument(
        name, detail::cat("is ", m.rows(), " x ", m.cols(), "; expected ", rows, " x ", cols, " (", what, ")"));
}

}  // namespace

template <typename T>
PagedDecode<T> paged_decode(const PagedScenario<T>& s, Index steps, const AttendOptions& opt) {
  const Index n_a = s.keys.rows(), n_b = s.keys_b.rows(), d = s.keys.cols(), dv = s.values.cols();
  if (n_a == 0) throw invalid_argument("keys", "got 0 tokens for sequence A; expected at least 1");
  check_rows<T>("queries", s.queries, n_a, d, "one query per key of A");
  check_rows<T>("values", s.values, n_a, dv, "one value per key of A");
  if (n_b > 0) {
    check_rows<T>("keys_b", s.keys_b, n_b, d, "B's keys, d as A's");
    check_rows<T>("queries_b", s.queries_b, n_b, d, "one query per key of B");
    check_rows<T>("values_b", s.values_b, n_b, dv, "one value per key of B, dv as A's");
  }
  if (s.shared_prefix < 0 || s.shared_prefix > n_a)
    throw invalid_argument("shared_prefix",
                           detail::cat("is ", s.shared_prefix, "; expected 0..", n_a, " (at most the tokens of A)"));
  detail::require_all_finite("queries", s.queries);
  detail::require_all_finite("queries_b", s.queries_b);
  PagedDecode<T> r{PagedKVCache<T>(s.block_size, d, dv), false, 0, n_a + n_b, {}};
  if (steps < 0 || steps > r.total_steps)
    throw invalid_argument("steps", detail::cat("is ", steps, "; expected 0..", r.total_steps, " (n_a + n_b)"));
  // The schedule first (which sequence each step appends to), then the work: every step
  // attends over its whole sequence twice and keeps both results, so the cost is
  // Σ length · (d + dv + 16), quadratic in the tokens; it is checked before any work.
  std::vector<bool> a_turns;
  a_turns.reserve(static_cast<size_t>(steps));
  double history = 0;  // Σ over steps of the sequence's length after the append
  {
    Index next_a = 0, next_b = 0;
    bool forked = s.shared_prefix == 0;
    for (Index step = 0; step < steps; ++step) {
      // A alone until the fork; then A and B alternate (A first), then whichever is left.
      const bool a_turn = next_a < n_a && (!forked || next_b >= n_b || next_a - s.shared_prefix <= next_b);
      a_turns.push_back(a_turn);
      history += static_cast<double>(a_turn ? next_a + 1 : s.shared_prefix + next_b + 1);
      (a_turn ? next_a : next_b) += 1;
      forked = forked || next_a == s.shared_prefix;
    }
  }
  const double work = history * static_cast<double>(d + dv + 16);
  if (work > kMaxPagedWork)
    throw invalid_argument(
        "keys", detail::cat("have ", n_a + n_b, " tokens (n_a + n_b) and d + dv = ", d + dv, ": ", steps,
                            " steps attend over ", history, " cached tokens in all (Σ length, ",
                            "quadratic in the tokens), Σ length · (d + dv + 16) = ", work, "; expected at most ",
                            kMaxPagedWork, "; use fewer tokens or fewer steps"));

  r.cache.add_sequence();
  Index next_a = 0, next_b = 0;
  auto fork_if_due = [&] {
    if (!r.forked && next_a == s.shared_prefix) {
      r.cache.fork(0);
      r.forked = true;
    }
  };
  fork_if_due();
  r.history.reserve(static_cast<size_t>(steps));
  for (; r.steps < steps; ++r.steps) {
    const bool a_turn = a_turns[static_cast<size_t>(r.steps)];
    PagedStep<T> step;
    step.seq = a_turn ? 0 : 1;
    const Index row = a_turn ? next_a : next_b;
    const auto& K = a_turn ? s.keys : s.keys_b;
    const auto& V = a_turn ? s.values : s.values_b;
    const auto& Q = a_turn ? s.queries : s.queries_b;
    r.cache.append(step.seq, K.row(row).transpose(), V.row(row).transpose());
    step.position = r.cache.length(step.seq) - 1;
    step.paged = r.cache.attend(step.seq, Q.row(row).transpose(), opt);
    step.contiguous = attend<T>(Q.row(row).transpose(), r.cache.keys(step.seq), r.cache.values(step.seq), opt);
    step.max_abs_diff =
        std::max(static_cast<double>((step.paged.weights - step.contiguous.weights).cwiseAbs().maxCoeff()),
                 static_cast<double>((step.paged.output - step.contiguous.output).cwiseAbs().maxCoeff()));
    r.history.push_back(std::move(step));
    (a_turn ? next_a : next_b) += 1;
    fork_if_due();
  }
  return r;
}

template class PagedKVCache<float>;
template class PagedKVCache<double>;
template PagedDecode<float> paged_decode<float>(const PagedScenario<float>&, Index, const AttendOptions&);
template PagedDecode<double> paged_decode<double>(const PagedScenario<double>&, Index, const AttendOptions&);

}  // namespace attn
