"""attn/tensors.hpp against numpy: .npy files written by numpy itself (numpy.save and
numpy.lib.format.write_array with version 1.0, 2.0 and 3.0; float16, float32, float64; C and
Fortran order) and safetensors files written here by hand (struct + json: the safetensors
package is not installed), read back through the native reader and compared with numpy's
values rounded to float32, exactly.

    /usr/bin/python3 -m pytest tests/python/test_tensors_numpy.py

The reader is tests/tools/read_tensors.cpp (target attention_read_tensors), found at
ATTN_READ_TENSORS or build/release/tests/attention_read_tensors; skipped only if it is missing.
"""

import json
import os
import pathlib
import struct
import subprocess

import pytest

np = pytest.importorskip("numpy")

ROOT = pathlib.Path(__file__).resolve().parents[2]
READER = pathlib.Path(
    os.environ.get("ATTN_READ_TENSORS") or ROOT / "build" / "release" / "tests" / "attention_read_tensors")

pytestmark = pytest.mark.skipif(not READER.exists(), reason=f"{READER} is not built")

SHAPES = [(7,), (3, 5), (2, 3, 4), (1, 2, 3, 4), (), (0, 3)]


def run(path, *args):
    return subprocess.run([str(READER), str(path), *args], capture_output=True, text=True, check=False)


def read(path, *args):
    r = run(path, *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def sample(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 3
    if dtype == np.float64:
        a = a * 10.0 ** rng.integers(-30, 30, size=shape)  # exercises rounding to float32
    return a.astype(dtype)


def check(tensor, array, dtype_name):
    expected = np.ascontiguousarray(array).astype(np.float32)
    assert tensor["shape"] == list(array.shape)
    assert tensor["dtype"] == dtype_name
    got = np.array(tensor["data"], dtype=np.float64).astype(np.float32)
    assert got.size == expected.size
    # %.9g round-trips a float32 exactly: compare bit for bit.
    np.testing.assert_array_equal(got, expected.reshape(-1))


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
@pytest.mark.parametrize("dtype,name", [(np.float16, "float16"), (np.float32, "float32"), (np.float64, "float64")])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", SHAPES)
def test_npy_written_by_numpy(tmp_path, version, dtype, name, order, shape):
    a = np.asarray(sample(shape, dtype, hash((version, name, order, shape)) & 0xFFFF), order=order)
    if order == "F":
        a = np.asfortranarray(a)
    path = tmp_path / "a.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=version)
    raw = path.read_bytes()
    assert raw[6] == version[0]
    if a.flags.f_contiguous and not a.flags.c_contiguous:  # numpy writes C order when both hold
        assert b"'fortran_order': True" in raw[:200]
    (t,) = read(path)
    assert t["name"] == ""
    check(t, a, name)


def test_npy_save_and_heads(tmp_path):
    a = sample((2, 5, 3), np.float32, 1)
    np.save(tmp_path / "h.npy", a)
    (t,) = read(tmp_path / "h.npy")
    check(t, a, "float32")
    assert t["heads"] == [2, 5, 3]
    np.save(tmp_path / "b.npy", a[None])
    assert read(tmp_path / "b.npy")[0]["heads"] == [2, 5, 3]
    np.save(tmp_path / "v.npy", a[0, 0])
    assert read(tmp_path / "v.npy")[0]["heads"] is None


def test_npy_big_endian_and_nan_are_errors(tmp_path):
    np.save(tmp_path / "be.npy", np.arange(6, dtype=">f4").reshape(2, 3))
    r = run(tmp_path / "be.npy")
    assert r.returncode == 2 and r.stderr.startswith("be.npy: ") and "big-endian" in r.stderr
    a = np.zeros((2, 3), np.float32)
    a[1, 2] = np.nan
    np.save(tmp_path / "nan.npy", a)
    r = run(tmp_path / "nan.npy")
    assert r.returncode == 2 and "entry [1, 2] (flat index 5) is nan" in r.stderr
    np.save(tmp_path / "big.npy", np.array([1.0, 1e39]))
    r = run(tmp_path / "big.npy")
    assert r.returncode == 2 and "beyond float range" in r.stderr


ST_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64}


def to_bf16_bytes(a32):
    """bfloat16 by truncation of float32 (what numpy lacks), and the float32 values it stands for."""
    bits = np.ascontiguousarray(a32, dtype="<f4").view("<u4") >> 16
    back = (bits.astype("<u4") << 16).view("<f4")
    return bits.astype("<u2").tobytes(), back


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes) in data order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the reference writer aligns the data to 8 bytes
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


@pytest.mark.parametrize("shape", SHAPES)
def test_safetensors_written_by_hand(tmp_path, shape):
    tensors, expected = [], {}
    for i, (dtype, npt) in enumerate(ST_DTYPES.items()):
        a = sample(shape, npt, 100 + i)
        tensors.append((f"t.{dtype}", dtype, shape, a.astype("<" + np.dtype(npt).str[1:]).tobytes()))
        expected[f"t.{dtype}"] = (a, {"F16": "float16", "F32": "float32", "F64": "float64"}[dtype])
    raw, back = to_bf16_bytes(sample(shape, np.float32, 200))
    tensors.append(("t.BF16", "BF16", shape, raw))
    expected["t.BF16"] = (back.reshape(shape), "bfloat16")
    write_safetensors(tmp_path / "m.safetensors", tensors, metadata={"format": "pt"})
    got = read(tmp_path / "m.safetensors")
    assert [t["name"] for t in got] == [name for name, *_ in tensors]
    for t in got:
        a, name = expected[t["name"]]
        check(t, a, name)


def test_json_matches_numpy(tmp_path):
    a = sample((3, 4), np.float64, 7)
    (tmp_path / "q.json").write_text(json.dumps({"q": a.tolist(), "k": a[:2].tolist()}))
    q, k = read(tmp_path / "q.json")
    check(q, a, "float64")
    check(k, a[:2], "float64")
    (tmp_path / "bare.json").write_text(json.dumps(a.tolist()))
    check(read(tmp_path / "bare.json", "json")[0], a, "float64")


def test_hostile_corpus_names_the_file():
    hostile = sorted((ROOT / "tests" / "fuzz" / "tensors" / "hostile").iterdir())
    assert len(hostile) >= 50
    for path in hostile:
        r = run(path)
        assert r.returncode == 2, path.name
        assert r.stderr.startswith(path.name + ": "), r.stderr
