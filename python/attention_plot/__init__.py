"""attention_plot: the attention plot in notebooks and static pages, offline.

    from attention_plot import AttentionPlot
    AttentionPlot(n=12, query=(1, 0.5))          # a notebook cell shows it (_repr_html_)
    AttentionPlot(n=12).to_html(full_page=True)  # a whole page
    html(AttentionPlot(n=4), AttentionPlot(n=16))  # two plots, one script; a cell shows it too
    capture_qkv(model, x)                         # Q, K, V of each PyTorch attention layer
    AttentionPlot.from_tensors(q, k, v, tokens=words)  # one real head, any d (a HeadPlot)

No runtime dependencies. The plots are the <attention-plot> and <attention-head> elements of the
npm package attention-plot, each with its WebAssembly core inlined in the HTML.
"""

import pathlib
from importlib import resources

from .capture import QKV, capture_qkv
from .head import HeadPlot
from .output import HTML, head_script_tag, html, script_tag
from .plot import AttentionPlot
from .schema import SCHEMA

__version__ = SCHEMA["package"]["version"]
__all__ = ["AttentionPlot", "HTML", "HeadPlot", "QKV", "capture_qkv", "head_script_tag", "html", "script_tag",
           "widget_esm", "__version__"]


def widget_esm():
    """Path of the anywidget front end (the npm package's attention-plot/widget), for
    ``class Plot(anywidget.AnyWidget): _esm = attention_plot.widget_esm()``."""
    return pathlib.Path(str(resources.files(__package__).joinpath("static", "widget.js")))
