// Paged KV cache (vLLM's PagedAttention): a sequence's keys and values live in fixed-size
// blocks from one shared pool, found through the sequence's block table, so memory is
// taken one block at a time and sequences can share blocks (a common prefix).
//   block: keys (block_size, d), values (block_size, dv); token t of a sequence sits in
//   block table[t / block_size], slot t % block_size.
#pragma once

#include <vector>

#include "attn/attend.hpp"
#include "attn/types.hpp"

namespace attn {

template <typename T>
struct PagedAttention {
  Vec<T> logits;   // (len) over the sequence's tokens, in order
  Vec<T> weights;  // (len)
  Vec<T> output;   // (dv)
};

template <typename T>
class PagedKVCache {
 public:
  // block_size >= 1 tokens per block; d >= 1, dv >= 1 (throws attn::invalid_argument).
  PagedKVCache(Index block_size, Index d, Index dv);

  Index add_sequence();      // a new empty sequence; returns its id
  Index fork(Index parent);  // a new sequence sharing every block of parent (copy-on-write)
  // Appends one token; takes a new block when the last is full, copies a shared last block first.
  void append(Index seq, VecCRef<T> key, VecCRef<T> value);
  // One query against the sequence, reading keys and values through the block table.
  PagedAttention<T> attend(Index seq, VecCRef<T> query, const AttendOptions& opt = {}) const;

  Mat<T> keys(Index seq) const;    // (len, d) gathered in token order (the contiguous cache)
  Mat<T> values(Index seq) const;  // (len, dv)
  const std::vector<Index>& block_table(Index seq) const;
  Index length(Index seq) const;
  Index sequences() const { return static_cast<Index>(tables_.size()); }
  Index block_size() const { return block_size_; }

  // Physical blocks: how many tables point at each, and how many slots hold a token.
  Index blocks_allocated() const { return static_cast<Index>(ref_.size()); }
  Index ref_count(Index block) const { return ref_[static_cast<size_t>(block)]; }
  Index filled(Index block) const { return filled_[static_cast<size_t>(block)]; }
  Index blocks_used() const;   // blocks with ref_count > 0
  Index slots_filled() const;  // tokens stored, shared ones once
  Index wasted_slots() const { return blocks_used() * block_size_ - slots_filled(); }
  Index blocks_without_sharing() const;  // Σ ceil(len / block_size): every sequence its own copy

 private:
  void check_seq(Index seq) const;
  Index new_block();

  Index block_size_, d_, dv_;
  std::vector<Mat<T>> block_keys_, block_values_;  // (block_size, d), (block_size, dv) each
  std::vector<Index> ref_, filled_;
  std::vector<std::vector<Index>> tables_;
  std::vector<Index> lengths_;
};

// A decode the page can step through: sequence A decodes its tokens one per step; once it
// holds shared_prefix tokens, sequence B forks from it (sharing those blocks) and the two
// then alternate, A first, until both are done. Each step appends the token and attends
// with its query over its sequence, paged and contiguous.
template <typename T>
struct PagedScenario {
  Index block_size = 4;
  Mat<T> queries, keys, values;        // A: (n_a, d), (n_a, d), (n_a, dv)
  Index shared_prefix = 0;             // 0..n_a tokens of A that B starts with
  Mat<T> queries_b, keys_b, values_b;  // B's own tokens after the prefix: (n_b, d), ..., (n_b, dv)
};

template <typename T>
struct PagedStep {
  Index seq = 0;       // 0 = A, 1 = B
  Index position = 0;  // the token's index in its sequence
  PagedAttention<T> paged;
  AttendResult<T> contiguous;  // attend() over the same tokens stored contiguously
  double max_abs_diff = 0;     // max over weights and output of |paged - contiguous|
};

template <typename T>
struct PagedDecode {
  PagedKVCache<T> cache;
  bool forked = false;  // B exists (it forks once A holds shared_prefix tokens)
  Index steps = 0, total_steps = 0;
  std::vector<PagedStep<T>> history;  // one per step taken
};

// The most work one decode may take: Σ over its steps of the sequence length, times
// (d + dv + 16) (each step attends over its sequence paged and contiguously and keeps both
// weight vectors). 10,000 tokens in one sequence used 1.8 GB; at this limit a decode takes
// about half a second natively (docs/cli.md, "Limits").
constexpr double kMaxPagedWork = double(Index(1) << 27);

// Runs the scenario for `steps` steps (0..n_a + n_b; throws "steps" beyond, and "keys" when
// the work exceeds kMaxPagedWork).
template <typename T>
PagedDecode<T> paged_decode(const PagedScenario<T>& s, Index steps, const AttendOptions& opt = {});

}  // namespace attn
