"""attn/train.hpp against PyTorch: the same model rebuilt in torch (float64) from the parameters
and batches the core exports, its loss and every gradient by autograd, compared with the core's
forward and backward to 1e-9 (llm.c's test_gpt2.c, with our own model).

The core writes the cases (72 models: every task x untied / tied / no projections x softmax,
entmax 1.5, sparsemax x 1 layer 1 head / 2 layers 2 heads, with masks, scales and inits
varying) through its hidden Catch2 case "[export]":
    ATTN_TRAIN_EXPORT=cases.json build/release/tests/attention_tests "[export]"
Skipped when torch is missing or the test binary is not built (ATTN_TESTS_BIN overrides its path).

entmax here does not reuse the core's Jacobian: the support is found without gradients (sort
for sparsemax, bisection for 1.5-entmax), then the threshold τ is written in closed form on
that support and autograd differentiates through it:
    sparsemax   τ = (Σ_S z − 1) / |S|,                 p = z − τ on S
    1.5-entmax  a = z / 2, Σ_S (a − τ)² = 1 gives
                τ = (Σa − √((Σa)² − |S| (Σa² − 1))) / |S|,   p = (a − τ)² on S
"""

import json
import os
import pathlib
import subprocess

import pytest

torch = pytest.importorskip("torch")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("ATTN_TESTS_BIN") or ROOT / "build" / "release" / "tests" / "attention_tests")
TOLERANCE = 1e-9


def entmax_row(z, alpha):
    """α-entmax of a 1-D float64 tensor, differentiable; alpha in {1, 1.5, 2}."""
    if alpha == 1:
        return torch.softmax(z, 0)
    if alpha == 2:
        with torch.no_grad():
            s, _ = torch.sort(z, descending=True)
            k = torch.arange(1, len(z) + 1, dtype=z.dtype)
            size = int(((1 + k * s) > torch.cumsum(s, 0)).sum())
            support = z >= s[size - 1]
        tau = (z[support].sum() - 1) / size
        return torch.where(support, z - tau, torch.zeros_like(z))
    assert alpha == 1.5
    a = z / 2
    with torch.no_grad():
        lo, hi = a.max() - 1, a.max()
        for _ in range(200):
            mid = (lo + hi) / 2
            if torch.clamp(a - mid, min=0).pow(2).sum() >= 1:
                lo = mid
            else:
                hi = mid
        support = a > lo
    aS = a[support]
    n = aS.numel()
    tau = (aS.sum() - torch.sqrt(aS.sum() ** 2 - n * (aS.pow(2).sum() - 1))) / n
    return torch.where(support, (a - tau).pow(2), torch.zeros_like(z))


def model_loss(case, P):
    c = case["config"]
    tokens = torch.tensor(case["tokens"])
    targets = torch.tensor(case["targets"])
    scored = torch.tensor(case["scored"]) == 1
    B, T = tokens.shape
    h = P["token_embedding"][tokens] + P["position_embedding"][:T]  # (B, T, D)
    for l in range(c["layers"]):
        outs = []
        for k in range(c["heads"]):
            if c["projections"] == "learned":
                wq = P[f"layer{l}.head{k}.W_Q"]
                wk = wq if c["tie"] else P[f"layer{l}.head{k}.W_K"]
                wv = P[f"layer{l}.head{k}.W_V"]
                q, kk, v = h @ wq.T, h @ wk.T, h @ wv.T
            else:
                q = kk = v = h
            S = c["scale"] * q @ kk.transpose(1, 2)  # (B, T, T)
            rows = []
            for b in range(B):
                for i in range(T):
                    n = i + 1 if c["causal"] else T
                    w = entmax_row(S[b, i, :n], c["alpha"])
                    rows.append(torch.cat([w, torch.zeros(T - n, dtype=w.dtype)]))
            A = torch.stack(rows).reshape(B, T, T)
            outs.append(A @ v)
        h = h + torch.cat(outs, dim=2) @ P[f"layer{l}.W_O"].T
    logits = h @ P["unembedding"].T  # (B, T, C)
    logp = torch.log_softmax(logits, dim=2)
    picked = logp.gather(2, targets.clamp(min=0).unsqueeze(2)).squeeze(2)
    return -picked[scored].mean()


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    if not BINARY.exists():
        pytest.skip(f"{BINARY} is not built (cmake --preset release && cmake --build --preset release)")
    path = tmp_path_factory.mktemp("train") / "cases.json"
    subprocess.run([str(BINARY), "[export]"], env={**os.environ, "ATTN_TRAIN_EXPORT": str(path)}, check=True,
                   capture_output=True)
    return json.loads(path.read_text())


def test_every_exported_model_has_the_same_loss_and_gradients_in_pytorch(cases):
    assert len(cases) == 72
    worst = {"loss": 0.0, "grad": 0.0}
    for n, case in enumerate(cases):
        P = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in case["params"].items()}
        loss = model_loss(case, P)
        loss.backward()
        where = f"case {n}: {case['task']} {case['config']}"
        diff = abs(loss.item() - case["loss"])
        worst["loss"] = max(worst["loss"], diff)
        assert diff <= TOLERANCE * max(1.0, abs(case["loss"])), where
        assert set(P) == set(case["grads"]), where
        for name, tensor in P.items():
            want = torch.tensor(case["grads"][name], dtype=torch.float64)
            diff = (tensor.grad - want).abs().max().item()
            worst["grad"] = max(worst["grad"], diff)
            assert diff <= TOLERANCE, f"{where}: {name} max |torch - core| = {diff}"
    print(f"max |torch - core|: loss {worst['loss']:.3g}, gradients {worst['grad']:.3g}")


CLI = pathlib.Path(os.environ.get("ATTN_CLI") or ROOT / "build" / "release" / "attention-cli")


def cli(problem):
    r = subprocess.run([str(CLI)], input=json.dumps(problem), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("model", [
    {"task": "previous"},
    {"task": "cycle", "tie": True, "heads": 2, "d_model": 8},
    {"task": "lookup", "projections": "none", "scale": 0.7},
    {"task": "induction", "alpha": 1.5, "d_model": 8, "heads": 2},
    {"task": "previous", "mask": "none", "layers": 2, "alpha": 2, "d_model": 8},
])
def test_cli_grad_mode_is_rebuilt_by_pytorch_from_docs_formulas(model):
    """docs/cli.md's "train" and "grad" modes as a user of another framework reads them: params from
    "train" (a few steps in, so nothing is at its init), then "grad"'s loss and gradients on its batch
    against the model written in torch from the formulas."""
    if not CLI.exists():
        pytest.skip(f"{CLI} is not built")
    params = cli({"mode": "train", **model, "steps": 3, "batch": 4, "eval_every": 3})["params"]
    g = cli({"mode": "grad", **model, "params": params, "batch": 3, "seed": 11})
    task = model["task"]
    n = 8 if task == "lookup" else 16
    d_model = model.get("d_model", 16)
    d_head = d_model if model.get("projections") == "none" else d_model // model.get("heads", 1)
    case = {
        "config": {
            "layers": model.get("layers", 2 if task == "induction" else 1), "heads": model.get("heads", 1),
            "projections": model.get("projections", "learned"), "tie": model.get("tie", False),
            "causal": (model.get("mask") == "causal") if "mask" in model else task != "cycle",
            "scale": model.get("scale", d_head ** -0.5), "alpha": model.get("alpha", 1),
        },
        "tokens": g["tokens"], "targets": g["targets"], "scored": g["scored"],
    }
    assert len(g["tokens"][0]) == (n + 1 if task == "lookup" else n)
    P = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in params.items()}
    loss = model_loss(case, P)
    loss.backward()
    assert abs(loss.item() - g["loss"]) <= TOLERANCE * max(1.0, abs(g["loss"]))
    assert set(g["grads"]) == set(params)
    for name, tensor in P.items():
        want = torch.tensor(g["grads"][name], dtype=torch.float64)
        assert want.shape == tensor.shape, name
        assert (tensor.grad - want).abs().max().item() <= TOLERANCE, name
