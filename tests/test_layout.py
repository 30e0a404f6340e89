"""The layout: no import cycle, no import up the floors, no import of the face ``mmrare_core``.

Read with ``ast`` (nothing is imported), so every import counts: module level, in functions and
under ``if TYPE_CHECKING:``. A module imports its own floor and the floors below, never above.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = "mmrare_core"
ROOT = Path(__file__).resolve().parents[1] / "src" / PKG

#: first name under mmrare_core -> its floor; cli is the top floor, so it may import everything
FLOORS = {
    "errors": 0, "_version": 0,
    "base": 1, "rules": 2, "text": 3, "ontology": 4, "masking": 5, "documents": 6,
    "views": 7, "audit": 8, "scoring": 9, "cli": 10,
}  # fmt: skip


def _module_name(path: Path) -> str:
    parts = [PKG, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FILES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(source: str, package: str) -> list[tuple[int, str]]:
    """(line, imported mmrare_core module) for every import in ``source``, whose package is given."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: ``.`` is the package, ``..`` its parent
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # ``from pkg import submodule`` imports the submodule
                sub = f"{base}.{alias.name}"
                found.add((node.lineno, sub if sub in FILES else base))
    return sorted((n, m) for n, m in found if m == PKG or m.startswith(PKG + "."))


def _package(module: str) -> str:
    return module if FILES[module].name == "__init__.py" else module.rpartition(".")[0]


IMPORTS = {m: _imports(FILES[m].read_text(encoding="utf-8"), _package(m)) for m in FILES}
#: (importing module, "file:line: imported module", imported module) for every import
EDGES = [
    (m, f"{FILES[m].relative_to(ROOT.parent)}:{n}: {t}", t) for m in FILES for n, t in IMPORTS[m]
]


def test_the_reader_sees_every_kind_of_import() -> None:
    source = """
import mmrare_core.errors, json
from . import normalize
from ..ontology import model, Disorder
if TYPE_CHECKING:
    from mmrare_core.ontology.ontology import Ontology
def f():
    from mmrare_core import __version__
"""
    assert _imports(source, "mmrare_core.text") == [
        (2, "mmrare_core.errors"),
        (3, "mmrare_core.text.normalize"),
        (4, "mmrare_core.ontology"),  # for Disorder, a name in the package's __init__
        (4, "mmrare_core.ontology.model"),
        (6, "mmrare_core.ontology.ontology"),
        (8, "mmrare_core"),
    ]


def test_no_import_cycle() -> None:
    graph: dict[str, dict[str, str]] = {m: {} for m in FILES}
    for module, where, target in reversed(EDGES):  # the first line that imports each target
        if target in FILES:
            graph[module][target] = where
    state: dict[str, str] = {}
    path: list[tuple[str, str]] = []  # (module, its import that leads on)
    cycles = []

    def visit(module: str) -> None:
        state[module] = "on the path"
        for target, where in sorted(graph[module].items()):
            path.append((module, where))
            if state.get(target) == "on the path":
                start = next(i for i, (m, _) in enumerate(path) if m == target)
                cycles.append(" -> ".join(w for _, w in path[start:]))
            elif target not in state:
                visit(target)
            path.pop()
        state[module] = "done"

    for module in FILES:
        if module not in state:
            visit(module)
    assert not cycles, "import cycles (TYPE_CHECKING imports count):\n" + "\n".join(cycles)


def _floor(module: str) -> int:
    return FLOORS.get(module.split(".")[1], -1) if module != PKG else -1


def test_no_module_imports_a_higher_floor() -> None:
    unplaced = {m.split(".")[1] for m in FILES if m != PKG and "__main__" not in m} - set(FLOORS)
    assert not unplaced, f"give these a floor in FLOORS: {sorted(unplaced)}"
    exempt = {m for m in FILES if m == PKG or m.endswith("__main__")}  # the face, __main__ files
    bad = [
        f"{where} (floor {_floor(module)} imports floor {_floor(target)})"
        for module, where, target in EDGES
        if module not in exempt and target != PKG and _floor(target) > _floor(module)
    ]
    bad += [where + " (no such module)" for _, where, target in EDGES if target not in FILES]
    assert not bad, "imports up the floors:\n" + "\n".join(bad)


def test_no_module_imports_the_face() -> None:
    bad = [where for module, where, target in EDGES if target == PKG and "__main__" not in module]
    assert not bad, f"import the module that holds the name, not the face {PKG}:\n" + "\n".join(bad)


def _declares_all(init: Path) -> bool:
    nodes = ast.walk(ast.parse(init.read_text(encoding="utf-8"))) if init.exists() else []
    return any(
        isinstance(n, ast.Name) and n.id == "__all__" and isinstance(n.ctx, ast.Store)
        for n in nodes
    )


def test_every_subpackage_has_an_init_with_all() -> None:
    inits = sorted({p.parent / "__init__.py" for p in ROOT.rglob("*.py") if p.parent != ROOT})
    bad = [
        f"{init.relative_to(ROOT.parent)}: {'no __all__' if init.exists() else 'missing'}"
        for init in inits
        if not _declares_all(init)
    ]
    assert not bad, "every subpackage needs an __init__.py with __all__:\n" + "\n".join(bad)
