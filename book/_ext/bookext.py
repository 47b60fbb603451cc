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

It lives in ``book/_ext/``; the browser test (tests/test_browser.py) checks the pages it shapes.
"""
from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes

BACKEND = "module://matplotlib_inline.backend_inline"
FIGURE_DPI = 100

RC_TEXT = f"""\
# Written by book/_ext/bookext.py for the book build; do not edit.
figure.dpi: {FIGURE_DPI}
savefig.dpi: figure
"""


def _pin_matplotlib(app) -> None:
    rc_dir = Path(app.doctreedir) / "matplotlib"
    rc_dir.mkdir(parents=True, exist_ok=True)
    rc_file = rc_dir / "matplotlibrc"
    rc_file.write_text(RC_TEXT, encoding="utf-8")
    os.environ["MPLBACKEND"] = BACKEND
    os.environ["MATPLOTLIBRC"] = str(rc_file)


def _open_live_note(app, doctree) -> None:
    env = app.env
    source = Path(env.doc2path(env.docname))
    if source.suffix != ".ipynb":
        return
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


def setup(app):
    # builder-inited runs before any document is read, hence before any notebook is executed.
    app.connect("builder-inited", _pin_matplotlib)
    app.connect("env-get-outdated", _always_reread_notebooks)
    app.connect("doctree-read", _open_live_note)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
