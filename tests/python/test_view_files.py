"""The CLI's view and joint modes reading a head from files (query_from, keys_from, values_from:
"path" or "path:tensor"), against the same problem given inline: .npy written by NumPy, (H, T, d)."""

import json
import os
import pathlib
import subprocess

import pytest

np = pytest.importorskip("numpy")

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("ATTN_CLI") or ROOT / "build" / "release" / "attention-cli")


def run(problem):
    r = subprocess.run([str(CLI)], input=json.dumps(problem), capture_output=True, text=True)
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else r.stderr.strip())


@pytest.fixture
def head(tmp_path):
    if not CLI.exists():
        pytest.skip(f"{CLI} is not built")
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(2, 9, 24)), rng.normal(size=(2, 9, 24)), rng.normal(size=(2, 9, 5))
    for name, a in (("q", q), ("k", k), ("v", v)):
        np.save(tmp_path / f"{name}.npy", a.astype(np.float32))
    return tmp_path, q.astype(np.float32).astype(float), k.astype(np.float32).astype(float), v.astype(np.float32).astype(float)


def test_view_from_files_is_the_inline_view(head):
    d, q, k, v = head
    code, files = run({"mode": "view", "query_from": str(d / "q.npy"), "keys_from": str(d / "k.npy"),
                       "values_from": str(d / "v.npy"), "head": 1, "token": 6, "scale": 24 ** -0.5})
    assert code == 0, files
    code, inline = run({"mode": "view", "query": q[1, 6].tolist(), "keys": k[1, :7].tolist(),
                        "values": v[1, :7].tolist(), "scale": 24 ** -0.5})
    assert code == 0, inline
    assert files["n"] == 7  # causal: token 6 sees tokens 0 ... 6
    for field in ("weights", "logits", "x", "y", "output"):
        assert np.allclose(files[field], inline[field], atol=1e-12), field


def test_joint_from_files_and_errors_name_the_field(head):
    d, q, k, _ = head
    code, files = run({"mode": "joint", "queries_from": str(d / "q.npy"), "keys_from": str(d / "k.npy"), "head": 0})
    code2, inline = run({"mode": "joint", "queries": q[0].tolist(), "keys": k[0].tolist()})
    assert code == 0 and code2 == 0
    assert np.allclose(files["queries"], inline["queries"], atol=1e-12)
    code, message = run({"mode": "view", "query_from": str(d / "q.npy"), "keys_from": str(d / "k.npy"), "head": 2})
    assert code == 2 and message.startswith("attention-cli: head: is 2;") and "has 2 heads" in message
    code, message = run({"mode": "view", "query_from": str(d / "q.npy"), "keys_from": str(d / "nope.npy")})
    assert code == 2 and message.startswith("attention-cli: keys_from: cannot read")
    code, message = run({"mode": "view", "query_from": str(d / "q.npy"), "keys_from": str(d / "k.npy:w")})
    assert code == 2 and "has no tensor" in message
    (d / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00")
    code, message = run({"mode": "view", "query_from": str(d / "q.npy"), "keys_from": str(d / "bad.npy")})
    assert code == 2 and "bad.npy" in message
    code, message = run({"mode": "view", "keys_from": str(d / "k.npy"), "query": [1, 0]})
    assert code == 2 and message.startswith("attention-cli: query:")
