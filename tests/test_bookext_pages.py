"""What the build does to the pages' figures (book/_ext/bookext.py, issue 13): alt text from the
caption (formulas in plain text), PNGs at twice the density at the figure's own size."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes

from fep_core.plotting import layout

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("bookext_pages",
                                                  ROOT / "book" / "_ext" / "bookext.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bookext = _load()


@pytest.mark.parametrize("tex, text", [
    (r"\mathcal N(\mu, \mathrm{sd}^2)", "N(μ, sd^2)"),
    (r"-\ln p(y)", "-ln p(y)"),
    (r"L(b_i + h_i)", "L(bi + hi)"),
    (r"\alpha \times 10", "α × 10"),
    (r"\left( i_T \right)", "( iT )"),
])
def test_plain_tex(tex, text):
    assert bookext.plain_tex(tex) == text


def test_alt_text_is_the_caption_with_formulas_in_plain_text():
    figure = nodes.figure()
    figure += nodes.image(uri="_images/abc123.png", alt="_images/abc123.png")
    caption = nodes.caption()
    caption += nodes.Text("Free energy of ")
    caption += nodes.math(text=r"q = \mathcal N(\mu, 1)")
    caption += nodes.Text(" against\n  its mean.")
    figure += caption
    loose = nodes.image(uri="_images/loose.png", alt="kept")
    doctree = nodes.document(None, None)
    doctree += figure
    doctree += loose
    bookext._alt_is_caption(None, doctree, "book/x")
    assert figure[0]["alt"] == "Free energy of q = N(μ, 1) against its mean."
    assert caption.astext() == "Free energy of q = \\mathcal N(\\mu, 1) against\n  its mean."
    assert loose["alt"] == "kept"                       # not in a figure: left alone


def test_kernel_configuration_doubles_the_density_at_the_figure_size():
    config = SimpleNamespace(InlineBackend=SimpleNamespace())
    exec(bookext.KERNEL_CONFIG, {"c": config})          # the file the kernels read
    assert config.InlineBackend.figure_formats == {"retina"}
    assert config.InlineBackend.print_figure_kwargs == {"bbox_inches": None}
    assert bookext.FIGURE_DPI == layout.DPI             # one figure inch = DPI CSS px


def test_static_files_exist():
    for name in ("fep-book.css", "fep-figures.js"):
        assert (bookext.STATIC_DIR / name).is_file()
