"""attention_plot: validation with the schema's ranges and the codec's wording, the HTML a
notebook shows, several plots per output, the schema copy, and the wheel.
(Its HTML in Chromium: tests/package/python.test.mjs.)"""

import json
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from attention_plot import AttentionPlot, html, widget_esm, __version__
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
    assert re.search(r'is stale: line \d+ is `"max": 65,` but web/js/schema.js gives `"max": 64,`', r.stderr), r.stderr


def test_fields_ranges_and_defaults_are_the_playgrounds():
    js = node("""
        import { PLAYGROUND } from './web/js/schema.js';
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
    assert AttentionPlot(**fields).attributes() == attributes


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
        import {{ PLAYGROUND }} from './web/js/schema.js';
        import {{ coerce }} from './web/js/codec.js';
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
    assert '<attention-plot n="12" query="1,0.5" layout="clusters"></attention-plot>' in out
    assert (STATIC / "attention-plot.js").read_text() in out


@needs_build
def test_attribute_text_is_escaped():
    # Values are checked before they get here; the escaping is the second line of defence.
    p = AttentionPlot(layout="even")
    p._fields["layout"] = '"><script>alert(1)</script>'
    assert '<attention-plot layout="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"></attention-plot>' in p.to_html()


@needs_build
def test_two_plots_in_one_output_share_one_script():
    a, b = AttentionPlot(n=3), AttentionPlot(n=9, theme="dark")
    out = html(a, b)
    assert out.count("<script>") == 1
    markup = out.split("</script>")[1]
    assert markup.count("<attention-plot") == 2
    assert out.index('<attention-plot n="3">') < out.index('<attention-plot n="9" theme="dark">')
    with pytest.raises(TypeError):
        html(a, "not a plot")


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
