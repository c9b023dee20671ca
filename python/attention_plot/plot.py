"""AttentionPlot: the <attention-plot> element for notebooks and static pages.

Its HTML carries the element's single-file script (the WebAssembly core inlined), so a
plot shows with no network and no CDN, in Jupyter, VS Code, Colab and Quarto alike, and
any number of plots can share a page or an output.
"""

import html as _html

from .head import HeadPlot
from .output import OPTIONS, html
from .schema import FIELDS, check, text

_SNAKE = {}
for _name in FIELDS:
    _SNAKE["".join("_" + c.lower() if c.isupper() else c for c in _name)] = _name


class AttentionPlot:
    """One plot. Keyword arguments are the fields of the playground (web/js/state/schema.js), in
    the JavaScript spelling (``normalizeKeys``) or in Python's (``normalize_keys``)::

        AttentionPlot(n=12, query=(1, 0.5), layout="clusters", seed=3, controls="compact")

    A value may be a Python number, text or nested list, a NumPy scalar or array, a PyTorch
    tensor (any device, with or without grad) or anything with ``__array__``, read by duck
    typing (schema._array): a point is shape (2,), a list of points (m, 2), a number (). A bad
    value raises ValueError naming the field, the value and what it takes; an unknown name raises
    TypeError. Fields left out take the plot's defaults, except ``controls``: a notebook plot
    shows the compact set (keys and scale) unless given ``controls="full"`` or ``"none"``. Rules between fields
    (explicit keys set ``n``, for instance) are the element's: it applies them and says so
    in a notice on the plot.
    """

    # A notebook's plots start with the few basic controls, not the page's twenty.
    DEFAULT_CONTROLS = "compact"
    SCRIPT = "attention-plot.js"   # the static file that defines the element (output.html inlines it)

    def __init__(self, **fields):
        self._fields = {}
        for key, raw in fields.items():
            name = _SNAKE.get(key, key)
            if name not in FIELDS:
                raise TypeError(f'Unknown field {key!r}; the fields are: {", ".join(FIELDS)}.')
            self._fields[name] = check(name, raw)

    @property
    def fields(self):
        """The fields given (checked), by their schema names."""
        return dict(self._fields)

    def attributes(self):
        """The element's attributes: kebab-case name → text (``controls`` defaults to "compact")."""
        attrs = {FIELDS[name]["attribute"]: text(name, value) for name, value in self._fields.items() if value is not None}
        attrs.setdefault(FIELDS["controls"]["attribute"], self.DEFAULT_CONTROLS)
        return attrs

    def element(self):
        """The <attention-plot> tag alone (the page needs script_tag() once)."""
        attrs = "".join(f' {k}="{_html.escape(v, quote=True)}"' for k, v in self.attributes().items())
        return f"<attention-plot{attrs}></attention-plot>"

    def to_html(self, full_page=False, title="Attention plot"):
        """HTML that shows the plot offline: the script inlined and the element, as an HTML
        (a str a notebook also displays). With ``full_page=True``, a whole document (to save
        as a file or serve) titled ``title``. Bad arguments raise ValueError as bad fields do."""
        return html(self, full_page=full_page, title=title)

    def _repr_html_(self):
        return str(self.to_html())

    @staticmethod
    def from_tensors(q, k, v=None, *, tokens=None, head=0, query=-1, scale=None, causal=True, theme="auto"):
        """One head of a real model, in any dimension: q and k (and v) of shape (T, d), (H, T, d)
        or (1, H, T, d) (NumPy, PyTorch on any device, nested lists; ``capture_qkv`` gives
        (B, H, T, d): pass ``q[0]``). Shows the query's view of token ``query`` (−1: the last) in
        ``head``: every key where that query sees it, every weight the d-dimensional one, the
        exact curve, the tokens' list, the joint map and Q Kᵀ's weights, computed in the browser
        by the C++ core. ``scale``: None (1/√d) or 1; ``causal``: each token sees itself and
        earlier ones. Returns a HeadPlot (a notebook shows it; ``html()`` takes it). A bad
        argument raises ValueError naming it."""
        return HeadPlot(q, k, v, tokens=tokens, head=head, query=query, scale=scale, causal=causal, theme=theme)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._fields.items())
        return f"AttentionPlot({args})"
