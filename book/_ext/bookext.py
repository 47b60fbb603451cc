"""Sphinx extension for the book build (loaded by ``_config.yml`` via ``sphinx.local_extensions``).

1. Pins matplotlib for the kernels the build starts. myst-nb runs every notebook in a kernel
   subprocess that inherits this process's environment, so setting it here fixes, whatever the
   reader's own setup:

   * ``MPLBACKEND``: the non-interactive inline backend (a GUI backend such as TkAgg set in a
     reader's environment would open windows, or fail on a headless CI machine);
   * ``MATPLOTLIBRC``: a generated matplotlibrc with a fixed DPI, so the figures (and their pixel
     size in the HTML) do not depend on a personal matplotlibrc.

2. Re-reads (hence re-executes) every notebook on every build. Sphinx only re-reads sources
   that changed since the last build, so without this a second ``jupyter-book build .`` would
   keep pages computed with an older ``fep_core``, and would not repeat their warnings.

3. Puts one line under the title of every notebook page naming the command that opens that
   notebook live in JupyterLab (the static page cannot run its sliders).

4. Bounds the build's stalls (issue 10). Measured with ``tools/notebook_soak.py``: about one
   notebook execution in thirty (ipykernel 7.4.0 and 6.31.0 alike) stalled with the kernel idle
   and the build waiting, for exactly the per-cell timeout, after which it went on normally.
   That is the signature of a wake-up missed by the asyncio client (pyzmq's asyncio poll only
   re-checks its socket when its timeout expires; nbclient waits for a cell's reply with one
   poll as long as the cell's whole timeout). The client therefore polls in slices of
   ``POLL_SLICE_S`` seconds: a missed wake-up then costs at most a slice.

5. Executes a notebook once more when one of its cells exceeds the per-cell timeout
   (``execute.timeout`` in ``_config.yml``), in a fresh kernel. The retry is logged
   (``NOTEBOOK RETRY: ...``); a second timeout fails the build as before.

6. Ships the site without the themes' source maps (``*.map``, 3.4 MB): they serve only a
   developer's browser tools, and a reader's browser never requests them.

7. Serves BokehJS from the site itself for the chapters' precomputed panels (issue 12): the
   build copies the installed bokeh package's JavaScript (core and widgets, versioned names)
   into ``_static/bokeh/`` and loads it on the pages that hold a panel (a
   ``fep-static-panel`` element), so no page asks a CDN for it.

8. Serves MathJax from the site itself (MathJax 3.2.2 as shipped inside the
   ``sphinx-mathjax-offline`` package): maths is typeset offline and no page asks a CDN.

9. Figures for the page (issue 13): the kernels store every figure as a PNG at twice the pixel
   density (IPython's "retina" format; the page shows it at its drawn size, one figure inch =
   ``FIGURE_DPI`` CSS px, the scale of :mod:`fep_core.plotting.layout`), cut at the figure's own
   size (no "tight" bounding box that would change its width). Each image's alt text is its
   figure's caption. ``static/fep-figures.js`` enlarges a figure on click; ``static/fep-book.css``
   lets a display equation or a table too wide for the column scroll inside its own box.

It lives in ``book/_ext/``; the browser test (tests/test_browser.py) checks the pages it shapes.
"""
from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from queue import Empty

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

BACKEND = "module://matplotlib_inline.backend_inline"
FIGURE_DPI = 100

RC_TEXT = f"""\
# Written by book/_ext/bookext.py for the book build; do not edit.
figure.dpi: {FIGURE_DPI}
savefig.dpi: figure
"""

# The kernels' IPython configuration (IPYTHONDIR of the build): figures as PNG at twice the pixel
# density, the page showing them at their drawn size, cut at the figure's own size.
KERNEL_CONFIG = """\
# Written by book/_ext/bookext.py for the book build; do not edit.
c.InlineBackend.figure_formats = {"retina"}
c.InlineBackend.print_figure_kwargs = {"bbox_inches": None}
"""
STATIC_DIR = Path(__file__).parent / "static"


def _pin_matplotlib(app) -> None:
    rc_dir = Path(app.doctreedir) / "matplotlib"
    rc_dir.mkdir(parents=True, exist_ok=True)
    rc_file = rc_dir / "matplotlibrc"
    rc_file.write_text(RC_TEXT, encoding="utf-8")
    os.environ["MPLBACKEND"] = BACKEND
    os.environ["MATPLOTLIBRC"] = str(rc_file)
    ipython_dir = Path(app.doctreedir) / "ipython"
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    # every figure a chapter draws is checked against the page (fep_core.plotting.layout)
    os.environ["FEP_CORE_CHECK_FIGURES"] = "1"


def _add_static(app, config) -> None:
    """The book's own CSS and JavaScript (``static/``), on every page."""
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]


_GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5),
    ("eta", 0x3B7), ("theta", 0x3B8), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC),
    ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4), ("phi", 0x3C6),
    ("Sigma", 0x3A3), ("Delta", 0x394))}
_SYMBOLS = {"sum": "Σ", "times": "×", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
            "to": "→", "approx": "≈", "infty": "∞", "pm": "±", "in": "∈", "ln": "ln", "exp": "exp",
            "top": "ᵀ", "prime": "′", "mid": "|", ",": " ", ";": " ", "!": "", "quad": " "}


def plain_tex(tex: str) -> str:
    """A formula as plain text for alt text: ``\\mathcal N(\\mu, \\sigma^2)`` -> ``N(μ, σ^2)``."""
    import re

    out = re.sub(r"\\(?:mathrm|mathcal|mathbf|text|operatorname|boldsymbol)\s*", "", tex)
    out = re.sub(r"\\(left|right|big|Big)\b", "", out)
    out = re.sub(r"\\([A-Za-z]+|[,;!])",
                 lambda m: _GREEK.get(m.group(1), _SYMBOLS.get(m.group(1), m.group(1))), out)
    out = out.replace("{", "").replace("}", "").replace("_", "").replace("~", " ")
    return " ".join(out.split())


def _alt_is_caption(app, doctree, docname) -> None:
    """Give every image inside a captioned figure its caption as alt text (myst-nb leaves the
    PNG's file path)."""
    for figure in doctree.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        if not captions:
            continue
        caption = captions[0].deepcopy()
        for formula in list(caption.findall(nodes.math)):
            formula.replace_self(nodes.Text(plain_tex(formula.astext())))
        text = " ".join(caption.astext().split())
        for image in figure.findall(nodes.image):
            image["alt"] = text


def _open_live_note(app, doctree) -> None:
    env = app.env
    source = Path(env.doc2path(env.docname))
    if source.suffix != ".ipynb" or env.docname == app.config.root_doc:
        return          # the front page computes its figure but is not a chapter to run
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    relative = source.relative_to(app.srcdir).as_posix()
    note = nodes.paragraph(classes=["open-in-jupyterlab"])
    note += nodes.emphasis(text="Run this chapter live, sliders included: ")
    note += nodes.literal(text=f"jupyter lab {relative}")
    note += nodes.emphasis(text=" (from the repository root, after the set-up in "
                                "“Running the book locally”; the download button above gives "
                                "the .ipynb).")
    section.insert(1, note)


def _always_reread_notebooks(app, env, added, changed, removed):
    return [doc for doc in env.found_docs
            if doc not in added and Path(env.doc2path(doc)).suffix == ".ipynb"]


POLL_SLICE_S = 0.5


def sliced_get_msg(original):
    """``AsyncZMQSocketChannel.get_msg`` that waits for a message in polls of at most
    ``POLL_SLICE_S`` seconds, with the same contract (the message, or ``Empty`` once ``timeout``
    seconds have passed; ``timeout=None`` waits for ever).

    Every poll that ends re-checks the socket, so a wake-up missed by the event loop delays a
    message by at most one slice instead of until the caller's timeout.
    """
    async def get_msg(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = POLL_SLICE_S
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            if await self.socket.poll(int(wait * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty

    get_msg.original = original
    return get_msg


def install_sliced_poll() -> None:
    """Patch jupyter_client's asyncio channel (used by nbclient, hence by myst-nb) in place."""
    from jupyter_client.channels import AsyncZMQSocketChannel

    current = AsyncZMQSocketChannel.get_msg
    if not hasattr(current, "original"):
        AsyncZMQSocketChannel.get_msg = sliced_get_msg(current)


def retry_on_timeout(execute, log=logger.info):
    """Wrap jupyter-cache's ``single_nb_execution`` so that a notebook whose cell timed out is
    executed once more, from its unexecuted state, in a fresh kernel.

    ``execute(nb, cwd=..., ...)`` executes ``nb`` in place and returns a result whose ``err`` is
    the exception of a failed run (``CellTimeoutError`` for a timeout) or None.
    """
    from nbclient.exceptions import CellTimeoutError

    def execute_with_retry(nb, *args, **kwargs):
        pristine = copy.deepcopy(nb)      # the first run writes outputs into nb
        result = execute(nb, *args, **kwargs)
        if not isinstance(result.err, CellTimeoutError):
            return result
        first_line = str(result.err).strip().splitlines()[0] if str(result.err).strip() else ""
        log(f"NOTEBOOK RETRY: a cell timed out ({first_line}); executing the notebook once "
            "more in a fresh kernel")
        nb.clear()
        nb.update(pristine)
        return execute(nb, *args, **kwargs)

    execute_with_retry.wrapped = execute
    return execute_with_retry


def _install_retry() -> None:
    from myst_nb.core.execute import direct

    current = getattr(direct, "single_nb_execution", None)
    if current is None:
        # A myst-nb upgrade moved the call: fail loudly rather than build without the retry.
        raise RuntimeError("bookext: myst_nb.core.execute.direct.single_nb_execution not found; "
                           "update the notebook retry for this myst-nb version")
    if not hasattr(current, "wrapped"):
        direct.single_nb_execution = retry_on_timeout(current)


def _drop_source_maps(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        for path in Path(app.outdir).rglob("*.map"):
            path.unlink()


BOKEH_DIR = "bokeh"
MATHJAX_DIR = "mathjax"
# What a page may load of MathJax 3: the distribution shipped inside the sphinx-mathjax-offline
# package (MathJax 3.2.2), less its other combined builds and its speech-rule engine: the
# theme's own combined build (tex-mml-chtml.js) and what it loads on demand (TeX extensions,
# the CHTML web fonts, the menu and its accessibility parts).
MATHJAX_PARTS = ("tex-mml-chtml.js", "input", "output", "a11y", "ui", "adaptors")


def _copy_mathjax(app) -> None:
    """Copy MathJax into the output's ``_static/mathjax/`` (``mathjax_path`` in _config.yml
    points there), so that maths is typeset offline and no page asks a CDN for it."""
    import importlib.util
    import shutil

    if app.builder.format != "html":
        return
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None:
        raise RuntimeError("the book needs the sphinx-mathjax-offline package (requirements.txt)")
    source = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / MATHJAX_DIR
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
        else:
            shutil.copytree(src, dst, dirs_exist_ok=True)


def _copy_bokeh(app) -> None:
    """Copy BokehJS into the output's ``_static/bokeh/`` (run when the builder starts)."""
    import shutil

    from fep_core.plotting.static import js_files

    if app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / BOKEH_DIR
    target.mkdir(parents=True, exist_ok=True)
    for source, name in js_files():
        shutil.copyfile(source, target / name)


def _load_bokeh(app, pagename, templatename, context, doctree) -> None:
    """Load BokehJS, in the page's head, on pages holding a precomputed panel."""
    if doctree is None:
        return
    if not any("fep-static-panel" in node.astext() for node in doctree.findall(nodes.raw)):
        return
    from fep_core.plotting.static import js_files

    for _source, name in js_files():
        app.add_js_file(f"{BOKEH_DIR}/{name}", priority=200)


def setup(app):
    install_sliced_poll()
    _install_retry()
    # builder-inited runs before any document is read, hence before any notebook is executed.
    app.connect("builder-inited", _pin_matplotlib)
    app.connect("env-get-outdated", _always_reread_notebooks)
    app.connect("doctree-read", _open_live_note)
    app.connect("build-finished", _drop_source_maps)
    app.connect("builder-inited", _copy_bokeh)
    app.connect("builder-inited", _copy_mathjax)
    app.connect("html-page-context", _load_bokeh)
    app.connect("config-inited", _add_static)
    app.connect("doctree-resolved", _alt_is_caption)
    app.add_css_file("fep-book.css")
    app.add_js_file("fep-figures.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
