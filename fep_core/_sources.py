"""Which fep_core source files a module depends on, and a digest of them.

The compiled-code cache and the result cache are keyed on the sources that produced what they
store, and only on those: editing a plot label must neither recompile the engine nor recompute
the Simulation-2 grid, while editing the engine must do both. A module's sources are its own
file and, transitively, every fep_core module it imports (at module level or inside a function),
read from the import statements without importing anything.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import pathlib
from dataclasses import dataclass, field

__all__ = ["PACKAGE_DIR", "module_file", "module_name", "modules", "Imports", "scan", "cycles",
           "dependencies", "digest"]

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
_PACKAGE = PACKAGE_DIR.name


def module_file(name: str) -> pathlib.Path | None:
    """The source file of fep_core module ``name`` (dotted, e.g. ``"fep_core.plotting.sim1"``),
    or None if ``name`` is not a module of this package."""
    parts = name.split(".")
    if parts[0] != _PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: pathlib.Path) -> str:
    """Dotted name of the fep_core module in file ``path``."""
    rel = pathlib.Path(path).resolve().relative_to(PACKAGE_DIR).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join([_PACKAGE, *parts])


def modules() -> dict[str, pathlib.Path]:
    """Every module of the package: dotted name -> source file, sorted by name."""
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass
class Imports:
    """What one module takes from the rest of the package, read from its source.

    ``edges``: imported fep_core module -> first line (module level and function bodies);
    ``private``: reaches into another module's private names (``from .x import _y`` or
    ``x._y``), as ``"line N: what"``. Importing a module whose own name is private
    (``_validation``, ``_kernels``, ...) is not a reach; its private names are.
    """

    module: str
    edges: dict = field(default_factory=dict)
    private: list = field(default_factory=list)


def scan(module: str, path: pathlib.Path | None = None) -> Imports:
    """The :class:`Imports` of fep_core module ``module`` (its source read from ``path``, by
    default the module's own file)."""
    path = module_file(module) if path is None else pathlib.Path(path)
    if path is None:
        raise ValueError(f"module must be a module of {_PACKAGE}, got {module!r}")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found, bindings = Imports(module), {}

    def edge(target, line):
        if target != module:
            found.edges.setdefault(target, line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if module_file(alias.name) is not None:
                    edge(alias.name, node.lineno)
                    bindings[alias.asname or alias.name.partition(".")[0]] = (
                        alias.name if alias.asname else _PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if module_file(base) is None:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if module_file(sub) is not None:      # a module: its own name may be private
                    edge(sub, node.lineno)
                    bindings[alias.asname or alias.name] = sub
                else:                                 # a name defined in module ``base``
                    edge(base, node.lineno)
                    if _is_private(alias.name):
                        found.private.append(f"line {node.lineno}: from {base} import "
                                             f"{alias.name}")

    def resolve(expr):
        if isinstance(expr, ast.Name):
            return bindings.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = resolve(expr.value)
            if base is not None and module_file(f"{base}.{expr.attr}") is not None:
                return f"{base}.{expr.attr}"
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = resolve(node.value)
            name = f"{base}.{node.attr}"
            if base is not None and base != module and module_file(name) is None:
                found.private.append(f"line {node.lineno}: {name}")
    return found


def cycles(graph: dict) -> list[list[str]]:
    """Strongly connected components of more than one node of ``graph`` (node -> iterable of
    nodes), each sorted (Tarjan's algorithm)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@functools.lru_cache(maxsize=None)
def dependencies(name: str) -> tuple[pathlib.Path, ...]:
    """Source files of fep_core module ``name`` and of every fep_core module it imports,
    transitively, sorted.

    Raises
    ------
    ValueError
        If ``name`` is not a module of fep_core.
    """
    start = module_file(name)
    if start is None:
        raise ValueError(f"name must be a module of {_PACKAGE}, got {name!r}")
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(module_file(m) for m in scan(module_name(path), path).edges)
    return tuple(sorted(seen))


def digest(name: str) -> str:
    """16 hex digits of SHA-256 over the relative paths and contents of ``dependencies(name)``."""
    h = hashlib.sha256()
    for path in dependencies(name):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]
