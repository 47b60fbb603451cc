"""The package and its set-up: pyproject.toml against the pinned lock (requirements.txt), the
installed fep_core, the notebooks' imports, the README's test command against CI's, and ruff.

``packaging`` is a dependency of pytest itself, so it is present wherever the tests run.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements_lock() -> dict[str, tuple[str, Requirement]]:
    """requirements.txt as {canonical name: (line, requirement)}; comments and blanks skipped."""
    pins = {}
    for number, raw in enumerate((REPO / "requirements.txt").read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name not in pins, f"requirements.txt:{number}: {req.name} is pinned twice"
        pins[name] = (f"requirements.txt:{number}: {line}", req)
    return pins


def _declared() -> list[tuple[str, Requirement]]:
    """Every requirement of pyproject.toml's [project]: (where, requirement)."""
    project = PYPROJECT["project"]
    out = [("dependencies", Requirement(r)) for r in project.get("dependencies", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        out += [(f"optional-dependencies.{extra}", Requirement(r)) for r in reqs]
    return out


LOCK = _requirements_lock()
DECLARED = _declared()


def test_every_line_of_the_lock_is_an_exact_pin():
    assert LOCK, "requirements.txt pins nothing"
    for where, req in LOCK.values():
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, \
            f"{where}: not an exact `name==version` pin"
        assert not req.extras and req.marker is None and req.url is None, \
            f"{where}: a pin carries no extras, markers or URL"


@pytest.mark.parametrize("where, req", DECLARED, ids=[f"{w}:{r.name}" for w, r in DECLARED])
def test_declared_dependency_is_pinned_within_its_range(where, req):
    name = canonicalize_name(req.name)
    assert name in LOCK, f"pyproject {where}: {req} has no `==` pin in requirements.txt"
    line, pin = LOCK[name]
    pinned = Version(next(iter(pin.specifier)).version)
    assert req.specifier.contains(pinned, prereleases=True), \
        f"{line} does not satisfy pyproject {where}: {req}"


def test_every_pin_is_declared_by_pyproject():
    declared = {canonicalize_name(req.name) for _, req in DECLARED}
    undeclared = [line for name, (line, _) in LOCK.items() if name not in declared]
    assert not undeclared, ("pinned in requirements.txt but named nowhere in pyproject.toml "
                            "(dependencies or an extra):\n" + "\n".join(undeclared))


def test_no_notebook_edits_sys_path():
    notebooks = sorted((REPO / "book").rglob("*.ipynb"))
    notebooks = [nb for nb in notebooks if ".ipynb_checkpoints" not in nb.parts]
    assert notebooks, "no notebook found under book/"
    offenders = []
    for nb in notebooks:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            source = cell["source"]
            source = "".join(source) if isinstance(source, list) else source
            if cell["cell_type"] == "code" and "sys.path" in source:
                offenders.append(f"{nb.relative_to(REPO)}: cell {index}")
    assert not offenders, ("notebooks must import the installed fep_core (pip install -e .), "
                           "not edit sys.path:\n" + "\n".join(offenders))


def test_every_notebook_is_valid_with_unique_cell_ids():
    # nbformat 4.5 requires a cell id; a missing one is a warning now and an error in future
    # nbformat versions (and Jupyter Book's glue and cross-references key on them).
    import nbformat

    notebooks = [nb for nb in sorted((REPO / "book").rglob("*.ipynb"))
                 if ".ipynb_checkpoints" not in nb.parts]
    problems = []
    for path in notebooks:
        raw = json.loads(path.read_text(encoding="utf-8"))
        missing = [k for k, cell in enumerate(raw["cells"]) if "id" not in cell]
        ids = [cell.get("id") for cell in raw["cells"] if "id" in cell]
        if missing:
            problems.append(f"{path.name}: cells {missing} have no id")
        if len(set(ids)) != len(ids):
            problems.append(f"{path.name}: repeated cell ids")
        try:
            nbformat.validate(nbformat.reads(json.dumps(raw), as_version=4))
        except nbformat.ValidationError as error:
            problems.append(f"{path.name}: {error.message}")
    assert not problems, "\n".join(problems)


def test_fep_core_is_installed_from_this_checkout(tmp_path):
    """Imported from a directory outside the repository, with an isolated interpreter (no
    PYTHONPATH, no current directory on sys.path), fep_core is this checkout's package."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-I", "-c", "import fep_core; print(fep_core.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, ("fep_core is not importable outside the repository; install "
                                  f"it with `pip install --no-deps -e .`:\n{proc.stderr[-2000:]}")
    location = Path(proc.stdout.strip().splitlines()[-1]).resolve()
    assert location == (REPO / "fep_core" / "__init__.py").resolve(), \
        (f"fep_core resolves to {location}, not to this checkout ({REPO}); "
         "install it editable: `pip install --no-deps -e .`")


def _test_command_of_ci() -> str:
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("# --- README test command"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "# ---")
    command = [ln for ln in lines[start + 1:end] if ln.strip()]
    assert len(command) == 1, ".ci/run: the README test command is one line between the markers"
    return command[0].strip()


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "README.md: no ```bash block under 'Run the tests'"
    assert blocks[0].strip() == _test_command_of_ci(), \
        "README.md's test command and .ci/run's differ: keep them identical"


def test_pytest_configuration_registers_the_markers():
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"]
    names = {m.split(":", 1)[0].strip() for m in options["markers"]}
    assert {"slow", "browser"} <= names
    # nothing is deselected by default: CI runs every test
    assert not any(opt.startswith("-m") for opt in options["addopts"])


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None,
                    reason="ruff is not installed (it is pinned in requirements.txt and the test "
                           "extra; install it with `pip install -r requirements.txt`)")
def test_ruff_check_is_clean():
    """`ruff check .` with the configuration of pyproject.toml ([tool.ruff]) finds nothing."""
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--output-format", "concise", "."],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"ruff check . found problems:\n{proc.stdout[-6000:]}{proc.stderr}"


@pytest.mark.parametrize("nodeid, group", [
    ("book/simulation1.ipynb::Cell 0", "book"),
    ("tests/test_browser.py::test_page[book/theory]", "book"),
    ("tests/test_browser.py::test_strict_build_exits_zero", "book"),
    ("tests/test_cb.py::test_mean[0.5]", "tests/test_cb.py"),
    ("tests/test_jupyterlab.py::test_sliders_redraw_the_figure", "tests/test_jupyterlab.py"),
])
def test_xdist_scopes_keep_the_book_together(nodeid, group):
    """The build, its pages and nbval share one worker (nbval reads what the build cached); any
    other file is one group (its fixtures built once, a notebook's cells in one kernel)."""
    spec = importlib.util.spec_from_file_location("root_conftest", REPO / "conftest.py")
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    assert root.xdist_scope_of(nodeid) == group


def test_ci_runs_the_tests_on_two_workers_grouped():
    """Without --dist loadscope (and conftest.py's scopes), xdist would spread a notebook's
    cells over two kernels."""
    assert "-n 2 --dist loadscope" in _test_command_of_ci()
