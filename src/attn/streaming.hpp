// Streaming softmax (the FlashAttention recurrence) for one query: keys arrive in
// blocks; we keep only a running max m, a running sum l of exp(logit − m) and the
// output so far O = acc / l, rescaling l by exp(m_old − m_new) whenever the max grows.
// O is kept normalised (FlashAttention v1's form, O ← (l_old O + p v) / l_new) rather
// than as the raw sum acc: O is a convex combination of value rows, so it never
// overflows, even for values near the type's max. Memory is O(dv), independent of n;
// the result equals the two-pass softmax up to rounding.
#pragma once

#include <vector>

#include "attn/attend.hpp"
#include "attn/types.hpp"

namespace attn {

template <typename T>
struct StreamState {
  Index begin = 0, end = 0;  // the block just processed: keys [begin, end)
  T block_max = 0;           // max logit inside the block
  T running_max = 0;         // m after the block
  T rescale = 0;             // exp(m_before − m_after) applied to l (0 for the first block)
  T running_sum = 0;         // l after the block
  Vec<T> partial_output;     // acc / l: the output if the keys stopped here, (dv)
};

template <typename T>
class StreamingSoftmax {
 public:
  explicit StreamingSoftmax(Index value_dim);
  // Consume one block: its logits (b) and the matching value rows (b, dv).
  // begin is the index of the block's first key (for reporting only).
  const StreamState<T>& push(VecCRef<T> logits, MatCRef<T> values, Index begin);
  // Output so far, O = acc / l. Throws if no block was pushed.
  Vec<T> output() const;
  T log_sum_exp() const;  // m + log l
  const StreamState<T>& state() const { return state_; }
  Index keys_seen() const { return seen_; }

 private:
  Index dv_;
  Index seen_ = 0;
  Vec<T> out_;  // O = acc / l, (dv)
  StreamState<T> state_;
};

template <typename T>
struct StreamResult {
  Vec<T> output;  // (dv)
  T log_sum_exp = 0;
  std::vector<StreamState<T>> blocks;  // one per block, in order (empty unless record_blocks)
};

// Runs the recurrence over query/keys/values in blocks of block_size (>= 1).
template <typename T>
StreamResult<T> streaming_attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt,
                                 Index block_size, bool record_blocks = true);

}  // namespace attn
