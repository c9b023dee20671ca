"""The plot's fields, read from schema.json (generated from web/js/state/schema.js), and a
strict check of one value against its field.

The wording follows the JavaScript codec (web/js/state/codec.js ``coerce``): where the codec
says ``n: "abc" is not a whole number; using "8" instead.`` and carries on with the
default, Python raises ``ValueError('n: "abc" is not a whole number; expected a whole
number in 1…64.')`` and changes nothing, as the element's ``setState`` does.
"""

import collections.abc
import decimal
import json
import math
import numbers
import re
from importlib import resources

SCHEMA = json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))
FIELDS = SCHEMA["fields"]

_MAX_RAW = 4096   # longer text is rejected outright (as the codec does)
_SHOW_RAW = 40    # characters of a bad value quoted in a message
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", re.ASCII)  # ASCII digits only, as in JavaScript
_BIG = decimal.Context(prec=17, Emax=decimal.MAX_EMAX)  # writes ints of any size as 1e+400


def js_number(v):
    """A number as JavaScript writes it: 8 not 8.0, Infinity, NaN."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        v = int(v)
        # From 1e21 on, as JavaScript writes them; str() refuses ints over 4300 digits.
        return str(v) if abs(v) < 10**21 else str(_BIG.normalize(decimal.Decimal(v))).lower()
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def _plain(v):
    """A NumPy or PyTorch scalar or 0-d array as the Python value it holds (np.True_ is True,
    np.int64(8) is 8), found by duck typing, as the codec unwraps Number objects; anything
    else as given."""
    if v is None or isinstance(v, (str, bytes, int, float, list, tuple, dict)):
        return v
    try:
        if getattr(v, "shape", None) == () and callable(getattr(v, "item", None)):
            return v.item()
    except Exception:  # the value's own shape or item() failed: it stays as given, and is refused
        pass
    return v


def _show(v, depth=0):
    try:
        v = _plain(v)
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
    except Exception:  # a number whose __int__ or __float__ fails (the codec's show catches too)
        pass
    return type(v).__name__


def quote(raw):
    """A value quoted for a message, as the codec's ``quote``: bounded, JSON-escaped."""
    s = raw if isinstance(raw, str) else _show(raw)
    if len(s) > _SHOW_RAW:
        s = s[:_SHOW_RAW] + "…"
    # Lone surrogates too, as JSON.stringify does (a message must encode as UTF-8).
    return re.sub("[\u0085\u2028\u2029\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(s, ensure_ascii=False))


def _to_number(raw):
    """A finite number (an exact int, however large, or a float; -0.0 as 0.0) from a number or
    its text, else None."""
    raw = _plain(raw)
    if isinstance(raw, bool):
        return None
    try:
        if isinstance(raw, numbers.Integral):
            return int(raw)
        if isinstance(raw, numbers.Real):
            v = float(raw)
        elif isinstance(raw, str) and _NUMBER.match(raw.strip()):
            v = float(raw.strip())
        else:
            return None
    except Exception:  # the value's own __int__ or __float__ failed, or it is too large for a float
        return None
    return v + 0.0 if math.isfinite(v) else None


def _to_point(raw):
    raw = _plain(raw)
    if isinstance(raw, str):
        parts = raw.split(",")
    else:
        # Any sized iterable of two (a list, a tuple, a NumPy array), but not a set, a mapping or bytes.
        try:
            two = (hasattr(raw, "__len__") and hasattr(raw, "__iter__") and len(raw) == 2
                   and not isinstance(raw, (collections.abc.Set, collections.abc.Mapping, bytes, bytearray, memoryview)))
            parts = list(raw) if two else None
        except Exception:  # a 0-d array, or a value whose own __len__ or __iter__ fails
            return None
    if parts is None or len(parts) != 2:
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
    if t == "text":
        return f"a str of at most {_MAX_RAW} characters"
    if t == "enum":
        return "one of " + ", ".join(map(str, f["values"]))
    if t == "point":
        return f"a point (x, y) with each coordinate in ±{js_number(f['max'])}"
    if t == "points":
        return f"a list of at most {f['maxCount']} points (x, y) with coordinates in ±{js_number(f['max'])}, or None"
    return "a value the plot knows"


def check(name, raw, field=None):
    """The value of field ``name`` for ``raw``, or ValueError naming the field, the value and
    what it takes. ``field``: the field's description, ``FIELDS[name]`` unless given (plot.py
    checks its keyword arguments with descriptions of its own)."""
    f = FIELDS[name] if field is None else field

    def bad(why):
        # An enum's "why" already lists what it takes.
        tail = "" if why.startswith("is not one of") else f"; expected {expected(f)}"
        return ValueError(f"{name}: {quote(raw)} {why}{tail}.")

    raw = _plain(raw)
    if isinstance(raw, str) and len(raw) > _MAX_RAW:
        raise bad(f"is too long ({len(raw)} characters)")
    t = f["type"]
    if t in ("int", "number"):
        v = _to_number(raw)
        if v is None or (t == "int" and isinstance(v, float) and not v.is_integer()):
            raise bad("is not a whole number" if t == "int" else "is not a finite number")
        if v < f["min"] or v > f["max"]:
            raise bad(f"is outside {js_number(f['min'])}…{js_number(f['max'])}")
        return int(v) if t == "int" else v
    if t == "bool":
        if raw is True or raw is False:
            return raw
        v = _to_number(raw) if isinstance(raw, numbers.Integral) else None
        if v in (0, 1):
            return v == 1
        s = raw.strip().lower() if isinstance(raw, str) else None
        if s in ("1", "true", "on", "yes", ""):
            return True
        if s in ("0", "false", "off", "no"):
            return False
        raise bad("is not true/false (1/0)")
    if t == "enum":
        # As the codec: text matches itself; a numeric member also matches its number or its text.
        for v in f["values"]:
            if (isinstance(raw, str) and raw == v) if isinstance(v, str) else _to_number(raw) == v:
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
        if raw is None or (isinstance(raw, str) and raw == ""):
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
    if t == "text":
        if isinstance(raw, str):
            return str(raw)
        raise bad("is not a str")
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
