# Imports attention_plot from the checkout (python/), as the wheel would install it.
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
