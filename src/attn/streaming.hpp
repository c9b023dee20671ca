// Streaming softmax (the FlashAttention recurrence) for one query: keys arrive in
// blocks; we keep only a running max m, a running sum l of exp(logit − m) and an
// unnormalised output acc, rescaling l and acc by exp(m_old − m_new) whenever the
// max grows. Memory is O(dv), independent of n; the result equals the two-pass
// softmax up to rounding.
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
  T rescale = 0;             // exp(m_before − m_after) applied to l and acc (0 for the first block)
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
  // Output so far, acc / l. Throws if no block was pushed.
  Vec<T> output() const;
  T log_sum_exp() const;  // m + log l
  const StreamState<T>& state() const { return state_; }
  Index keys_seen() const { return seen_; }

 private:
  Index dv_;
  Index seen_ = 0;
  Vec<T> acc_;
  StreamState<T> state_;
};

template <typename T>
struct StreamResult {
  Vec<T> output;       // (dv)
  T log_sum_exp = 0;
  std::vector<StreamState<T>> blocks;  // one per block, in order (empty unless record_blocks)
};

// Runs the recurrence over query/keys/values in blocks of block_size (>= 1).
template <typename T>
StreamResult<T> streaming_attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values,
                                 const AttendOptions& opt, Index block_size, bool record_blocks = true);

}  // namespace attn
