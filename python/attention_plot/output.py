"""The HTML a notebook shows: the elements' scripts inlined once per output, then the plots.

``html(*plots)`` takes any plot with ``element()`` (its tag) and ``SCRIPT`` (the static file
that defines it): AttentionPlot (<attention-plot>) and HeadPlot (<attention-head>).
"""

import html as _html
from importlib import resources

from .schema import SCHEMA, check

# html()'s and to_html()'s keyword arguments, checked as the fields are.
OPTIONS = {"full_page": {"type": "bool"}, "title": {"type": "text"}}

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


# What each element's script is called in a comment at its top.
_ELEMENTS = {"attention-plot.js": "<attention-plot>", "attention-head.js": "<attention-head>"}


def _tag(name):
    version = SCHEMA["package"]["version"]
    return (f"<script>/* attention-plot {version} (MIT): the {_ELEMENTS[name]} element, WebAssembly inlined */\n"
            f"{_script_text(name)}</script>")


def script_tag():
    """The element's script (WebAssembly inlined) as one <script> tag; once per page is enough."""
    return _tag("attention-plot.js")


def head_script_tag():
    """The <attention-head> element's script (its own lean core inlined), once per page: what
    ``AttentionPlot.from_tensors`` outputs need."""
    return _tag("attention-head.js")


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
        plots = self.count("<attention-plot ") + self.count("<attention-head ")
        return f"<attention_plot.HTML: {len(self):,} characters, {plots} plot(s); str() is the text>"


def html(*plots, full_page=False, title="Attention plot"):
    """Several plots in one piece of HTML, sharing one copy of each script they need: an HTML,
    which a notebook cell displays and which is the HTML text (``str(html(a, b))``). Takes
    AttentionPlot and HeadPlot (``AttentionPlot.from_tensors``) objects."""
    for p in plots:
        if getattr(type(p), "SCRIPT", None) not in _ELEMENTS or not callable(getattr(p, "element", None)):
            raise TypeError(f"html() takes AttentionPlot and HeadPlot objects; got {type(p).__name__}")
    full_page, title = check("full_page", full_page, OPTIONS["full_page"]), check("title", title, OPTIONS["title"])
    # each script once, in the order the plots first need it (no plots: the plot element's)
    names = list(dict.fromkeys(p.SCRIPT for p in plots)) or ["attention-plot.js"]
    scripts = [_tag(name) for name in names]
    body = "\n".join(scripts + [p.element() for p in plots])
    fragment = f'<div class="attention-plot-output">\n{body}\n</div>'
    if not full_page:
        return HTML(fragment)
    return HTML(f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{_html.escape(title)}</title>\n</head>\n<body>\n{fragment}\n</body>\n</html>\n")
