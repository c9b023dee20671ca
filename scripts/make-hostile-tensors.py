#!/usr/bin/env python3
"""Writes the tensor readers' corpus (attn/tensors.hpp, docs/tensors.md):

    tests/fuzz/tensors/hostile/   files that break one rule each; the name says which.
                                  Every one must be an attn::invalid_argument naming the file.
    tests/fuzz/tensors/seeds/     small valid files of every format, dtype, order and version.

Both directories seed the libFuzzer targets (tests/fuzz/npy_fuzz.cpp, safetensors_fuzz.cpp) and
are replayed by ctest and by the Catch2 case "tensor corpus" in tests/tensors.test.cpp.

    python3 scripts/make-hostile-tensors.py      (rewrites both directories; needs only the
                                                  standard library: no numpy, no safetensors)
"""

import json
import pathlib
import shutil
import struct

ROOT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fuzz" / "tensors"

F = {"<f2": "e", "<f4": "f", "<f8": "d"}


def npy(descr="<f4", shape=(2, 3), values=None, fortran=False, version=1, dict_text=None, data=None, pad=True):
    """An .npy file as numpy.lib.format writes it (values in file order)."""
    if dict_text is None:
        dims = "".join(f"{d}, " for d in shape).rstrip(" ") if len(shape) != 1 else f"{shape[0]},"
        dict_text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({dims}), }}"
    pre = 10 if version == 1 else 12
    if pad:
        while (pre + len(dict_text) + 1) % 64:
            dict_text += " "
        dict_text += "\n"
    header = dict_text.encode("latin1" if version < 3 else "utf8")
    out = b"\x93NUMPY" + bytes([version, 0])
    out += struct.pack("<H" if version == 1 else "<I", len(header)) + header
    if data is None:
        n = 1
        for d in shape:
            n *= d
        if values is None:
            values = [0.25 * (i % 7) - 0.5 for i in range(n)]
        data = struct.pack("<" + F.get(descr, "f") * len(values), *values)
    return out + data


def st(header, data=b"", raw=False, declared=None):
    """A safetensors file: u64 LE length, the header (dict -> JSON), the data."""
    text = header if raw else json.dumps(header).encode()
    if isinstance(text, str):
        text = text.encode()
    n = len(text) if declared is None else declared
    return struct.pack("<Q", n) + text + data


def t(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [begin, end]}


F32_8 = struct.pack("<2f", 1.5, -2.0)
ONE = {"w": t("F32", [2], 0, 8)}


def hostile():
    h = {}
    good = npy()
    # --- .npy
    h["npy-empty-file.npy"] = b""
    h["npy-truncated-preamble.npy"] = good[:9]
    h["npy-truncated-header-length.npy"] = b"\x93NUMPY\x02\x00\x10"
    h["npy-truncated-header.npy"] = good[:40]
    h["npy-truncated-data.npy"] = good[:-1]
    h["npy-truncated-data-half.npy"] = good[:-12]
    h["npy-trailing-garbage.npy"] = good + b"\x00"
    h["npy-trailing-garbage-second-array.npy"] = good + good
    h["npy-version-4.npy"] = npy(version=4)
    h["npy-version-1.1.npy"] = good[:7] + b"\x01" + good[8:]
    h["npy-header-length-beyond-file.npy"] = good[:8] + struct.pack("<H", 60000) + good[10:]
    h["npy-header-over-64KiB.npy"] = b"\x93NUMPY\x02\x00" + struct.pack("<I", 70000) + b" " * 70000
    h["npy-header-shorter-than-dict.npy"] = good[:8] + struct.pack("<H", 30) + good[10:]
    h["npy-header-longer-than-dict.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x")
    h["npy-big-endian-f4.npy"] = npy(descr=">f4", data=b"\x00" * 24)
    h["npy-big-endian-f8.npy"] = npy(descr=">f8", data=b"\x00" * 48)
    h["npy-byte-order-pipe-f4.npy"] = npy(descr="|f4", data=b"\x00" * 24)
    h["npy-native-order-f4.npy"] = npy(descr="=f4", data=b"\x00" * 24)
    h["npy-dtype-int32.npy"] = npy(descr="<i4", data=b"\x00" * 24)
    h["npy-dtype-complex.npy"] = npy(descr="<c8", data=b"\x00" * 48)
    h["npy-dtype-object.npy"] = npy(descr="|O", data=b"\x00" * 48)
    h["npy-dtype-structured.npy"] = npy(dict_text="{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data=b"\x00" * 4)
    h["npy-negative-dim.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", data=b"")
    h["npy-float-dim.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }", data=b"")
    h["npy-shape-product-overflows.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", data=b"")
    h["npy-too-many-elements.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (16384, 16384), }", data=b"")
    h["npy-rank-9.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", data=b"\x00" * 4)
    h["npy-huge-dim-digits.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", data=b"")
    h["npy-shape-lies-short.npy"] = npy(shape=(2, 3), data=struct.pack("<4f", 1, 2, 3, 4))
    h["npy-shape-lies-long.npy"] = npy(shape=(2, 3), data=struct.pack("<8f", *range(8)))
    h["npy-duplicate-key.npy"] = npy(dict_text="{'descr': '<f4', 'descr': '<f4', 'shape': (1,), }", data=b"\x00" * 4)
    h["npy-missing-shape.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, }", data=b"\x00" * 4)
    h["npy-extra-key.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1, }", data=b"\x00" * 4)
    h["npy-fortran-order-not-bool.npy"] = npy(dict_text="{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", data=b"\x00" * 4)
    h["npy-not-a-dict.npy"] = npy(dict_text="[1, 2, 3]", data=b"")
    h["npy-nan-f4.npy"] = npy(values=[1, 2, float("nan"), 4, 5, 6])
    h["npy-inf-f8.npy"] = npy(descr="<f8", values=[1, 2, 3, 4, 5, float("-inf")])
    h["npy-inf-f2.npy"] = npy(descr="<f2", shape=(1,), data=b"\x00\x7c")
    h["npy-nan-fortran.npy"] = npy(fortran=True, values=[float("nan")] + [0.0] * 5)
    h["npy-f8-beyond-float-range.npy"] = npy(descr="<f8", shape=(2,), values=[1.0, 1e39])
    h["npy-bad-magic-forced.npy"] = b"\x93NUMPZ\x01\x00" + good[8:]
    # --- safetensors
    h["st-truncated-length.safetensors"] = b"\x10\x00\x00"
    h["st-header-length-beyond-file.safetensors"] = st(ONE, F32_8, declared=4096)
    h["st-header-length-2-pow-64-minus-1.safetensors"] = b"\xff" * 8 + b"{}"
    h["st-header-over-1MiB.safetensors"] = struct.pack("<Q", (1 << 20) + 1) + b"{" + b" " * 64
    h["st-header-shorter-than-json.safetensors"] = st(ONE, F32_8, declared=len(json.dumps(ONE)) - 3)
    h["st-header-longer-than-json.safetensors"] = st(json.dumps(ONE).encode() + b"xyz", F32_8, raw=True)
    h["st-header-not-object.safetensors"] = st(b"[1, 2]", raw=True)
    h["st-header-not-json.safetensors"] = st(b"{w: 1}", raw=True)
    h["st-header-not-utf8.safetensors"] = st(b'{"\xff\xfe": {}}', raw=True)
    h["st-header-control-char.safetensors"] = st(b'{"a\x01": {}}', raw=True)
    h["st-header-trailing-comma.safetensors"] = st(json.dumps(ONE)[:-1].encode() + b", }", F32_8, raw=True)
    h["st-truncated-data.safetensors"] = st(ONE, F32_8[:-1])
    h["st-data-past-offsets.safetensors"] = st(ONE, F32_8 + b"\x00\x00\x00\x00")
    h["st-shape-lies-short.safetensors"] = st({"w": t("F32", [1], 0, 8)}, F32_8)
    h["st-shape-lies-long.safetensors"] = st({"w": t("F32", [3], 0, 8)}, F32_8)
    h["st-offsets-reversed.safetensors"] = st({"w": t("F32", [2], 8, 0)}, F32_8)
    h["st-offsets-out-of-range.safetensors"] = st({"w": t("F32", [2], 1 << 40, (1 << 40) + 8)}, F32_8)
    h["st-offsets-overlap.safetensors"] = st({"a": t("F32", [2], 0, 8), "b": t("F32", [1], 4, 8)}, F32_8)
    h["st-offsets-same-bytes.safetensors"] = st({"a": t("F32", [2], 0, 8), "b": t("F32", [2], 0, 8)}, F32_8)
    h["st-offsets-gap.safetensors"] = st({"a": t("F32", [1], 0, 4), "b": t("F32", [1], 8, 12)}, F32_8 + F32_8[:4])
    h["st-offsets-not-starting-at-0.safetensors"] = st({"a": t("F32", [1], 4, 8)}, F32_8)
    h["st-offsets-three-numbers.safetensors"] = st({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4, 8]}}, F32_8)
    h["st-offsets-negative.safetensors"] = st({"w": t("F32", [2], -8, 0)}, F32_8)
    h["st-offsets-float.safetensors"] = st({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0.0, 8.0]}}, F32_8)
    h["st-dtype-I32.safetensors"] = st({"w": t("I32", [2], 0, 8)}, F32_8)
    h["st-dtype-F8_E4M3.safetensors"] = st({"w": t("F8_E4M3", [8], 0, 8)}, F32_8)
    h["st-dtype-lowercase-f32.safetensors"] = st({"w": t("f32", [2], 0, 8)}, F32_8)
    h["st-dtype-not-string.safetensors"] = st({"w": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}, F32_8)
    h["st-negative-dim.safetensors"] = st({"w": t("F32", [-2], 0, 8)}, F32_8)
    h["st-float-dim.safetensors"] = st({"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}, F32_8)
    h["st-dim-beyond-2-pow-53.safetensors"] = st({"w": t("F32", [1 << 60], 0, 8)}, F32_8)
    h["st-shape-product-overflows.safetensors"] = st({"w": t("F32", [1 << 32, 1 << 32, 1 << 32], 0, 8)}, F32_8)
    h["st-too-many-elements.safetensors"] = st({"w": t("F32", [1 << 14, 1 << 14], 0, 1 << 30)})
    h["st-rank-9.safetensors"] = st({"w": t("F32", [1] * 8 + [2], 0, 8)}, F32_8)
    h["st-duplicate-names.safetensors"] = st(
        b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
        b'"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}', F32_8, raw=True)
    h["st-duplicate-field.safetensors"] = st(
        b'{"w": {"dtype": "F32", "dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', F32_8, raw=True)
    h["st-missing-offsets.safetensors"] = st({"w": {"dtype": "F32", "shape": [2]}}, F32_8)
    h["st-extra-field.safetensors"] = st({"w": {**t("F32", [2], 0, 8), "strides": [1]}}, F32_8)
    h["st-tensor-not-object.safetensors"] = st({"w": [1, 2]}, F32_8)
    h["st-metadata-not-strings.safetensors"] = st({"__metadata__": {"n": 1}, **ONE}, F32_8)
    h["st-metadata-twice.safetensors"] = st(
        b'{"__metadata__": {}, "__metadata__": {}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}',
        F32_8, raw=True)
    h["st-no-tensors.safetensors"] = st({"__metadata__": {"format": "pt"}})
    h["st-nan-F32.safetensors"] = st(ONE, struct.pack("<2f", 1, float("nan")))
    h["st-inf-BF16.safetensors"] = st({"w": t("BF16", [2], 0, 4)}, b"\x80\x3f\x80\xff")
    h["st-nan-F16.safetensors"] = st({"w": t("F16", [2], 0, 4)}, b"\x00\x3c\x01\x7e")
    h["st-F64-beyond-float-range.safetensors"] = st({"w": t("F64", [1], 0, 8)}, struct.pack("<d", -1e300))
    h["st-bad-escape.safetensors"] = st(b'{"w\\q": {}}', raw=True)
    h["st-lone-surrogate.safetensors"] = st(b'{"\\ud800": {}}', raw=True)
    h["unknown-format-random-bytes.bin"] = bytes(range(7, 64))
    # --- JSON
    h["json-ragged-rows.json"] = b"[[1, 2], [3]]"
    h["json-ragged-depth.json"] = b"[[1, 2], [[3, 4]]]"
    h["json-number-then-array.json"] = b"[1, [2]]"
    h["json-depth-9.json"] = b"[" * 9 + b"1" + b"]" * 9
    h["json-named-depth-9.json"] = b'{"q": ' + b"[" * 8 + b"1" + b"]" * 8 + b"}"
    h["json-trailing-comma.json"] = b"[1, 2,]"
    h["json-trailing-garbage.json"] = b"[1, 2] [3]"
    h["json-truncated.json"] = b"[[1, 2], [3, "
    h["json-nan.json"] = b"[NaN]"
    h["json-infinity.json"] = b"[1, Infinity]"
    h["json-beyond-double-range.json"] = b"[1e400]"
    h["json-beyond-float-range.json"] = b"[1, 2, 1e39]"
    h["json-leading-zero.json"] = b"[01]"
    h["json-string-value.json"] = b'["1"]'
    h["json-null-value.json"] = b"[null]"
    h["json-named-number.json"] = b'{"q": 1}'
    h["json-duplicate-names.json"] = b'{"q": [1], "q": [2]}'
    h["json-empty-object.json"] = b"{}"
    h["json-unquoted-name.json"] = b"{q: [1]}"
    h["json-huge-number-text.json"] = b"[" + b"1" * 500 + b"]"
    return h


def seeds():
    s = {}
    for version in (1, 2, 3):
        for descr in ("<f2", "<f4", "<f8"):
            for fortran in (False, True):
                name = f"npy-v{version}-{descr[1:]}-{'F' if fortran else 'C'}.npy"
                s[name] = npy(descr=descr, shape=(2, 3, 2), fortran=fortran, version=version)
    s["npy-scalar.npy"] = npy(shape=(), values=[2.5])
    s["npy-empty.npy"] = npy(shape=(0, 4), values=[])
    f16 = struct.pack("<4e", 1, -2, 0.5, 65504)
    bf16 = struct.pack("<2f", 1.5, -64.0)
    bf16 = bf16[2:4] + bf16[6:8]
    f64 = struct.pack("<d", -3.5)
    s["st-four-dtypes.safetensors"] = st(
        {"__metadata__": {"format": "pt"}, "c": t("F64", [], 20, 28), "a": t("F16", [2, 2], 0, 8),
         "b": t("F32", [3], 8, 20), "d": t("BF16", [2, 1], 28, 32)},
        f16 + struct.pack("<3f", 0.25, -0.75, 8) + f64 + bf16)
    s["st-heads.safetensors"] = st(
        {"q": t("F32", [1, 2, 3, 2], 0, 48), "k": t("F32", [2, 3, 2], 48, 96)},
        struct.pack("<24f", *[0.125 * i for i in range(24)]))
    padded = json.dumps(ONE)
    padded += " " * (-len(padded) % 8)
    s["st-padded-header.safetensors"] = st(padded.encode(), F32_8, raw=True)
    s["st-empty-tensor.safetensors"] = st({"e": t("F32", [0, 4], 8, 8), **ONE}, F32_8)
    s["json-array.json"] = b"[[1, 2.5, -3e2], [0, -0, 1E-2]]\n"
    s["json-named.json"] = b'{"q": [[1, 0], [0, 1]], "k": [[[0.5, 0.5]]], "v": []}'
    return s


def main():
    for sub, files in (("hostile", hostile()), ("seeds", seeds())):
        d = ROOT / sub
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        for name, data in files.items():
            (d / name).write_bytes(data)
        print(f"{d}: {len(files)} files")


if __name__ == "__main__":
    main()
