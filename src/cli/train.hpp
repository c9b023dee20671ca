// The CLI's training modes (docs/cli.md "train" and "grad"), in their own file; solve() in
// problem.cpp dispatches to them by "mode".
#pragma once

#include <nlohmann/json.hpp>

namespace attn::cli {

// "train": trains the model of attn/train.hpp with attn::Trainer<double>; returns the held-out
// curves and the final parameters by tensor name.
nlohmann::json solve_train(const nlohmann::json& problem);
// "grad": the loss on the batch `seed` generates and its gradient, with exactly the structure of
// the given params (the same names and shapes).
nlohmann::json solve_grad(const nlohmann::json& problem);

}  // namespace attn::cli
