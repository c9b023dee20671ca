"""attention-cli's "view" and "joint" modes (attn/view.hpp) against PyTorch, in float64.

view:  the weights the CLI reads off the x-axis, softmax(scale·|q|·x_i), equal
       torch.softmax(scale · q @ K.T) (the logits computed directly), for d = 1 … 4096.
joint: each query's softmax over the transformed points (a·q_i)·((k_j + c)/a), with the
       CLI's shift c and ratio a, equals torch.softmax(Q @ K.T) row by row; the map is the
       centred PCA of the stacked points (torch.linalg.eigh), up to each axis' sign.
Skipped when torch is missing or the CLI is not built (ATTN_CLI_BIN overrides its path).
"""

import json
import os
import pathlib
import subprocess

import pytest

torch = pytest.importorskip("torch")

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("ATTN_CLI_BIN") or ROOT / "build" / "release" / "attention-cli")
TOLERANCE = 1e-12

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"{CLI} is not built")


def run(problem):
    out = subprocess.run([str(CLI), "-"], input=json.dumps(problem), capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def t(x):
    return torch.tensor(x, dtype=torch.float64)


@pytest.mark.parametrize("d,n,scale", [(1, 9, 1.0), (2, 12, 0.7), (3, 20, -1.3), (64, 50, 0.125), (4096, 24, 1 / 64)])
def test_view_weights_are_torch_softmax(d, n, scale):
    g = torch.Generator().manual_seed(1000 + d)
    q = torch.randn(d, generator=g, dtype=torch.float64)
    k = torch.randn(n, d, generator=g, dtype=torch.float64)
    v = torch.randn(n, 3, generator=g, dtype=torch.float64)
    r = run({"mode": "view", "query": q.tolist(), "keys": k.tolist(), "values": v.tolist(), "scale": scale})
    logits = scale * (k @ q)
    w = torch.softmax(logits, 0)
    assert (t(r["weights"]) - w).abs().max().item() <= TOLERANCE
    assert (t(r["output"]) - w @ v).abs().max().item() <= TOLERANCE
    # The logits are read off the x-axis: scale · |q| · x_i.
    assert (t(r["logits"]) - logits).abs().max().item() <= TOLERANCE * (abs(scale) * q.norm() * k.norm(dim=1)).max()
    assert (scale * q.norm() * t(r["x"]) - logits).abs().max().item() <= 1e-11 * logits.abs().max().item()
    basis = t(r["basis"])
    assert basis.shape == (2, d)
    assert torch.allclose(basis[0], q / q.norm(), atol=1e-15, rtol=0)


def test_view_e2_is_the_top_eigenvector():
    g = torch.Generator().manual_seed(7)
    d = 40
    q = torch.randn(d, generator=g, dtype=torch.float64)
    k = torch.randn(300, d, generator=g, dtype=torch.float64)
    r = run({"mode": "view", "query": q.tolist(), "keys": k.tolist()})
    e1 = q / q.norm()
    rest = k - torch.outer(k @ e1, e1)
    _, vecs = torch.linalg.eigh(rest.T @ rest)
    top = vecs[:, -1]
    e2 = t(r["basis"])[1]
    assert abs(abs(float(top @ e2)) - 1) <= 1e-10
    assert (t(r["y"]) - k @ e2).abs().max().item() <= 1e-12


@pytest.mark.parametrize("d", [2, 5, 128])
def test_joint_rows_keep_torch_softmax(d):
    g = torch.Generator().manual_seed(2000 + d)
    q = 1.5 * torch.randn(10, d, generator=g, dtype=torch.float64)
    k = 0.4 * torch.randn(14, d, generator=g, dtype=torch.float64) + 0.8
    r = run({"mode": "joint", "queries": q.tolist(), "keys": k.tolist()})
    c, a = t(r["shift"]), r["ratio"]
    assert torch.allclose(c, q.mean(0) - k.mean(0), atol=1e-14, rtol=0)
    qt, kt = a * q, (k + c) / a
    before, after = torch.softmax(q @ k.T, 1), torch.softmax(qt @ kt.T, 1)
    assert (after - before).abs().max().item() <= TOLERANCE
    assert abs(qt.norm(dim=1).mean().item() - kt.norm(dim=1).mean().item()) <= 1e-12 * kt.norm(dim=1).mean().item()
    # The map: the centred stacked points on the top two principal directions.
    pts = torch.cat([qt, kt])
    centred = pts - pts.mean(0)
    _, vecs = torch.linalg.eigh(centred.T @ centred)
    mapped = torch.cat([t(r["queries"]), t(r["keys"])])
    for axis in range(2 if d > 2 else 0):
        ref = centred @ vecs[:, -1 - axis]
        got = mapped[:, axis]
        sign = 1.0 if float(ref @ got) >= 0 else -1.0
        assert (got - sign * ref).abs().max().item() <= 1e-9 * ref.abs().max().item()
    # Pearson correlation of the original logits with minus the transformed distances.
    logits = (q @ k.T).flatten()
    full = -torch.cdist(qt, kt).flatten()
    lc, fc = logits - logits.mean(), full - full.mean()
    pearson = float(lc @ fc / (lc.norm() * fc.norm()))
    assert abs(r["correlation"]["full"] - pearson) <= 1e-12
