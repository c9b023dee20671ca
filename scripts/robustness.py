#!/usr/bin/env python3
"""Robustness probes for attention-cli: the figures in docs/robustness.md.

    python3 scripts/robustness.py [--cli PATH] [--write] [--quick]

Each probe runs the CLI on a family of problems (deterministic: fixed seeds) and counts the
cases that break a promise of docs/cli.md:
  * no crash: exit code 0 or 2, never a signal;
  * finite in, finite out: a result holds no null (NaN / Inf) and no point off the circle;
  * honest errors: exit 2, one short ASCII-safe line on stderr naming the field the user wrote
    (and the probe's expected words), nothing on stdout; never "inf" for a finite input;
  * limits before work: every case answers within the probe's time budget, and the cost
    probes' cases within 2 s of CPU (robust to a loaded machine, unlike the wall time).
--write replaces the table between the markers in docs/robustness.md. Python 3 stdlib only.
"""
import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "robustness.md")
BEGIN, END = "<!-- probes:begin -->", "<!-- probes:end -->"
MAX_LINE = 600  # bytes of the stderr line, prefix included


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cli, text, timeout):
    """(exit code or None on timeout, stdout, stderr, wall seconds, CPU seconds)."""
    t0, c0 = time.monotonic(), child_cpu()
    try:
        p = subprocess.run([cli], input=text.encode() if isinstance(text, str) else text,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b"", timeout, timeout
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0, child_cpu() - c0


def error_ok(rc, out, err, fields, words=()):
    """An honest error: exit 2, nothing on stdout, one short line naming one of fields."""
    if rc != 2 or out:
        return False
    if err.count(b"\n") != 1 or not err.endswith(b"\n") or len(err) > MAX_LINE:
        return False
    if b"\xe2\x80\xa8" in err or b"\xc2\x85" in err or b"\r" in err:
        return False
    line = err.decode("utf-8", "replace")
    body = line[len("attention-cli: "):]
    # f + ":" (a field), or f = '"' for a field name the CLI had to quote (escaped).
    if not any(body.startswith(f + ":") or body.startswith(f + " ") or (f == '"' and body.startswith('"'))
               for f in fields):
        return False
    if " is inf" in body or " is -inf" in body:
        return False
    return all(w in body for w in words)


def finite(x):
    if x is None:
        return False
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, list):
        return all(finite(v) for v in x)
    if isinstance(x, dict):
        return all(finite(v) for v in x.values())
    return True


def result(rc, out):
    if rc != 0:
        return None
    try:
        return json.loads(out)
    except ValueError:
        return None


def on_circle(points):
    return all(abs(math.hypot(p[0], p[1]) - 1) < 1e-12 for p in points)


# ---------------------------------------------------------------------------
# Probes: (name, what counts as a failure, generator of (problem text, check, timeout)).
# check(rc, out, err) -> True when the case keeps its promise.
# ---------------------------------------------------------------------------

def p_nesting(quick):
    depths = [65, 100, 1000, 10000, 100000] if not quick else [100, 100000]
    for d in depths:
        arrays = "[" * d + "]" * d
        objects = '{"a":' * d + "1" + "}" * d
        for field in ("query", "scale", "mask"):
            for bad in (arrays, objects):
                mode = "matrix" if field == "mask" else "attend"
                q = '"queries":[[1]]' if mode == "matrix" else '"query":[1]'
                head = '{"mode":"%s","keys":[[1]],' % mode + ("" if field == "query" else q + ",")
                text = head + '"%s":%s}' % (field, bad)
                yield text, lambda rc, o, e: error_ok(rc, o, e, ["problem"], ["levels deep"]), 10


def p_phase(quick):
    exps = range(0, 309, 1 if not quick else 20)
    for k in exps:
        for sign in (1, -1):
            for mant in (1.0, 5.0, 1.7976931348623157 if k == 308 else 3.0):
                phase = sign * mant * 10.0 ** k
                if not math.isfinite(phase):
                    continue
                text = json.dumps({"mode": "layout", "n": 4, "phase": phase})
                def check(rc, o, e):
                    r = result(rc, o)
                    return r is not None and finite(r) and on_circle(r["points"])
                yield text, check, 10


def p_spread(quick):
    for k in range(0, 309, 1 if not quick else 20):
        spread = 10.0 ** k
        text = json.dumps({"mode": "layout", "kind": "clusters", "n": 12, "clusters": 3, "spread": spread, "seed": k})
        def check(rc, o, e):
            r = result(rc, o)
            return r is not None and finite(r) and on_circle(r["points"])
        yield text, check, 10


def p_stream(quick):
    rng = random.Random(1)
    for i in range(200 if not quick else 20):
        prec = "float" if i % 2 else "double"
        top = 3.4e38 if prec == "float" else 1.7976931348623157e308
        n = rng.randint(1, 9)
        vals = [[rng.choice([1, -1]) * top * rng.uniform(0.5, 1.0)] for _ in range(n)]
        keys = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]
        q = [rng.uniform(-3, 3), rng.uniform(-3, 3)]
        text = json.dumps({"mode": "stream", "query": q, "keys": keys, "values": vals,
                           "block_size": rng.randint(1, n), "precision": prec})
        lo, hi = min(v[0] for v in vals), max(v[0] for v in vals)
        def check(rc, o, e, lo=lo, hi=hi):
            r = result(rc, o)
            if r is None or not finite(r):
                return False
            out = r["output"][0]
            return lo * (1 + 1e-6 * (lo > 0) - 1e-6 * (lo < 0)) <= out <= hi * (1 + 1e-6 * (hi > 0) - 1e-6 * (hi < 0)) or abs(out - lo) < 1e-6 * abs(lo) or abs(out - hi) < 1e-6 * abs(hi)
        yield text, check, 10


def p_kappa(quick):
    rng = random.Random(2)
    for i in range(200 if not quick else 20):
        d = rng.randint(1, 4)
        q = [rng.choice([1, -1]) * 10.0 ** rng.uniform(0, 308) for _ in range(d)]
        keys = [[rng.uniform(-1, 1) for _ in range(d)] for _ in range(3)]
        scale = rng.choice([1, -1]) * 10.0 ** rng.uniform(-10, 300)
        text = json.dumps({"mode": "attend", "query": q, "keys": keys, "scale": scale})
        yield text, lambda rc, o, e: (lambda r: r is not None and finite(r))(result(rc, o)), 10


def p_self(quick):
    # Random self-attention problems with entries up to 1e300 (the issue's 2,000 calls).
    rng = random.Random(3)
    for i in range(2000 if not quick else 100):
        m, dm, dh = rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 3)
        big = lambda: rng.choice([1, -1]) * 10.0 ** rng.uniform(-5, 300)
        mat = lambda r, c: [[big() for _ in range(c)] for _ in range(r)]
        text = json.dumps({"mode": "self", "tokens": mat(m, dm), "wq": mat(dh, dm), "wk": mat(dh, dm),
                           "wv": mat(dh, dm), "mask": rng.choice(["none", "causal"])})
        def check(rc, o, e):
            if rc == 0:
                r = result(rc, o)
                return r is not None and finite(r)
            return error_ok(rc, o, e, ["wq", "wk", "wv", "tokens"], ["overflows"])
        yield text, check, 10


def p_vonmises(quick):
    rng = random.Random(4)
    for i in range(200 if not quick else 20):
        big = lambda: rng.choice([1, -1]) * 10.0 ** rng.uniform(0, 308)
        text = json.dumps({"mode": "vonmises", "kappa": rng.uniform(-50, 50), "phi": big(),
                           "angles": [big() for _ in range(3)]})
        yield text, lambda rc, o, e: (lambda r: r is not None and finite(r))(result(rc, o)), 10


def p_float_range(quick):
    rng = random.Random(5)
    for i in range(100 if not quick else 10):
        field = rng.choice(["query", "keys", "values"])
        big = rng.choice([1, -1]) * 10.0 ** rng.uniform(38.6, 308)
        p = {"mode": "attend", "query": [1.0, 0.0], "keys": [[1.0, 0.0], [0.0, 1.0]], "values": [[1.0], [2.0]],
             "precision": "float"}
        if field == "query":
            p["query"][1] = big
        else:
            p[field][1][0] = big
        yield json.dumps(p), (lambda f: lambda rc, o, e: error_ok(rc, o, e, [f], ["float32"]))(field), 10


def p_quoting(quick):
    cases = []
    for size in (10, 1000, 100000, 10 * 1000 * 1000):
        cases.append(('{"mode":"attend","keys":[[1]],"query":"%s"}' % ("x" * size), "query"))
    for ch in ("\u2028", "\u2029", "\u0085", "\n", "\u0000", "\u00e9", "\U0001f600"):
        esc = json.dumps(ch)[1:-1]
        cases.append(('{"mode":"layout","kind":"a%sb"}' % ch.replace("\n", "\\n").replace("\u0000", "\\u0000"), "kind"))
        cases.append(('{"mode":"matrix","queries":[[1]],"keys":[[1]],"mask":"w%s"}' % esc, "mask"))
        cases.append(('{"mode":"attend","keys":[[1]],"query":[1],"%s":1}' % esc, '"'))
    cases.append((b'{"mode":"attend\xff\xfe"}', "problem"))
    cases.append(('{"mode":"attend","keys":[[1]],"query":[1],"scale":%s}' % ("7" * 100000), "problem"))
    cases.append(('{"mode":"attend","keys":[[1]],"query":[%s]}' % ",".join(["[1]"] * 100000), "query"))
    for text, field in cases:
        yield text, (lambda f: lambda rc, o, e: error_ok(rc, o, e, [f]) and all(b < 0x80 for b in e))(field), 20


def p_limits(quick):
    ns = [2 ** k for k in range(16, 25)] if not quick else [2 ** 20, 2 ** 24]
    for n in ns:
        for kind in ("even", "random", "gaussian"):
            p = {"mode": "layout", "kind": kind, "n": n}
            if kind == "gaussian":
                p["d"] = 8
            def check(rc, o, e):
                if rc == 0:
                    r = result(rc, o)
                    return r is not None and finite(r)
                return error_ok(rc, o, e, ["n"], ["at most"])
            yield json.dumps(p), check, 10
    for m in (100, 1000, 1500, 2000, 4000):
        rows = "[" + ",".join(["[1]"] * m) + "]"
        text = '{"mode":"matrix","queries":%s,"keys":%s}' % (rows, rows)
        def check(rc, o, e):
            if rc == 0:
                r = result(rc, o)
                return r is not None and finite(r)
            return error_ok(rc, o, e, ["queries"], ["at most"])
        yield text, check, 10
    for d, n in ((65536, 255), (65536, 256), (4096, 4096), (65536, 65536)):
        text = json.dumps({"mode": "dimension", "d": d, "n": n})
        def check(rc, o, e):
            if rc == 0:
                return finite(result(rc, o))
            return error_ok(rc, o, e, ["n"], ["(n + 1) · d"])
        yield text, check, 10


def p_float_sum(quick):
    rng = random.Random(6)
    for k in ((14, 16, 18, 20) if not quick else (14, 16)):
        n = 2 ** k
        keys = ",".join("[%.6f,%.6f]" % (rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n))
        text = '{"mode":"attend","query":[0.7,-0.4],"keys":[%s],"precision":"float"}' % keys
        def check(rc, o, e):
            r = result(rc, o)
            return r is not None and finite(r) and abs(math.fsum(r["weights"]) - 1) < 1e-6
        yield text, check, 60


# ---- round 2: work limits, whole numbers ------------------------------------------------------
# A cost case yields (text, check, timeout, cpu budget): within the budget of CPU seconds, a
# result that is finite or an error naming one of the fields with its limit.
CPU_BUDGET = 2.0


def ones(rows, cols):
    return [[1] * cols for _ in range(rows)]


def rand_rows(rng, rows, cols):
    return [[round(rng.uniform(-1, 1), 3) for _ in range(cols)] for _ in range(rows)]


def finite_or_limit(fields):
    def check(rc, o, e):
        if rc == 0:
            return finite(result(rc, o))
        return error_ok(rc, o, e, fields, ["at most"])
    return check


def p_cost_issue(quick):
    """The reproductions of the issue (must fail, named) and their neighbours (may pass): all fast."""
    cases = []  # (problem, fields, must fail)
    for m in ((32, 128, 1024) if not quick else (128,)):
        cases.append(({"mode": "matrix", "kernel": "favor+", "features": 65536, "queries": ones(m, 1),
                       "keys": ones(m, 1)}, ["features"], m >= 128))
    for n in ((100, 1000, 10000, 100000) if not quick else (10000,)):
        cases.append(({"mode": "attend", "kernel": "favor+", "features": 65536, "query": [1], "keys": ones(n, 1)},
                      ["features"], n >= 10000))
    for n in ((2000, 4000, 10000, 30000) if not quick else (10000,)):
        cases.append(({"mode": "paged", "keys": ones(n, 1)}, ["keys"], n >= 10000))
    rng = random.Random(7)
    for dm, dh in (((100, 1), (400, 1), (400, 4), (1000, 1)) if not quick else ((400, 1),)):
        cases.append(({"mode": "mla", "tokens": rand_rows(rng, 1, dm), "wq": rand_rows(rng, dh, dm),
                       "wk": rand_rows(rng, dh, dm), "wv": rand_rows(rng, dh, dm)}, ["wk"], dm >= 400))
    for dh in ((100, 1000, 8000) if not quick else (8000,)):
        cases.append(({"mode": "self", "tokens": ones(1024, 1), "wq": ones(dh, 1), "wk": ones(dh, 1),
                       "wv": ones(dh, 1)}, ["tokens"], dh >= 8000))
    for problem, fields, must_fail in cases:
        check = finite_or_limit(fields)
        if must_fail:
            check = (lambda f: lambda rc, o, e: error_ok(rc, o, e, f, ["at most"]))(fields)
        yield json.dumps(problem), check, 60, CPU_BUDGET


def p_cost_random(quick):
    """Random shapes around the work limits: accepted ones finish within the budget."""
    rng = random.Random(8)
    logu = lambda lo, hi: int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))
    for i in range(200 if not quick else 20):
        kind = i % 5
        if kind == 0:
            m, n, d = logu(4, 300), logu(4, 300), rng.randint(1, 8)
            p = {"mode": "matrix", "kernel": "favor+", "features": logu(256, 65536), "queries": rand_rows(rng, m, d),
                 "keys": rand_rows(rng, n, d), "precision": rng.choice(["double", "float"])}
            fields = ["features", "queries"]
        elif kind == 1:
            n, d = logu(100, 30000), rng.randint(1, 8)
            p = {"mode": "attend", "kernel": "favor+", "features": logu(1024, 65536), "query": rand_rows(rng, 1, d)[0],
                 "keys": rand_rows(rng, n, d)}
            fields = ["features"]
        elif kind == 2:
            na, d = logu(500, 8000), rng.choice([1, 2, 4])
            p = {"mode": "paged", "keys": rand_rows(rng, na, d), "block_size": rng.choice([1, 4, 16]),
                 "shared_prefix": rng.randint(0, na)}
            if rng.random() < 0.5:
                p["keys_b"] = rand_rows(rng, logu(100, 4000), d)
            fields = ["keys"]
        elif kind == 3:
            dm, m, heads, dh = logu(8, 200), logu(16, 800), rng.randint(1, 2), logu(1, 16)
            w = lambda: [rand_rows(rng, dh, dm) for _ in range(heads)]
            p = {"mode": "mla", "tokens": rand_rows(rng, m, dm), "wq": w(), "wk": w(), "wv": w()}
            fields = ["wk", "tokens"]
        else:
            m, dm, dh = logu(64, 1024), rng.randint(1, 4), logu(16, 8000)
            p = {"mode": "self", "tokens": rand_rows(rng, m, dm), "wq": rand_rows(rng, dh, dm),
                 "wk": rand_rows(rng, dh, dm), "wv": rand_rows(rng, dh, dm)}
            fields = ["tokens"]
        yield json.dumps(p), finite_or_limit(fields), 60, CPU_BUDGET


def p_whole(quick):
    """2 and 2.0 give the same result in every whole-number field; a huge value is quoted as written."""
    x = [[1, 0], [0, 1], [1, 1], [0.5, -0.5]]
    base = {
        "window": ({"mode": "matrix", "queries": x, "keys": x}, ("mask", "window"), 2),
        "topk": ({"mode": "matrix", "queries": x, "keys": x}, ("mask", "topk"), 2),
        "sparse window": ({"mode": "matrix", "queries": x, "keys": x}, ("mask", "sparse", "window"), 2),
        "stride": ({"mode": "matrix", "queries": x, "keys": x}, ("mask", "sparse", "stride"), 2),
        "n": ({"mode": "layout", "kind": "random"}, ("n",), 5),
        "seed": ({"mode": "layout", "kind": "random"}, ("seed",), 3),
        "clusters": ({"mode": "layout", "kind": "clusters", "n": 6}, ("clusters",), 2),
        "features": ({"mode": "attend", "query": [1, 0], "keys": x, "kernel": "favor+"}, ("features",), 8),
        "block_size": ({"mode": "stream", "query": [1, 0], "keys": x, "values": x}, ("block_size",), 2),
        "steps": ({"mode": "paged", "keys": x}, ("steps",), 3),
        "shared_prefix": ({"mode": "paged", "keys": x, "keys_b": x}, ("shared_prefix",), 2),
        "rank": ({"mode": "mla", "tokens": x, "wq": x, "wk": x, "wv": x}, ("rank",), 1),
        "kv_heads": ({"mode": "self", "tokens": x, "wq": [x, x], "wk": x, "wv": x}, ("kv_heads",), 1),
        "d": ({"mode": "dimension", "n": 8}, ("d",), 16),
    }
    names = list(base) if not quick else ["window", "n", "features"]

    def put(problem, path, value):
        p = json.loads(json.dumps(problem))
        node = p
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = value
        return json.dumps(p)

    for name in names:
        problem, path, v = base[name]
        field = path[-1]
        whole = put(problem, path, v)
        as_double = whole.replace('"%s": %d' % (field, v), '"%s": %d.0' % (field, v))
        expected = subprocess.run([CLI[0]], input=whole.encode(), capture_output=True).stdout
        yield as_double, (lambda exp: lambda rc, o, e: rc == 0 and o == exp)(expected), 10
        huge = whole.replace('"%s": %d' % (field, v), '"%s": 18446744073709551615' % field)
        yield huge, (lambda f: lambda rc, o, e: error_ok(rc, o, e, [f], ["is 18446744073709551615"]))(field), 10
        frac = whole.replace('"%s": %d' % (field, v), '"%s": %d.5' % (field, v))
        yield frac, (lambda f: lambda rc, o, e: error_ok(rc, o, e, [f], ["expected a whole number"]))(field), 10
    g = json.dumps({"mode": "matrix", "queries": x, "keys": x, "mask": {"sparse": {"global": [18446744073709551615]}}})
    yield g, lambda rc, o, e: error_ok(rc, o, e, ["global"], ["entry 0 is 18446744073709551615"]), 10


def p_finite2(quick):
    """favor+ / elu+1 with huge queries in float and double, mla with weights up to ±max."""
    rng = random.Random(9)
    for i in range(200 if not quick else 20):
        if i % 2 == 0:
            prec = rng.choice(["float", "double"])
            top = 38 if prec == "float" else 300
            d = rng.randint(1, 4)
            q = [rng.choice([1, -1]) * 10.0 ** rng.uniform(0, top) for _ in range(d)]
            p = {"mode": "attend", "query": q, "keys": rand_rows(rng, 3, d), "kernel": rng.choice(["favor+", "elu+1"]),
                 "precision": prec, "alpha": rng.choice([1, 1, 1.5])}
            check = (lambda rc, o, e: finite_lse(result(rc, o)) if rc == 0
                     else error_ok(rc, o, e, ["kernel"], ["overflow"]))
        else:
            dm, heads, dh = rng.randint(1, 4), rng.randint(1, 2), rng.randint(1, 2)
            big = lambda: rng.choice([1, -1]) * 10.0 ** rng.uniform(0, 308)
            w = lambda: [[[big() for _ in range(dm)] for _ in range(dh)] for _ in range(heads)]
            p = {"mode": "mla", "tokens": rand_rows(rng, rng.randint(1, 4), dm), "wq": w(), "wk": w(), "wv": w(),
                 "rank": rng.randint(1, dm)}
            check = (lambda rc, o, e: finite(result(rc, o)) if rc == 0
                     else error_ok(rc, o, e, ["wq", "wk", "wv", "tokens"], ["overflow"]))
        yield json.dumps(p), check, 10


def finite_lse(r):
    """finite(), except the documented log_sum_exp null for alpha > 1."""
    if r is None:
        return False
    r = dict(r)
    if r.get("alpha") != 1 and r.get("log_sum_exp") is None:
        r.pop("log_sum_exp")
    return finite(r)


CLI = [None]  # the CLI under test, for probes that need a reference run

PROBES = [
    ("deep nesting: 65 to 100,000 levels of arrays or objects in query, scale, mask",
     "crash, or not the named depth error", p_nesting),
    ("layout even: phase ±{1, 3, 5}·10^k, k = 0..308", "non-finite point or |p| ≠ 1", p_phase),
    ("layout clusters: spread 10^k, k = 0..308", "non-finite point or |p| ≠ 1", p_spread),
    ("stream: values within 50% of ±max (double and float), random keys and blocks",
     "non-finite output or outside the values' range", p_stream),
    ("attend: query entries up to 1e308, scale up to 1e300", "null anywhere (kappa, logits, ...)", p_kappa),
    ("self: 2,000 random problems, entries up to 1e300", "null, or an error not naming wq/wk/wv/tokens", p_self),
    ("vonmises: phi and angles up to ±1e308", "non-finite density or an error", p_vonmises),
    ("float precision: a number beyond float32 in query, keys or values",
     "not an error naming that field (e.g. \"is inf\")", p_float_range),
    ("quoting: strings up to 10 MB, U+2028/2029/0085, NUL, emoji, invalid UTF-8, huge numbers",
     "more than one line, > 600 bytes, raw separators or non-ASCII", p_quoting),
    ("size limits: layout n = 2^16..2^24, matrix m = n up to 4000, dimension (n + 1) · d",
     "over 10 s, crash, or an error without the limit", p_limits),
    ("float attend: Σ weights for n = 2^14..2^20 keys", "|Σw − 1| ≥ 1e-6", p_float_sum),
    ("work limits, the issue's cases and neighbours: favor+ with 65,536 features (matrix 32²–1,024², attend "
     "10²–10⁵ keys), paged 2·10³–3·10⁴ tokens, mla d_model 100–1,000, self d_head 100–8,000",
     "not an error naming the field and its limit, or over 2 s of CPU", p_cost_issue),
    ("work limits, 200 random shapes around them: favor+ matrix / attend, paged, mla, self",
     "over 2 s of CPU, null, or an error without the field and its limit", p_cost_random),
    ("whole numbers: 2.0 for 2 in 14 fields, 2.5, 18446744073709551615",
     "2.0 answers differently from 2, or the error misquotes the value", p_whole),
    ("kernels with queries up to 1e38 (float) / 1e300, mla with weights up to 1e308",
     "null (besides entmax's log_sum_exp), or an error not naming the field", p_finite2),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "attention-cli"))
    ap.add_argument("--write", action="store_true", help="update the table in docs/robustness.md")
    ap.add_argument("--quick", action="store_true", help="a few cases per probe (smoke test)")
    args = ap.parse_args()
    if not os.access(args.cli, os.X_OK):
        sys.exit("robustness.py: %s is not an executable (build first: cmake --build --preset release)" % args.cli)
    CLI[0] = args.cli
    rows, total_cases, total_fail = [], 0, 0
    t_all = time.monotonic()
    for name, failure, gen in PROBES:
        cases = fails = 0
        slowest = slowest_cpu = 0.0
        budgeted = False
        example = ""
        for text, check, timeout, *budget in gen(args.quick):
            rc, out, err, secs, cpu = run(args.cli, text, timeout)
            slowest, slowest_cpu = max(slowest, secs), max(slowest_cpu, cpu)
            budgeted = budgeted or bool(budget)
            cases += 1
            over = bool(budget) and cpu > budget[0]
            ok = rc is not None and rc >= 0 and check(rc, out, err) and not over
            if not ok:
                fails += 1
                if not example:
                    if rc is None:
                        what = "timeout"
                    elif over:
                        what = "%.2f s of CPU" % cpu
                    elif rc < 0:
                        what = "signal %d" % -rc
                    else:
                        what = (err.decode("utf-8", "replace").strip()[:100] or out.decode("utf-8", "replace")[:100])
                    example = what.replace("|", "\\|").replace("\n", " ")
        time_cell = "%.2f s" % slowest + (" (%.2f s CPU)" % slowest_cpu if budgeted else "")
        rows.append((name, cases, fails, failure, time_cell, example))
        total_cases += cases
        total_fail += fails
        print("%-90s %6d cases %6d failures  (slowest %s)%s" %
              (name[:90], cases, fails, time_cell, ("  e.g. " + example) if example else ""), flush=True)
    table = ["| probe | cases | failures | a failure is | slowest case |", "|---|---:|---:|---|---:|"]
    for name, cases, fails, failure, time_cell, example in rows:
        cell = lambda t: t.replace("|", "\\|")
        table.append("| %s | %d | %d | %s | %s |" % (cell(name), cases, fails, cell(failure), time_cell))
    table.append("| **all** | **%d** | **%d** | | |" % (total_cases, total_fail))
    print("%d cases, %d failures, %.0f s" % (total_cases, total_fail, time.monotonic() - t_all))
    if args.write:
        doc = open(DOC, encoding="utf-8").read()
        a, b = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        doc = doc[:a] + "\n" + "\n".join(table) + "\n" + doc[b:]
        open(DOC, "w", encoding="utf-8").write(doc)
        print("wrote the table to", os.path.relpath(DOC, ROOT))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
