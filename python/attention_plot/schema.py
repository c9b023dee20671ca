"""The plot's fields, read from schema.json (generated from web/js/schema.js), and a
strict check of one value against its field.

The wording follows the JavaScript codec (web/js/codec.js ``coerce``): where the codec
says ``n: "abc" is not a whole number; using "8" instead.`` and carries on with the
default, Python raises ``ValueError('n: "abc" is not a whole number; expected a whole
number in 1…64.')`` and changes nothing, as the element's ``setState`` does.
"""

import json
import math
import numbers
import re
from importlib import resources

SCHEMA = json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))
FIELDS = SCHEMA["fields"]

_MAX_RAW = 4096   # longer text is rejected outright (as the codec does)
_SHOW_RAW = 40    # characters of a bad value quoted in a message
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def js_number(v):
    """A number as JavaScript writes it: 8 not 8.0, Infinity, NaN."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def _show(v, depth=0):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is None:
        return "null"
    if isinstance(v, (bool, numbers.Real)):
        return js_number(v)
    if isinstance(v, (list, tuple)):
        if depth > 2:
            return "[…]"
        items = ",".join(_show(x, depth + 1) for x in list(v)[:8])
        return f"[{items}{',…' if len(v) > 8 else ''}]"
    return type(v).__name__


def quote(raw):
    """A value quoted for a message, as the codec's ``quote``: bounded, JSON-escaped."""
    s = raw if isinstance(raw, str) else _show(raw)
    if len(s) > _SHOW_RAW:
        s = s[:_SHOW_RAW] + "…"
    return re.sub("[\u0085\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(s, ensure_ascii=False))


def _to_number(raw):
    if isinstance(raw, bool):
        return None
    if isinstance(raw, numbers.Real):
        v = float(raw) if not isinstance(raw, numbers.Integral) else int(raw)
        return v if math.isfinite(v) else None
    if not isinstance(raw, str):
        return None
    t = raw.strip()
    if not _NUMBER.match(t):
        return None
    v = float(t)
    return v if math.isfinite(v) else None


def _to_point(raw):
    if isinstance(raw, str):
        parts = raw.split(",")
    elif isinstance(raw, (list, tuple)) or (hasattr(raw, "__len__") and hasattr(raw, "__iter__") and not isinstance(raw, (dict, bytes))):
        parts = list(raw)
    else:
        return None
    if len(parts) != 2:
        return None
    x, y = _to_number(parts[0]), _to_number(parts[1])
    return None if x is None or y is None else (x, y)


def expected(f):
    """What a field takes, in words."""
    t = f["type"]
    if t == "int":
        return f"a whole number in {js_number(f['min'])}…{js_number(f['max'])}"
    if t == "number":
        return f"a number in {js_number(f['min'])}…{js_number(f['max'])}"
    if t == "bool":
        return "True or False"
    if t == "enum":
        return "one of " + ", ".join(map(str, f["values"]))
    if t == "point":
        return f"a point (x, y) with each coordinate in ±{js_number(f['max'])}"
    if t == "points":
        return f"a list of at most {f['maxCount']} points (x, y) with coordinates in ±{js_number(f['max'])}, or None"
    return "a value the plot knows"


def check(name, raw):
    """The value of field ``name`` for ``raw``, or ValueError naming the field, the value and what it takes."""
    f = FIELDS[name]

    def bad(why):
        # An enum's "why" already lists what it takes.
        tail = "" if why.startswith("is not one of") else f"; expected {expected(f)}"
        return ValueError(f"{name}: {quote(raw)} {why}{tail}.")

    if isinstance(raw, str) and len(raw) > _MAX_RAW:
        raise bad(f"is too long ({len(raw)} characters)")
    t = f["type"]
    if t in ("int", "number"):
        v = _to_number(raw)
        if v is None or (t == "int" and not float(v).is_integer()):
            raise bad("is not a whole number" if t == "int" else "is not a finite number")
        if v < f["min"] or v > f["max"]:
            raise bad(f"is outside {js_number(f['min'])}…{js_number(f['max'])}")
        return int(v) if t == "int" else v
    if t == "bool":
        if raw is True or raw is False:
            return raw
        if isinstance(raw, numbers.Integral) and raw in (0, 1):
            return raw == 1
        s = raw.strip().lower() if isinstance(raw, str) else None
        if s in ("1", "true", "on", "yes", ""):
            return True
        if s in ("0", "false", "off", "no"):
            return False
        raise bad("is not true/false (1/0)")
    if t == "enum":
        for v in f["values"]:
            if v == raw and not isinstance(raw, bool):
                return v
        raise bad("is not one of " + ", ".join(map(str, f["values"])))
    if t == "point":
        p = _to_point(raw)
        if p is None:
            raise bad('is not a point "x,y"')
        if abs(p[0]) > f["max"] or abs(p[1]) > f["max"]:
            raise bad(f"is outside ±{js_number(f['max'])}")
        return p
    if t == "points":
        if raw is None or raw == "":
            return None
        items = raw.split(";") if isinstance(raw, str) else list(raw) if isinstance(raw, (list, tuple)) else None
        if not items:
            raise bad('is not a list of points "x,y;x,y"')
        if len(items) > f["maxCount"]:
            raise bad(f"has {len(items)} points; at most {f['maxCount']} are allowed")
        out = []
        for item in items:
            p = _to_point(item)
            if p is None:
                raise bad(f'has {quote(_show(item))}, which is not a point "x,y"')
            if abs(p[0]) > f["max"] or abs(p[1]) > f["max"]:
                raise bad(f"has coordinates outside ±{js_number(f['max'])}")
            out.append(p)
        return out
    raise bad("has an unknown type")


def text(name, value):
    """A checked value as the element's attribute text ("1,0.5", "x,y;x,y", "1"/"0")."""
    t = FIELDS[name]["type"]
    if t == "bool":
        return "1" if value else "0"
    if t == "point":
        return f"{js_number(value[0])},{js_number(value[1])}"
    if t == "points":
        return ";".join(f"{js_number(x)},{js_number(y)}" for x, y in value)
    if t in ("int", "number"):
        return js_number(value)
    return str(value)
