"""HeadPlot: one real head of a model, in any dimension (``AttentionPlot.from_tensors``).

It shows as the <attention-head> element (web/js/model/element.js): the query's view, the
strip with its exact curve, the weight list with the tokens, the joint map and Q Kᵀ's weights,
every number computed in the browser by the C++ core (WebAssembly), as on model.html. The
output carries the head's q, k (and v) as one float32 .safetensors file in base64, so it works
offline and the core's own reader checks it again.

Only the shapes are looked at here, and the values copied: no attention is computed in Python.
Arrays are read by duck typing (NumPy, PyTorch on any device, with or without grad, nested
lists); the package imports neither library.
"""

import array
import base64
import html as _html
import itertools
import json
import math
import numbers
import struct
import sys
import warnings

from .output import html
from .schema import SCHEMA, check, on_host

# The largest head set an output carries: 2²² floats over q, k and v (16 MB of float32, 22 MB of
# base64 in the notebook). Beyond it, pass fewer heads or tokens.
MAX_ELEMENTS = 1 << 22
# The core reader's limits (attn/tensors.hpp kMaxTensorTokens, kMaxTensorDim, kMaxTensorHeads; a
# test holds them equal): refused here too, so the error is a ValueError before any HTML.
MAX_TOKENS = 65536
MAX_DIM = 4096
MAX_HEADS = 256
# <attention-head>'s attributes (model-schema.js HEAD, via schema.json)
HEAD_FIELDS = SCHEMA["head"]["fields"]


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _flatten(field, v, shape):
    """Nested lists → (flat list of floats, shape); ragged or non-numeric input raises."""
    if isinstance(v, (list, tuple)):
        if len(shape) >= 4:
            raise ValueError(f"{field}: has more than 4 axes; expected (T, d), (H, T, d) or (1, H, T, d)")
        if not v:
            raise ValueError(f"{field}: has an empty axis at {_shape_text(shape + (0,))}; "
                             "expected (T, d), (H, T, d) or (1, H, T, d)")
        parts = [_flatten(field, x, shape + (len(v),)) for x in v]
        inner = parts[0][1]
        if any(p[1] != inner for p in parts):
            raise ValueError(f"{field}: is ragged (rows of different lengths); expected a rectangular array")
        return [x for p in parts for x in p[0]], inner
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValueError(f"{field}: holds {type(v).__name__} {_said(v)}; expected numbers")
    try:
        return [float(v)], shape
    except Exception as e:  # a number whose own __float__ fails, or an int beyond a float
        raise ValueError(f"{field}: holds {type(v).__name__} that is not a float ({type(e).__name__})") from None


def _said(v):
    """A short, safe repr of a value in an error (its own __str__ may fail)."""
    try:
        return repr(str(v)[:20])
    except Exception:
        return "?"


def _floats(field, v):
    """``(float32 little-endian bytes, shape)`` of an array-like, read by duck typing."""
    if v is None or isinstance(v, (str, bytes, dict, numbers.Number)):
        raise ValueError(f"{field}: is {type(v).__name__}; "
                         "expected an array of shape (T, d), (H, T, d) or (1, H, T, d) "
                         "(a NumPy array, a PyTorch tensor or nested lists)")
    try:
        kind = getattr(getattr(v, "dtype", None), "kind", None)   # NumPy
        complex_ = kind == "c" or (callable(getattr(v, "is_complex", None)) and v.is_complex() is True)   # or PyTorch
    except Exception:
        complex_ = False
    if complex_:
        raise ValueError(f"{field}: holds complex numbers; expected real ones")
    try:
        given = tuple(int(n) for n in v.shape) if hasattr(v, "shape") else None
    except Exception:
        given = None
    if given is not None and math.prod(given) > MAX_ELEMENTS:   # refused by its shape, never copied
        raise ValueError(str(_TooMany(field, given)))
    try:
        if hasattr(v, "shape"):
            v = on_host(v)
        if callable(getattr(v, "float", None)) and callable(getattr(v, "numpy", None)):
            v = v.float().numpy()           # PyTorch (half and bfloat16 too) → a NumPy array
        elif not hasattr(v, "astype") and callable(getattr(v, "__array__", None)):
            v = v.__array__()
        if callable(getattr(v, "astype", None)) and callable(getattr(v, "tobytes", None)) and hasattr(v, "shape"):
            shape = tuple(int(s) for s in v.shape)
            if math.prod(shape) > MAX_ELEMENTS:   # refused by its shape, never copied
                raise _TooMany(field, shape)
            with warnings.catch_warnings():   # a float64 beyond float32 becomes inf: _check_finite names it
                warnings.simplefilter("ignore", RuntimeWarning)
                data = v.astype("<f4").tobytes(order="C")
            return data, shape
        if callable(getattr(v, "tolist", None)):
            v = v.tolist()
    except _TooMany as e:
        raise ValueError(str(e)) from None
    except Exception as e:  # the array's own code failed (strings in a NumPy array, say): say so, with its words
        said = str(e).splitlines()[0][:80] if str(e) else ""
        raise ValueError(f"{field}: could not be read: {type(e).__name__}: {said}") from None
    values, shape = _flatten(field, list(v) if isinstance(v, tuple) else v, ())
    a = array.array("f", values)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes(), shape


class _TooMany(Exception):
    def __init__(self, field, shape):
        super().__init__(f"{field}: has shape {_shape_text(shape)}: {math.prod(shape):,} numbers; an output carries at "
                         f"most {MAX_ELEMENTS:,} over q, k and v: pass fewer heads or tokens")


def _heads(field, shape):
    """(T, d), (H, T, d) or (1, H, T, d) → (H, T, d); anything else raises naming the field."""
    if len(shape) == 2:
        h, t, d = 1, *shape
    elif len(shape) == 3:
        h, t, d = shape
    elif len(shape) == 4 and shape[0] == 1:
        h, t, d = shape[1:]
    else:
        more = " (a batch: take one sequence, e.g. q[0])" if len(shape) == 4 else ""
        raise ValueError(f"{field}: has shape {_shape_text(shape)}{more}; expected (T, d), (H, T, d) or (1, H, T, d)")
    if not 1 <= t <= MAX_TOKENS or not 1 <= d <= MAX_DIM or not 1 <= h <= MAX_HEADS:
        raise ValueError(f"{field}: has shape {_shape_text(shape)}: "
                         f"{_plural(h, 'head')} × {_plural(t, 'token')} × d {d}; "
                         f"takes 1–{MAX_HEADS} heads, 1–{MAX_TOKENS} tokens and d 1–{MAX_DIM}")
    return h, t, d


def _check_finite(field, data, shape):
    a = array.array("f")
    a.frombytes(data)
    if sys.byteorder != "little":
        a.byteswap()
    for i, x in enumerate(a):
        if not math.isfinite(x):
            at, rest = [], i
            for s in reversed(shape):
                at.append(rest % s)
                rest //= s
            raise ValueError(f"{field}: holds {x} at {_shape_text(tuple(reversed(at)))} (as float32); "
                             "expected finite numbers")


def safetensors_bytes(tensors):
    """``{name: (float32 LE bytes, shape)}`` → one .safetensors file (F32, in this order)."""
    header, offset = {}, 0
    for name, (data, shape) in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)   # the data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(data for data, _ in tensors.values())


class HeadPlot:
    """One head of a real model, shown by the <attention-head> element. Made by
    ``AttentionPlot.from_tensors(q, k, v=None, *, tokens=None, head=0, query=-1, scale=None)``.
    A bad argument raises ValueError naming it."""

    SCRIPT = "attention-head.js"   # the static file that defines the element (output.html inlines it)

    def __init__(self, q, k, v=None, *, tokens=None, head=0, query=-1, scale=None, causal=True, theme="auto"):
        qb, qs = _floats("q", q)
        kb, ks = _floats("k", k)
        hq, tq, dq = _heads("q", qs)
        hk, tk, dk = _heads("k", ks)
        if (hk, tk, dk) != (hq, tq, dq):
            hint = (f" (grouped-query attention? repeat k's heads: k.repeat_interleave({hq // hk}, dim=-3))"
                    if hk < hq and hq % hk == 0 and (tk, dk) == (tq, dq) else "")
            raise ValueError(f"k: has {_plural(hk, 'head')} × {_plural(tk, 'token')} × d {dk} "
                             f"but q has {hq} × {tq} × {dq}; "
                             f"expected the same shape (self-attention){hint}")
        tensors = {"q": (qb, qs), "k": (kb, ks)}
        if v is not None:
            vb, vs = _floats("v", v)
            hv, tv, _ = _heads("v", vs)
            if (hv, tv) != (hq, tq):
                raise ValueError(f"v: has {_plural(hv, 'head')} × {_plural(tv, 'token')} but q has {hq} × {tq}; "
                                 "expected the same")
            tensors["v"] = (vb, vs)
        count = sum(len(b) // 4 for b, _ in tensors.values())
        if count > MAX_ELEMENTS:
            slicing = "q[0, h:h+1]" if len(qs) == 4 else "q[h:h+1]" if len(qs) == 3 else "q[:T]"
            raise ValueError(f"q, k, v: hold {count:,} numbers; an output carries at most {MAX_ELEMENTS:,}: "
                             f"pass fewer heads or tokens (e.g. {slicing}, and k, v alike)")
        for name, (data, shape) in tensors.items():
            _check_finite(name, data, shape)
        self.heads, self.tokens, self.d = hq, tq, dq
        self._tensors = tensors
        self._labels = self._token_labels(tokens, tq)
        # head −1: the last, as query −1 is the last token
        head = check("head", head, {**HEAD_FIELDS["head"], "min": -1, "max": hq - 1})
        self._head = hq - 1 if head == -1 else head
        self._query = check("query", query, {**HEAD_FIELDS["query"], "max": tq - 1})
        self._scale = self._scale_of(scale, dq)
        self._causal = check("causal", causal, HEAD_FIELDS["causal"])
        self._theme = check("theme", theme, HEAD_FIELDS["theme"])

    @staticmethod
    def _scale_of(scale, d):
        """None or 1/√d → "inv_sqrt"; 1 → "one"; the element's own words as themselves."""
        if isinstance(scale, str):
            return check("scale", scale, HEAD_FIELDS["scale"])
        if scale is None:
            return "inv_sqrt"
        if isinstance(scale, numbers.Real) and not isinstance(scale, bool):
            try:
                if scale == 1:
                    return "one"
                if math.isclose(float(scale), d ** -0.5, rel_tol=1e-9):
                    return "inv_sqrt"
            except Exception:  # a number whose own comparison or __float__ fails: refused below
                pass
        raise ValueError(f"scale: is {_said(scale)}; expected None or 1/√d (= {d ** -0.5:.6g} here), 1, "
                         "\"inv_sqrt\" or \"one\" (for another scale, multiply q by it and pass scale=1)")

    @staticmethod
    def _token_labels(tokens, t):
        if tokens is None:
            return None
        if isinstance(tokens, str):
            raise ValueError("tokens: is one string; expected a list of one label per token")
        try:
            labels = [str(x) for x in itertools.islice(tokens, t + 1)]   # one too many is enough to say so
        except Exception:  # not iterable, or its items' own __iter__ or __str__ fails
            raise ValueError(f"tokens: is {type(tokens).__name__}; expected a list of one label per token") from None
        try:
            count = len(tokens)
        except Exception:
            count = len(labels) if len(labels) <= t else f"more than {t}"
        if len(labels) != t:
            raise ValueError(f"tokens: has {count} labels for {t} tokens; expected one per token")
        return labels

    def safetensors(self):
        """The head set the output carries, as a .safetensors file's bytes (q, k, v in float32):
        save it and open it in web/model.html, or read it with safetensors.numpy.load."""
        return safetensors_bytes(self._tensors)

    def attributes(self):
        """The element's attributes: name → text."""
        attrs = {"tensors": base64.b64encode(self.safetensors()).decode("ascii"), "head": str(self._head),
                 "query": str(self._query), "scale": self._scale, "causal": "true" if self._causal else "false"}
        if self._theme != "auto":
            attrs["theme"] = self._theme
        if self._labels is not None:
            attrs["tokens"] = json.dumps(self._labels, ensure_ascii=False)
        return attrs

    def element(self):
        """The <attention-head> tag alone (the page needs head_script_tag() once). Its text is
        what a reader sees where the script cannot run."""
        attrs = "".join(f' {k}="{_html.escape(v, quote=True)}"' for k, v in self.attributes().items())
        return (f"<attention-head{attrs}>One attention head ({self.heads} × {self.tokens} tokens × d = {self.d}): "
                "showing it needs JavaScript and WebAssembly.</attention-head>")

    def to_html(self, full_page=False, title="Attention head"):
        """HTML that shows the head offline (see AttentionPlot.to_html)."""
        return html(self, full_page=full_page, title=title)

    def _repr_html_(self):
        return str(self.to_html())

    def __repr__(self):
        return (f"<attention_plot.HeadPlot: {self.heads} head(s) × {self.tokens} tokens × d = {self.d}"
                f"{', with values' if 'v' in self._tensors else ''}; head {self._head}, query {self._query}>")
