"""The notebook recipe (python/README.md, "Q, K and V of a PyTorch layer"): capture_qkv catches
each head's Q, K and V with forward hooks, and the native CLI's matrix mode, given one head's
Q and K and the scale 1/√d_head, gives the layer's own attention weights (to 1e-5, float32).
Also the shapes: batch_first or not, unbatched, kdim ≠ embed_dim, and Hugging Face–style
q_proj/k_proj/v_proj modules with fewer K/V heads than Q heads.
Skipped when torch is missing; the CLI comparison when the CLI is not built (ATTN_CLI or
ATTN_CLI_BIN overrides build/release/attention-cli)."""

import json
import math
import os
import pathlib
import subprocess

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from attention_plot import QKV, AttentionPlot, capture_qkv  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("ATTN_CLI") or os.environ.get("ATTN_CLI_BIN") or ROOT / "build" / "release" / "attention-cli")
TOLERANCE = 1e-5
needs_cli = pytest.mark.skipif(not CLI.exists(), reason=f"{CLI} is not built (cmake --build --preset release --target attention-cli)")


def cli_weights(q, k, scale):
    problem = {"mode": "matrix", "queries": q.tolist(), "keys": k.tolist(), "scale": scale}
    out = subprocess.run([str(CLI), "-"], input=json.dumps(problem), capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return torch.tensor(json.loads(out.stdout)["weights"], dtype=torch.float64)


@needs_cli
def test_the_clis_weights_from_captured_q_and_k_are_the_layers_own():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, batch_first=True).eval()
    x = torch.randn(2, 7, 16)                       # (B, T, d_model)
    q, k, v = capture_qkv(layer, x)["self_attn"]    # each (B, H, T, d_head)
    b, h, t, d_head = q.shape
    assert (b, h, t, d_head) == (2, 2, 7, 8) and k.shape == v.shape == q.shape
    with torch.no_grad():
        _, want = layer.self_attn(x, x, x, need_weights=True, average_attn_weights=False)   # (B, H, T, T)
    worst = 0.0
    for i in range(b):
        for j in range(h):
            got = cli_weights(q[i, j], k[i, j], 1 / math.sqrt(d_head))
            worst = max(worst, (got - want[i, j].double()).abs().max().item())
    print(f"max |CLI − PyTorch| over {b}×{h} heads: {worst:.2e} (tolerance {TOLERANCE:g})")
    assert worst < TOLERANCE


def test_v_is_what_the_layer_mixes():
    # The layer's output is out_proj(concat over heads of A_h V_h): V is captured right too.
    torch.manual_seed(1)
    attn = nn.MultiheadAttention(12, 3, batch_first=True).eval()
    x = torch.randn(2, 5, 12)
    q, k, v = capture_qkv(attn, x, x, x)[""]
    a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(4), dim=-1)
    mixed = (a @ v).transpose(1, 2).reshape(2, 5, 12)
    with torch.no_grad():
        want, _ = attn(x, x, x)
    assert torch.allclose(attn.out_proj(mixed), want, atol=1e-6)


@pytest.mark.parametrize("batch_first", [True, False])
def test_batch_first_or_not_and_unbatched_give_b_h_t_d(batch_first):
    torch.manual_seed(2)
    attn = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    x = torch.randn(3, 4, 8)   # (B, T, E) if batch_first, else (T, B, E)
    q, k, v = capture_qkv(attn, x, x, x)[""]
    assert q.shape == (3, 2, 4, 4) if batch_first else q.shape == (4, 2, 3, 4)
    one = capture_qkv(attn, x[0], x[0], x[0])[""]   # unbatched (T, E)
    assert one.q.shape == (1, 2, x.shape[1], 4)
    assert not q.requires_grad and not one.k.requires_grad


def test_kdim_and_vdim_use_the_separate_projection_weights():
    torch.manual_seed(3)
    attn = nn.MultiheadAttention(8, 2, kdim=5, vdim=3, batch_first=True).eval()
    q_in, k_in, v_in = torch.randn(1, 4, 8), torch.randn(1, 6, 5), torch.randn(1, 6, 3)
    q, k, v = capture_qkv(attn, q_in, k_in, v_in)[""]
    assert q.shape == (1, 2, 4, 4) and k.shape == v.shape == (1, 2, 6, 4)
    with torch.no_grad():
        _, want = attn(q_in, k_in, v_in, average_attn_weights=False)
    assert torch.allclose(torch.softmax(q @ k.transpose(-1, -2) / 2, dim=-1), want, atol=1e-6)


class HFAttention(nn.Module):
    """The shape of a Hugging Face attention module (Llama, Mistral, Qwen …): q_proj, k_proj,
    v_proj Linear layers, fewer key/value heads than query heads, head_dim an attribute."""
    def __init__(self, hidden=16, heads=4, kv_heads=2):
        super().__init__()
        self.num_heads, self.head_dim = heads, hidden // heads
        self.q_proj = nn.Linear(hidden, heads * self.head_dim)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim)

    def forward(self, x):
        return self.q_proj(x), self.k_proj(x), self.v_proj(x)


class HFModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([HFAttention(), HFAttention(heads=2, kv_heads=2)])

    def forward(self, x):
        return [layer(x) for layer in self.layers]


def test_hugging_face_style_projections_are_reshaped_b_t_h_d_then_b_h_t_d():
    torch.manual_seed(4)
    model = HFModel()
    x = torch.randn(2, 3, 16)
    got = capture_qkv(model, x)
    assert set(got) == {"layers.0", "layers.1"} and all(isinstance(g, QKV) for g in got.values())
    assert got["layers.1"].q.shape == got["layers.1"].k.shape == (2, 2, 3, 8)
    first = model.layers[0]
    q, k, v = got["layers.0"]
    assert q.shape == (2, 4, 3, 4) and k.shape == v.shape == (2, 2, 3, 4)
    with torch.no_grad():
        want_q = first.q_proj(x).reshape(2, 3, 4, 4).transpose(1, 2)   # (B, T, H, d) → (B, H, T, d)
    assert torch.equal(q, want_q)


def test_a_model_without_attention_and_a_skipped_layer_are_value_errors():
    with pytest.raises(ValueError, match="has no nn.MultiheadAttention"):
        capture_qkv(nn.Linear(2, 2), torch.randn(1, 2))
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, batch_first=True).eval()
    with torch.no_grad(), pytest.raises(ValueError, match="self_attn did not run.*fast path"):
        capture_qkv(layer, torch.randn(1, 3, 8))
    with pytest.raises(ValueError, match="query, key and value as keywords"):
        attn = nn.MultiheadAttention(8, 2)
        capture_qkv(attn, query=torch.randn(3, 8), key=torch.randn(3, 8), value=torch.randn(3, 8))


@needs_cli
def test_every_python_block_of_docs_notebooks_md_runs(monkeypatch):
    import re
    doc = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ATTN_CLI", str(CLI))
    scope = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/notebooks.md block {i + 1}", "exec"), scope)
    assert scope["q"].shape == (1, 2, 6, 8)
    # The plot's logits, s · query · key, are the head's logits for query 5.
    fields, s = scope["plot"].fields, scope["s"]
    assert isinstance(scope["plot"], AttentionPlot) and len(fields["keys"]) == 6
    logits = [s * (fields["query"][0] * kx + fields["query"][1] * ky) for kx, ky in fields["keys"]]
    assert max(abs(a - b) for a, b in zip(logits, scope["head"]["logits"][5])) < 1e-12
