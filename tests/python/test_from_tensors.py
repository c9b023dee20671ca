"""AttentionPlot.from_tensors (attention_plot/head.py): the .safetensors file the output carries,
parsed here with NumPy (the oracle for the format) and read by the core's own reader through
the CLI's view mode (its weights against NumPy's softmax); arrays from NumPy, PyTorch (grad,
half, bfloat16) and nested lists; every bad argument a ValueError naming it; html() with one
copy of each script."""

import base64
import html as _html
import json
import os
import pathlib
import re
import struct
import subprocess

import pytest

np = pytest.importorskip("numpy")

from attention_plot import AttentionPlot, HeadPlot, html  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("ATTN_CLI") or ROOT / "build" / "release" / "attention-cli")


def parse_safetensors(data):
    """NumPy's reading of a .safetensors file: {name: array}."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        assert e["dtype"] == "F32"
        a, b = e["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype="<f4").reshape(e["shape"])
    return out


def carried(plot):
    """The tensors in the element's `tensors` attribute, unescaped from the HTML as a browser would."""
    m = re.search(r'<attention-head tensors="([^"]*)"', plot.element())
    return parse_safetensors(base64.b64decode(_html.unescape(m.group(1))))


def test_numpy_arrays_in_any_order_and_dtype_are_carried_as_float32_row_major():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(3, 7, 40))
    k = np.asfortranarray(rng.normal(size=(3, 7, 40)).astype(np.float16))
    v = rng.normal(size=(3, 7, 5)).astype(np.float32)
    p = AttentionPlot.from_tensors(q, k, v, tokens=list("abcdefg"), head=2, query=4, scale=1)
    got = carried(p)
    assert set(got) == {"q", "k", "v"}
    assert np.array_equal(got["q"], q.astype(np.float32))
    assert np.array_equal(got["k"], k.astype(np.float32))
    assert np.array_equal(got["v"], v)
    assert got["q"].shape == (3, 7, 40)
    attrs = p.attributes()
    assert (attrs["head"], attrs["query"], attrs["scale"], attrs["causal"]) == ("2", "4", "one", "true")
    assert json.loads(attrs["tokens"]) == list("abcdefg")
    assert p.safetensors() == base64.b64decode(attrs["tensors"])
    assert "(3 heads" not in repr(p) and "3 head(s) × 7 tokens × d = 40, with values" in repr(p)


def test_nested_lists_and_a_single_head():
    q = [[1.0, 0.0], [0.5, 0.5], [0.0, 2.0]]
    k = [[1, 0], [0, 1], [-1, 0]]
    got = carried(AttentionPlot.from_tensors(q, k))
    assert got["q"].tolist() == q and got["k"].tolist() == k and "v" not in got


def test_torch_tensors_with_grad_half_and_bfloat16():
    torch = pytest.importorskip("torch")
    q = torch.randn(1, 2, 5, 8, requires_grad=True)
    k = torch.randn(1, 2, 5, 8).to(torch.bfloat16)
    v = torch.randn(2, 5, 3).half()
    got = carried(AttentionPlot.from_tensors(q, k, v))
    assert np.array_equal(got["q"], q.detach().numpy())
    assert np.array_equal(got["k"], k.float().numpy())
    assert np.array_equal(got["v"], v.float().numpy())
    with pytest.raises(ValueError, match=r"^q: could not be read"):
        AttentionPlot.from_tensors(torch.empty(5, 8, device="meta"), k[0, 0])


@pytest.mark.skipif(not CLI.exists(), reason="the CLI is not built")
def test_the_core_reads_the_carried_file_and_its_weights_are_numpys_softmax(tmp_path):
    rng = np.random.default_rng(5)
    q, k, v = rng.normal(size=(2, 12, 64)), rng.normal(size=(2, 12, 64)), rng.normal(size=(2, 12, 4))
    p = AttentionPlot.from_tensors(q, k, v, head=1, query=9)
    f = tmp_path / "head.safetensors"
    f.write_bytes(p.safetensors())
    problem = {"mode": "view", "query_from": f"{f}:q", "keys_from": f"{f}:k", "values_from": f"{f}:v",
               "head": 1, "token": 9, "scale": 64 ** -0.5}
    r = subprocess.run([str(CLI)], input=json.dumps(problem), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    q32, k32 = q.astype(np.float32).astype(float), k.astype(np.float32).astype(float)
    z = k32[1, :10] @ q32[1, 9] / 8
    w = np.exp(z - z.max())
    w /= w.sum()
    assert out["n"] == 10
    assert np.allclose(out["weights"], w, atol=1e-12)


@pytest.mark.parametrize("args,kwargs,message", [
    (("q", [[1.0]]), {}, r"^q: is str; expected an array"),
    ((np.zeros((2, 4, 5, 3)), np.zeros((2, 4, 5, 3))), {}, r"^q: has shape \(2, 4, 5, 3\) \(a batch: take one sequence"),
    ((np.zeros(5), np.zeros(5)), {}, r"^q: has shape \(5\); expected \(T, d\)"),
    ((np.zeros((4, 5000)), np.zeros((4, 5000))), {}, r"^q: has shape \(4, 5000\): 1 head × 4 tokens × d 5000"),
    ((np.ones((4, 3)), np.ones((5, 3))), {}, r"^k: has 1 head × 5 tokens × d 3 but q has 1 × 4 × 3"),
    ((np.ones((8, 4, 3)), np.ones((2, 4, 3))), {}, r"repeat k's heads: k.repeat_interleave\(4, dim=-3\)"),
    ((np.ones((4, 3)), np.ones((4, 3)), np.ones((3, 2))), {}, r"^v: has 1 head × 3 tokens but q has 1 × 4"),
    ((np.array([[1.0, np.nan], [0, 1]]), np.ones((2, 2))), {}, r"^q: holds nan at \(0, 1\)"),
    ((np.ones((2, 2)), np.array([[1.0, 1], [1e39, 1]])), {}, r"^k: holds inf at \(1, 0\) \(as float32\)"),
    (([[1, 2], [3]], [[1, 2], [3, 4]]), {}, r"^q: is ragged"),
    (([["a", "b"]], [[1, 2]]), {}, r"^q: holds str 'a'; expected numbers"),
    ((np.ones((2, 4, 3)), np.ones((2, 4, 3))), {"head": 2}, r'^head: "2" is outside -1…1'),
    ((np.ones((4, 3)), np.ones((4, 3))), {"query": 4}, r'^query: "4" is outside -1…3'),
    ((np.ones((4, 3)), np.ones((4, 3))), {"tokens": ["a", "b"]}, r"^tokens: has 2 labels for 4 tokens"),
    ((np.ones((4, 3)), np.ones((4, 3))), {"tokens": "abcd"}, r"^tokens: is one string"),
    ((np.ones((4, 3)), np.ones((4, 3))), {"tokens": 5}, r"^tokens: is int; expected a list"),
    ((np.ones((4, 3)), np.ones((4, 3))), {"scale": 0.5}, r"^scale: is '0.5'; expected None or 1/√d \(= 0.57735 here\)"),
    ((np.ones((4, 3)), np.ones((4, 3))), {"scale": [1]}, r"^scale: is '\[1\]'; expected None"),
    ((np.ones((4, 3)), np.ones((4, 3))), {"scale": "half"}, r'^scale: "half" is not one of inv_sqrt, one'),
    ((np.ones((4, 3)), np.ones((4, 3))), {"causal": "maybe"}, r"^causal: "),
    ((np.ones((4, 3)), np.ones((4, 3))), {"theme": "blue"}, r'^theme: "blue" is not one of auto, light, dark'),
])
def test_every_bad_argument_is_a_value_error_naming_it(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        AttentionPlot.from_tensors(*args, **kwargs)


def test_too_much_data_for_one_output_is_refused_with_what_to_do():
    big = np.zeros((16, 2048, 64), dtype=np.float32)   # q and k: 2²² numbers, the most an output carries
    AttentionPlot.from_tensors(big, big)
    with pytest.raises(ValueError, match=r"^q, k, v: hold 4,227,072 numbers.*\(e\.g\. q\[h:h\+1\], and k, v alike\)") as e:
        AttentionPlot.from_tensors(big, big, np.ones((16, 2048, 1)))
    assert "at most 4,194,304" in str(e.value)


def test_html_carries_each_script_once_and_every_plot():
    h = AttentionPlot.from_tensors(np.eye(3), np.eye(3), tokens=["x", "y", "z"], theme="dark")
    out = html(h, AttentionPlot(n=4), AttentionPlot.from_tensors(np.ones((2, 2)), np.eye(2)))
    assert out.count("the <attention-head> element, WebAssembly inlined") == 1
    assert out.count("the <attention-plot> element, WebAssembly inlined") == 1
    assert out.count("<attention-head ") == 2 and out.count("<attention-plot ") == 1
    assert "3 plot(s)" in repr(out)
    alone = h.to_html(full_page=True)
    assert "<attention-plot " not in alone and "the <attention-plot> element, WebAssembly" not in alone
    assert alone.startswith("<!doctype html>") and 'theme="dark"' in alone
    assert "showing it needs JavaScript" in h.element()   # what a reader sees without the script
    assert isinstance(h, HeadPlot) and h._repr_html_() == str(h.to_html())
    with pytest.raises(TypeError, match="html\\(\\) takes AttentionPlot and HeadPlot objects; got int"):
        html(h, 3)


def test_head_minus_one_is_the_last_and_the_default_scale_may_be_written_out():
    q = np.ones((3, 4, 16))
    assert AttentionPlot.from_tensors(q, q, head=-1).attributes()["head"] == "2"
    assert AttentionPlot.from_tensors(q, q, scale=16 ** -0.5).attributes()["scale"] == "inv_sqrt"
    assert AttentionPlot.from_tensors(q, q, scale="one").attributes()["scale"] == "one"


def test_the_limits_are_the_core_readers():
    from attention_plot import head
    hpp = (ROOT / "src" / "attn" / "tensors.hpp").read_text()
    for name, value in (("kMaxTensorTokens", head.MAX_TOKENS), ("kMaxTensorDim", head.MAX_DIM),
                        ("kMaxTensorHeads", head.MAX_HEADS)):
        assert re.search(rf"{name} = (\d+);", hpp).group(1) == str(value), name
    assert head.HEAD_FIELDS["head"]["max"] + 1 == head.MAX_HEADS


def test_fuzz_every_argument_raises_only_value_errors_naming_it():
    import random
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from test_attention_plot import _hostile, _hostile_pools
    rng, pools = random.Random(20261202), _hostile_pools()
    good = {"q": np.ones((2, 3, 4)), "k": np.ones((2, 3, 4))}
    names = ["q", "k", "v", "tokens", "head", "query", "scale", "causal", "theme"]
    refused = 0
    for case in range(1500):
        name = names[case % len(names)]
        args = {**good, name: _hostile(rng, pools)}
        try:
            AttentionPlot.from_tensors(args.pop("q"), args.pop("k"), **args)
        except ValueError as e:
            refused += 1
            assert str(e).startswith(f"{name}: ") or (name in "qkv" and str(e)[:3] in ("q: ", "k: ", "v: ", "q, ")), \
                f"{name}: {str(e)[:120]}"
    assert refused > 700
