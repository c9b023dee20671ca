#!/usr/bin/env python3
"""Robustness probes for attention-cli: the figures in docs/robustness.md.

    python3 scripts/robustness.py [--cli PATH] [--write] [--quick]

Each probe runs the CLI on a family of problems (deterministic: fixed seeds) and counts the
cases that break a promise of docs/cli.md:
  * no crash: exit code 0 or 2, never a signal;
  * finite in, finite out: a result holds no null (NaN / Inf) and no point off the circle;
  * honest errors: exit 2, one short ASCII-safe line on stderr naming the field the user wrote
    (and the probe's expected words), nothing on stdout; never "inf" for a finite input;
  * limits before work: every case answers within the probe's time budget.
--write replaces the table between the markers in docs/robustness.md. Python 3 stdlib only.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "robustness.md")
BEGIN, END = "<!-- probes:begin -->", "<!-- probes:end -->"
MAX_LINE = 600  # bytes of the stderr line, prefix included


def run(cli, text, timeout):
    t0 = time.monotonic()
    try:
        p = subprocess.run([cli], input=text.encode() if isinstance(text, str) else text,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b"", timeout
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


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
    # Random self-attention problems with entries up to 1e300 (the 2,000 calls).
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
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "attention-cli"))
    ap.add_argument("--write", action="store_true", help="update the table in docs/robustness.md")
    ap.add_argument("--quick", action="store_true", help="a few cases per probe (smoke test)")
    args = ap.parse_args()
    if not os.access(args.cli, os.X_OK):
        sys.exit("robustness.py: %s is not an executable (build first: cmake --build --preset release)" % args.cli)
    rows, total_cases, total_fail = [], 0, 0
    t_all = time.monotonic()
    for name, failure, gen in PROBES:
        cases = fails = 0
        slowest = 0.0
        example = ""
        for text, check, timeout in gen(args.quick):
            rc, out, err, secs = run(args.cli, text, timeout)
            slowest = max(slowest, secs)
            cases += 1
            ok = rc is not None and rc >= 0 and check(rc, out, err)
            if not ok:
                fails += 1
                if not example:
                    what = "timeout" if rc is None else ("signal %d" % -rc if rc < 0 else
                                                         (err.decode("utf-8", "replace").strip()[:100] or
                                                          out.decode("utf-8", "replace")[:100]))
                    example = what.replace("|", "\\|").replace("\n", " ")
        rows.append((name, cases, fails, failure, slowest, example))
        total_cases += cases
        total_fail += fails
        print("%-90s %6d cases %6d failures  (slowest %.2f s)%s" %
              (name[:90], cases, fails, slowest, ("  e.g. " + example) if example else ""), flush=True)
    table = ["| probe | cases | failures | a failure is | slowest case |", "|---|---:|---:|---|---:|"]
    for name, cases, fails, failure, slowest, example in rows:
        cell = lambda t: t.replace("|", "\\|")
        table.append("| %s | %d | %d | %s | %.2f s |" % (cell(name), cases, fails, cell(failure), slowest))
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
