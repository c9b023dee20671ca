"""attention_plot: validation with the schema's ranges and the codec's wording, the HTML a
notebook shows, several plots per output, the schema copy, and the wheel.
(Its HTML in Chromium: tests/package/python.test.mjs.)"""

import json
import numbers
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from attention_plot import HTML, AttentionPlot, html, widget_esm, __version__
from attention_plot.schema import FIELDS, check

ROOT = pathlib.Path(__file__).resolve().parents[2]
STATIC = ROOT / "python" / "attention_plot" / "static"


def node(source):
    out = subprocess.run(["node", "--input-type=module", "-e", source], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# ------------------------------------------------------------------ the schema copy

def test_schema_json_is_generated_from_schema_js_and_current():
    r = subprocess.run(["node", "scripts/schema-json.mjs", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_stale_schema_json_is_caught(tmp_path):
    stale = tmp_path / "schema.json"
    text = (ROOT / "python/attention_plot/schema.json").read_text()
    stale.write_text(text.replace('"max": 64,', '"max": 65,', 1))
    r = subprocess.run(["node", "scripts/schema-json.mjs", "--check", "--file", str(stale)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1
    assert re.search(r'is stale: line \d+ is `"max": 65,` but web/js/state/schema.js gives `"max": 64,`', r.stderr), r.stderr


def test_fields_ranges_and_defaults_are_the_playgrounds():
    js = node("""
        import { PLAYGROUND } from './web/js/state/schema.js';
        console.log(JSON.stringify(Object.fromEntries(Object.entries(PLAYGROUND.fields).map(([k, f]) => [k, [f.type, f.min ?? null, f.max ?? null, f.def]]))));""")
    py = {k: [f["type"], f.get("min"), f.get("max"), f["def"]] for k, f in FIELDS.items()}
    assert py == js


# ------------------------------------------------------------------ validation

GOOD = [
    (dict(n=12), {"n": "12"}),
    (dict(n="12"), {"n": "12"}),
    (dict(n=12.0), {"n": "12"}),
    (dict(query=(1, 0.5)), {"query": "1,0.5"}),
    (dict(query="1.2,0.4"), {"query": "1.2,0.4"}),
    (dict(normalize_keys=False, show_gaussian=True), {"normalize-keys": "0", "show-gaussian": "1"}),
    (dict(normalizeKeys="off"), {"normalize-keys": "0"}),
    (dict(layout="clusters", seed=3, clusters=2, spread=0.25), {"layout": "clusters", "seed": "3", "clusters": "2", "spread": "0.25"}),
    (dict(scale_mode="custom", custom_scale=-2.5), {"scale-mode": "custom", "custom-scale": "-2.5"}),
    (dict(keys=[(1, 0), (0, 1), [-1, 0]], values="0,1;1,0;1,1"), {"keys": "1,0;0,1;-1,0", "values": "0,1;1,0;1,1"}),
    (dict(keys=None), {}),
    (dict(long_context=65536, controls="none", theme="dark"), {"long-context": "65536", "controls": "none", "theme": "dark"}),
]


@pytest.mark.parametrize("fields,attributes", GOOD)
def test_good_values_become_the_elements_attributes(fields, attributes):
    # A notebook plot's controls default to the compact set (the element's own default is full).
    assert AttentionPlot(**fields).attributes() == {"controls": "compact", **attributes}


@pytest.mark.parametrize("given,shown", [({}, "compact"), ({"controls": "compact"}, "compact"),
                                         ({"controls": "full"}, "full"), ({"controls": "none"}, "none")])
def test_notebook_plots_default_to_the_compact_controls(given, shown):
    plot = AttentionPlot(n=5, **given)
    assert plot.attributes()["controls"] == shown
    assert f'controls="{shown}"' in plot.element()


# (field, value given in Python, the same value as the codec sees it)
BAD = [
    ("n", "abc", "abc"),
    ("n", 3.5, 3.5),
    ("n", 0, 0),
    ("n", 100, 100),
    ("n", True, True),
    ("seed", -1, -1),
    ("spread", "wide", "wide"),
    ("customScale", 1000, 1000),
    ("customScale", float("inf"), "Infinity"),
    ("normalizeKeys", "maybe", "maybe"),
    ("layout", "spiral", "spiral"),
    ("scaleMode", "sqrt", "sqrt"),
    ("query", (2000, 0), [2000, 0]),
    ("query", "1", "1"),
    ("query", (1, 2, 3), [1, 2, 3]),
    ("keys", [(1, 0), "x"], [[1, 0], "x"]),
    ("keys", [(2, 0)], [[2, 0]]),
    ("keys", [(1, 0)] * 65, [[1, 0]] * 65),
    ("values", "1,0;5,5", "1,0;5,5"),
    ("longContext", 70000, 70000),
    ("controls", "some", "some"),
    ("theme", "", ""),
]


@pytest.mark.parametrize("name,value,as_js", BAD)
def test_a_bad_value_raises_a_value_error_naming_the_field_in_the_codecs_words(name, value, as_js):
    with pytest.raises(ValueError) as e:
        AttentionPlot(**{name: value})
    message = str(e.value)
    assert message.startswith(f"{name}: ")
    f = FIELDS[name]
    if f["type"] != "enum":
        assert "; expected " in message
    # What went wrong is worded exactly as the codec's notice (before its "; using … instead.").
    notice = node(f"""
        import {{ PLAYGROUND }} from './web/js/state/schema.js';
        import {{ coerce }} from './web/js/state/codec.js';
        const raw = {json.dumps(as_js)} === 'Infinity' ? Infinity : {json.dumps(as_js)};
        console.log(JSON.stringify(coerce(PLAYGROUND, {json.dumps(name)}, raw).notice));""")
    assert notice is not None, f"the codec accepts {as_js!r} for {name}"
    assert message.split("; expected ")[0].rstrip(".") == notice.split("; using ")[0]


def test_an_unknown_field_is_a_type_error_listing_the_fields():
    with pytest.raises(TypeError, match=r"Unknown field 'nkeys'; the fields are: n, layout, "):
        AttentionPlot(nkeys=3)


def test_nothing_is_kept_from_a_rejected_plot():
    p = AttentionPlot(n=5)
    with pytest.raises(ValueError):
        AttentionPlot(n=5, query="far")
    assert p.fields == {"n": 5}


# ------------------------------------------------------------------ HTML

needs_build = pytest.mark.skipif(not (STATIC / "attention-plot.js").exists(), reason="run ./build_wasm.sh first (static/ is build output)")


@needs_build
def test_repr_html_inlines_the_element_script_and_the_element():
    out = AttentionPlot(n=12, query=(1, 0.5), layout="clusters")._repr_html_()
    assert out.count("<script>") == 1 and out.lower().count("</script") == 1
    assert not re.search(r"<script[^>]*\bsrc=", out.split("<script>")[0] + out.split("</script>")[1]), "nothing loaded from a CDN"
    assert '<attention-plot n="12" query="1,0.5" layout="clusters" controls="compact"></attention-plot>' in out
    assert (STATIC / "attention-plot.js").read_text() in out


@needs_build
def test_attribute_text_is_escaped():
    # Values are checked before they get here; the escaping is the second line of defence.
    p = AttentionPlot(layout="even")
    p._fields["layout"] = '"><script>alert(1)</script>'
    assert '<attention-plot layout="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" controls="compact"></attention-plot>' in p.to_html()


@needs_build
def test_two_plots_in_one_output_share_one_script():
    a, b = AttentionPlot(n=3), AttentionPlot(n=9, theme="dark")
    out = html(a, b)
    assert out.count("<script>") == 1
    markup = out.split("</script>")[1]
    assert markup.count("<attention-plot") == 2
    assert out.index('<attention-plot n="3" controls="compact">') < out.index('<attention-plot n="9" theme="dark" controls="compact">')
    with pytest.raises(TypeError):
        html(a, "not a plot")


@needs_build
def test_html_is_shown_by_a_notebook_and_is_the_html_text():
    a, b = AttentionPlot(n=4), AttentionPlot(n=16, theme="dark")
    out = html(a, b)
    assert isinstance(out, HTML) and isinstance(out, str)   # every str use of the old return value still works
    text = str(out)
    assert type(text) is str and text == out == out.data == out._repr_html_() == out.__html__()
    assert type(out._repr_html_()) is str and type(out.data) is str
    assert repr(out) == f"<attention_plot.HTML: {len(text):,} characters, 2 plot(s); str() is the text>"
    assert isinstance(a.to_html(), HTML) and isinstance(a.to_html(full_page=True), HTML)
    assert type(a._repr_html_()) is str and a._repr_html_() == str(a.to_html())


@needs_build
def test_ipython_displays_html_as_html_with_a_short_plain_text():
    pytest.importorskip("IPython")
    from IPython.core.formatters import format_display_data
    out = html(AttentionPlot(n=4), AttentionPlot(n=16, theme="dark"))
    data, _ = format_display_data(out)
    assert data["text/html"] == str(out)
    assert len(data["text/plain"]) < 100


@needs_build
def test_full_page_is_a_document():
    out = AttentionPlot(n=4).to_html(full_page=True, title="A <plot>")
    assert out.startswith("<!doctype html>") and "<title>A &lt;plot&gt;</title>" in out and out.rstrip().endswith("</html>")


@needs_build
def test_the_widget_module_is_the_npm_packages():
    assert widget_esm().read_bytes() == (ROOT / "dist" / "widget.js").read_bytes()


# ------------------------------------------------------------------ the wheel

@needs_build
def test_the_wheel_builds_offline_and_carries_the_schema_and_the_scripts(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "python", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(tmp_path), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wheel = next(tmp_path.glob("attention_plot-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for f in ["attention_plot/__init__.py", "attention_plot/schema.json", "attention_plot/static/attention-plot.js", "attention_plot/static/widget.js"]:
        assert f in names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist" not in meta, "no runtime dependencies"
    assert f"Version: {__version__}" in meta
    assert __version__ == json.loads((ROOT / "package.json").read_text())["version"]
    # Installed from the wheel alone, it works.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    r = subprocess.run([sys.executable, "-c", "from attention_plot import AttentionPlot; print(len(AttentionPlot(n=3)._repr_html_()))"],
                       cwd=tmp_path, env={"PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) > 100000


# ------------------------------------------------------------------ hostile values

try:
    import numpy as np
except ImportError:  # the package never needs NumPy; these tests use it when it is there
    np = None

needs_numpy = pytest.mark.skipif(np is None, reason="NumPy is not installed")


def test_an_integer_too_large_for_a_float_is_outside_the_range():
    with pytest.raises(ValueError, match=r'^n: "1e\+400" is outside 1…64; expected a whole number in 1…64\.$'):
        AttentionPlot(n=10**400)
    with pytest.raises(ValueError, match=r'^spread: "-1e\+5000" is outside 0…3;'):
        AttentionPlot(spread=-10**5000)   # more digits than str() writes


@pytest.mark.parametrize("kwargs,message", [
    (dict(title=123), r'^title: "123" is not a str; expected a str of at most 4096 characters\.$'),
    (dict(title=None), r'^title: "null" is not a str;'),
    (dict(title="x" * 5000), r'^title: "x{40}…" is too long \(5000 characters\);'),
    (dict(full_page="maybe"), r'^full_page: "maybe" is not true/false \(1/0\); expected True or False\.$'),
    (dict(full_page=1.0), r'^full_page: "1" is not true/false'),
])
def test_html_keyword_arguments_are_checked_as_the_fields_are(kwargs, message):
    # Checked before the script is read, so this holds without a build.
    with pytest.raises(ValueError, match=message):
        AttentionPlot(n=3).to_html(**kwargs)
    with pytest.raises(ValueError, match=message):
        html(AttentionPlot(n=3), **kwargs)


def test_sets_bytes_and_non_ascii_digits_are_not_numbers_or_points():
    for name, value in [("query", {1, 0.5}), ("query", bytearray(b"\x01\x00")), ("query", range(10**18)), ("n", "٨"), ("n", "８")]:
        with pytest.raises(ValueError, match=f"^{name}: "):
            AttentionPlot(**{name: value})


def test_minus_zero_is_zero():
    assert AttentionPlot(spread=-0.0, query=(-0.0, "-0")).attributes() == {"spread": "0", "query": "0,0", "controls": "compact"}
    assert str(AttentionPlot(spread=-0.0).fields["spread"]) == "0.0"


@needs_numpy
def test_numpy_scalars_and_0d_arrays_are_their_python_values():
    p = AttentionPlot(rope=np.True_, sink_on=np.array(False), n=np.int64(12), seed=np.array(3), spread=np.float32(0.25),
                      custom_scale=np.array(-2.5), query=np.array([1, 0.5]), keys=[np.array([1.0, 0.0]), (np.int8(0), np.float64(1))],
                      layout=np.str_("clusters"), theme=np.array("dark"), show_values=np.uint8(0))
    assert p.attributes() == {"rope": "1", "sink-on": "0", "n": "12", "seed": "3", "spread": "0.25", "custom-scale": "-2.5", "query": "1,0.5",
                              "keys": "1,0;0,1", "layout": "clusters", "theme": "dark", "show-values": "0",
                              "controls": "compact"}
    assert all(type(v) in (bool, int, float, str) for v in p.fields.values() if not isinstance(v, (tuple, list)))
    # An array in place of a single value is refused by its shape (it was "ndarray" before arrays were read).
    for name, value, message in [("query", np.array(8), r'^query: "8" is an array of shape \(\), not one point of shape \(2,\);'),
                                 ("rope", np.float64(1.0), r'^rope: "1" is not true/false'),   # floats are not bools, as before
                                 ("rope", np.array(2), r'^rope: "2" is not true/false'),
                                 ("n", np.array([8]), r'^n: "\[8\]" is an array of shape \(1,\), not a single value; expected a whole number'),
                                 ("layout", np.array(["even", "random"]), r'^layout: "\[\\"even\\",\\"random\\"\]" is an array of shape \(2,\), not a single value;')]:
        with pytest.raises(ValueError, match=message):
            AttentionPlot(**{name: value})


class _Raises:
    """A value whose every conversion fails."""
    def __float__(self): raise RuntimeError("__float__")
    def __index__(self): raise RuntimeError("__index__")
    def __int__(self): raise RuntimeError("__int__")
    def __len__(self): raise RuntimeError("__len__")
    def __iter__(self): raise RuntimeError("__iter__")
    def __eq__(self, other): raise RuntimeError("__eq__")
    def __bool__(self): raise RuntimeError("__bool__")
    __hash__ = None


class _RaisingInt(int):
    def __int__(self): raise RuntimeError("__int__")
    def __index__(self): raise RuntimeError("__index__")


class _RaisingFloat(float):
    def __float__(self): raise RuntimeError("__float__")


class _RaisingReal:
    def __float__(self): raise OverflowError("__float__")


numbers.Real.register(_RaisingReal)


class _RaisingGetattr:
    def __getattr__(self, name): raise RuntimeError(name)


class _RaisingShape:
    shape = ()
    def item(self): raise RuntimeError("item")


def _hostile_pools():
    """Kinds of values meant to break a check; a kind is a list of values, or a function of the
    random generator for values made fresh."""
    from decimal import Decimal
    from fractions import Fraction
    pools = [
        # integers: huge, at the edges, of the wrong sort
        [10**400, -10**400, 10**5000, 2**63, -2**63 - 1, 2**31 - 1, 2**31, 0, 1, -1, True, False, _RaisingInt(1),
         lambda rng: rng.randint(-100, 100), lambda rng: rng.randint(-2**70, 2**70)],
        # floats
        [-0.0, 0.0, float("nan"), float("inf"), -float("inf"), 1e308, 5e-324, 0.5, 1.0, 1e21, _RaisingFloat(1.0),
         lambda rng: rng.uniform(-5, 5), lambda rng: rng.uniform(-1e6, 1e6)],
        # numbers as text
        ["1e400", "-1e400", "1e-400", "-0", " 8 ", "0x10", "1_000", "NaN", "Infinity", "+.5", "5.", "1e21", "9" * 400, "1" * 4096,
         "1" * 4097, lambda rng: f"{rng.uniform(-3, 3):.6g}", lambda rng: str(rng.randint(-10, 70)),
         lambda rng: f"{rng.uniform(-2, 2):.3f},{rng.uniform(-2, 2):.3f}"],
        # other text: every enum's members, booleans' words, unicode, very long
        [v for f in FIELDS.values() for v in f.get("values", [])] + [
            "", " ", "yes", "OFF", "٨", "８", "\ud800", "e\u0301", "😀" * 3, "\u2028", "\x00", "\u0085", "a" * 5000,
            "1,0;" * 64 + "1,0", ";" * 100, "1," * 3000,
            lambda rng: "".join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(rng.randrange(60)))],
        # bytes and other builtins
        [b"8", b"", bytearray(b"\x01\x00"), memoryview(b"ab"), None, 1j, Ellipsis, {}, {"x": 1}, {1, 0.5}, frozenset([1, 2]),
         range(2), range(10**18), lambda rng: iter([1, 0]), Decimal("8"), Decimal("nan"), Fraction(1, 3), Fraction(10**400),
         object(), int, print],
        # values whose own code fails
        [_Raises(), _RaisingInt(0), _RaisingFloat(0.5), _RaisingReal(), _RaisingGetattr(), _RaisingShape()],
    ]
    if np is not None:   # NumPy scalars and arrays, three times as likely as another kind
        pools += 3 * [[
            np.True_, np.False_, np.int64(8), np.uint64(2**64 - 1), np.int8(-1), np.float64("nan"), np.float32(0.5), np.float16(1),
            np.longdouble(8), np.complex128(1), np.array(8), np.array(True), np.array(0.5), np.array(-0.0), np.array("even"),
            np.array([1.0, 0.5]), np.array([[1, 0], [0, 1]]), np.array([]), np.array([np.nan, 0]), np.array(["a", "b"]),
            np.datetime64("2020-01-01"), np.str_("even"), np.bytes_(b"8"), np.array(10**30, dtype=object),
            np.array(None, dtype=object), lambda rng: np.array(rng.uniform(-2, 2)),
            lambda rng: np.array([rng.uniform(-2, 2), rng.uniform(-2, 2)], dtype=np.float32)]]
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:   # tensors: with grad, on the meta device, of every shape the fields see
        pools.append([
            torch.tensor([1.0, 0.5], requires_grad=True), torch.tensor(8), torch.tensor(0.25, dtype=torch.float64), torch.tensor(True),
            torch.tensor([[1, 0], [0, 1]]), torch.zeros(5, 3), torch.zeros(1, 5, 2), torch.zeros(0, 2), torch.full((2,), float("nan")),
            torch.empty(3, 2, device="meta"), torch.empty((), device="meta"), torch.zeros(100, 2).to(torch.bfloat16),
            torch.tensor([1 + 2j, 0j]), lambda rng: torch.rand(rng.choice([1, 2, 64, 65]), 2) * 2 - 1])
    return pools


def _hostile(rng, pools, depth=0):
    """One value meant to break a check: from a pool, or pairs, lists and nests of them."""
    kind = rng.randrange(len(pools) + (3 if depth < 2 else 0))
    if kind < len(pools):
        v = rng.choice(pools[kind])
        return v(rng) if callable(v) and getattr(v, "__name__", "") == "<lambda>" else v
    kind -= len(pools)
    if kind == 0:   # pairs
        pair = [_hostile(rng, pools, depth + 1) for _ in range(2)]
        return tuple(pair) if rng.random() < 0.5 else pair
    if kind == 1:   # lists of them (of points, mostly), sometimes too many
        return [(_hostile(rng, pools, depth + 1), _hostile(rng, pools, depth + 1)) if rng.random() < 0.7 else _hostile(rng, pools, depth + 1)
                for _ in range(rng.choice([0, 1, 3, 64, 65]))]
    nested = []   # deeply nested, or holding itself
    inner = nested
    for _ in range(rng.randrange(1, 40)):
        inner.append([])
        inner = inner[0]
    if rng.random() < 0.5:
        inner.append(nested)
    return nested


FUZZ_CASES = 4000


def test_fuzz_every_field_raises_only_value_errors_naming_it_and_keeps_what_it_accepts():
    import random
    from attention_plot.output import OPTIONS
    from attention_plot.schema import text
    rng, pools = random.Random(20240611), _hostile_pools()
    names = list(FIELDS) + list(OPTIONS)
    seen = {"accepted": 0, "refused": 0}
    for case in range(FUZZ_CASES):
        name = names[case % len(names)]
        value = _hostile(rng, pools)
        field = OPTIONS.get(name)
        try:
            got = check(name, value, field) if field else AttentionPlot(**{name: value}).fields[name]
        except ValueError as e:
            message = str(e)
            assert message.startswith(f"{name}: "), (case, name, message)
            assert message.endswith(".") and "\n" not in message and len(message) < 600, (case, name, message)
            message.encode("utf-8")   # no lone surrogates
            seen["refused"] += 1
            continue
        except Exception as e:   # pragma: no cover - the failure this test is for
            pytest.fail(f"case {case}: {name}={value!r:.80} raised {type(e).__name__}: {e}")
        seen["accepted"] += 1
        # What is kept is plain Python, and the element's attribute text reads back the same.
        plain = [got] if not isinstance(got, (tuple, list)) else [c for p in (got if isinstance(got, list) else [got]) for c in (p if isinstance(p, tuple) else [p])]
        assert all(type(v) in (bool, int, float, str, type(None)) for v in plain), (case, name, got)
        if got is not None and not field:
            assert check(name, text(name, got)) == got, (case, name, got)
    assert seen["accepted"] > 100 and seen["refused"] > 1000, seen
