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


class _Unreadable(Exception):
    """An array-like whose values could not be read (a PyTorch tensor on the meta device, say)."""


_MAX_ARRAY = 4096   # an array with more items is refused by its shape, never copied


def on_host(v):
    """An array with a shape, off the autograd graph and on the CPU where it has ``detach`` and
    ``cpu`` (PyTorch; the meta device has no values: raises); anything else as given. Only what
    has a shape is asked (a file's detach() would close it)."""
    if callable(getattr(v, "detach", None)):
        v = v.detach()
    if callable(getattr(v, "cpu", None)):
        v = v.cpu()
    return v


def _array(v):
    """``(values, shape)`` for an array-like: a NumPy array or scalar, a PyTorch tensor (on any
    device, with or without grad) or anything with ``__array__``, found by duck typing (the
    package imports neither library); its values as Python numbers in nested lists (None when
    it has more than _MAX_ARRAY items). ``(v, None)`` for anything else; _Unreadable when its
    values cannot be read."""
    if v is None or isinstance(v, (str, bytes, bytearray, memoryview, numbers.Number, list, tuple, dict,
                                   collections.abc.Set)):
        return v, None
    try:
        shape = getattr(v, "shape", None)
        to_array = getattr(v, "__array__", None)
    except Exception:  # the value's own __getattr__ fails: not an array
        return v, None
    if shape is None and not callable(to_array):
        return v, None
    given = v
    try:
        if shape is None:
            v = to_array()
        else:
            v = on_host(v)
        shape = tuple(int(s) for s in v.shape)
        if math.prod(shape) > _MAX_ARRAY:
            return None, shape
        if callable(getattr(v, "tolist", None)):
            values = v.tolist()
        elif callable(getattr(v, "__array__", None)):   # a shape and __array__ but no tolist (a DataFrame)
            values = v.__array__().tolist()
        elif shape == () and callable(getattr(v, "item", None)):
            values = v.item()
        else:
            return given, None
    except Exception as e:  # the array's own code failed: say so, with its words
        try:
            device = getattr(given, "device", None)
            where = f" (on device {str(device)[:20]})" if device is not None else ""
            said = str(e).splitlines()[0][:80] if str(e) else ""
        except Exception:  # a device or an error that cannot be named
            where = said = ""
        raise _Unreadable(f"could not be read{where}: {type(e).__name__}{': ' + said if said else ''}") from None
    if shape == () and not isinstance(values, (bool, numbers.Number, str)):
        return given, None   # a 0-d array of dates or objects: refused as what it is
    return values, shape


def _plain(v):
    """A NumPy or PyTorch scalar, 0-d array or array as the Python value it holds (np.True_ is
    True, np.int64(8) is 8, an (m, 2) array a list of m lists), as the codec unwraps Number
    objects; anything else, or an array that cannot be read, as given."""
    try:
        values, shape = _array(v)
    except _Unreadable:
        return v
    return v if values is None else values


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


def _shape_problem(t, shape, f):
    """Why an array of this shape cannot be field type ``t``, or None."""
    s = repr(shape)
    if t == "point":
        if shape == (2,):
            return None
        if len(shape) == 1:
            return f"is an array of shape {s}, but the plot is 2-D: a point has 2 coordinates, not {shape[0]}"
        return f"is an array of shape {s}, not one point of shape (2,)"
    if t == "points":
        if len(shape) == 2 and shape[1] != 2:
            return f"is an array of shape {s}, but the plot is 2-D: each point has 2 coordinates, not {shape[1]}"
        if len(shape) != 2:
            return f"is an array of shape {s}, not a list of points of shape (m, 2)"
        if shape[0] > f["maxCount"]:
            return f"has {shape[0]} points; at most {f['maxCount']} are allowed"
        if shape[0] == 0:
            return "is an array of shape (0, 2), with no points"
        return None
    return None if shape == () else f"is an array of shape {s}, not a single value"


def _point_hint(item):
    """What is wrong with a pair that is not a point, when the codec's words do not say it."""
    item = _plain(item)
    if not isinstance(item, (list, tuple)):
        return ""
    if len(item) != 2:
        return f" (the plot is 2-D; {quote(_show(item))} has {len(item)} coordinates)"
    for x in item:
        x = _plain(x)
        try:
            if isinstance(x, numbers.Real) and not isinstance(x, bool) and not math.isfinite(float(x)):
                return f" ({quote(_show(item))} has a coordinate that is not finite)"
        except Exception:  # a number whose own __float__ fails: no hint
            pass
    return ""


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

    def bad(why, hint=""):
        # An enum's "why" already lists what it takes. The why is worded as the codec's notice;
        # the hint, after what is expected, says more where Python knows more (an array's shape).
        tail = "" if why.startswith("is not one of") else f"; expected {expected(f)}"
        return ValueError(f"{name}: {quote(raw)} {why}{tail}{hint}.")

    t = f["type"]
    try:
        values, shape = _array(raw)
    except _Unreadable as e:
        raise bad(str(e)) from None
    if values is not None or shape is None:
        raw = values
    if shape is not None:
        why = _shape_problem(t, shape, f)
        if why:
            raise bad(why)
    if isinstance(raw, str) and len(raw) > _MAX_RAW:
        raise bad(f"is too long ({len(raw)} characters)")
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
            raise bad('is not a point "x,y"', _point_hint(raw))
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
                raise bad(f'has {quote(_show(item))}, which is not a point "x,y"', _point_hint(item))
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
