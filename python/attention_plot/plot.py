"""AttentionPlot: the <attention-plot> element for notebooks and static pages.

Its HTML carries the element's single-file script (the WebAssembly core inlined), so a
plot shows with no network and no CDN, in Jupyter, VS Code, Colab and Quarto alike, and
any number of plots can share a page or an output.
"""

import html as _html
from importlib import resources

from .head import HeadPlot
from .schema import FIELDS, SCHEMA, check, text

# html()'s and to_html()'s keyword arguments, checked as the fields are.
OPTIONS = {"full_page": {"type": "bool"}, "title": {"type": "text"}}

_SNAKE = {}
for _name in FIELDS:
    _SNAKE["".join("_" + c.lower() if c.isupper() else c for c in _name)] = _name


def _script_text(name="attention-plot.js"):
    path = resources.files(__package__).joinpath("static", name)
    try:
        code = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} is missing: it is built, not committed. Run ./build_wasm.sh at the repository root "
            "(it copies the element there), or install the built wheel.") from None
    if "</script" in code.lower():
        raise ValueError(f"{path} contains '</script' and cannot be inlined; rebuild it with ./build_wasm.sh")
    return code


def script_tag():
    """The element's script (WebAssembly inlined) as one <script> tag; once per page is enough."""
    version = SCHEMA["package"]["version"]
    return f"<script>/* attention-plot {version} (MIT): the <attention-plot> element, WebAssembly inlined */\n{_script_text()}</script>"


def head_script_tag():
    """The <attention-head> element's script (its own lean core inlined), once per page: what
    ``AttentionPlot.from_tensors`` outputs need."""
    version = SCHEMA["package"]["version"]
    return (f"<script>/* attention-plot {version} (MIT): the <attention-head> element, WebAssembly inlined */\n"
            f"{_script_text('attention-head.js')}</script>")


class HTML(str):
    """HTML that a notebook shows as HTML. It is the text itself (a ``str``: ``str(h)``,
    ``h.data``, writing it to a file or searching it work as on any string), with
    ``_repr_html_`` for Jupyter, VS Code and Colab, ``__html__`` for markupsafe and Jinja, and
    a short ``repr`` instead of 300 kB of text in a cell's plain-text output."""

    @property
    def data(self):
        """The HTML as a plain str (as IPython.display.HTML's ``.data``)."""
        return str(self)

    def __str__(self):
        return str.__str__(self)

    def _repr_html_(self):
        return str(self)

    def __html__(self):
        return str(self)

    def __repr__(self):
        return f"<attention_plot.HTML: {len(self):,} characters, {self.count('<attention-plot ') + self.count('<attention-head ')} plot(s); str() is the text>"


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


def html(*plots, full_page=False, title="Attention plot"):
    """Several plots in one piece of HTML, sharing one copy of each script they need: an HTML,
    which a notebook cell displays and which is the HTML text (``str(html(a, b))``). Takes
    AttentionPlot and HeadPlot (``AttentionPlot.from_tensors``) objects."""
    for p in plots:
        if not isinstance(p, (AttentionPlot, HeadPlot)):
            raise TypeError(f"html() takes AttentionPlot and HeadPlot objects; got {type(p).__name__}")
    full_page, title = check("full_page", full_page, OPTIONS["full_page"]), check("title", title, OPTIONS["title"])
    scripts = ([script_tag()] if any(isinstance(p, AttentionPlot) for p in plots) or not plots else []) + \
        ([head_script_tag()] if any(isinstance(p, HeadPlot) for p in plots) else [])
    head = "\n".join(scripts + [p.element() for p in plots])
    fragment = f'<div class="attention-plot-output">\n{head}\n</div>'
    if not full_page:
        return HTML(fragment)
    return HTML(f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{_html.escape(title)}</title>\n</head>\n<body>\n{fragment}\n</body>\n</html>\n")
