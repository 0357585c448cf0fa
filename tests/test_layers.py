"""The imports run one way: core ← sheets ← cli/app (issue 11), with the engines and reports beside the core in
between; no module imports, even on first use, a module that imports it back; an import is at the top of its
module unless a comment says why not; and what waits for first use keeps start-up fast (issue 19, point 3)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tui_backprop"
# What each part of the package may import from the project, besides itself.
LIBRARY = {"training", "reports", "user_data"}  # beside the core: the engines and the reports
ALLOWED = {
    "core": set(),
    "sheets": {"core"},
    "training": {"core"},
    "reports": {"core"},
    "user_data": set(),
    "app": {"core", "sheets"} | LIBRARY,
    "cli": {"core", "sheets", "app"} | LIBRARY,
    "__main__": {"cli"},
}
FORBIDDEN_OUTSIDE = {
    "core": {"textual", "numpy", "rich", "plotext", "openpyxl"},
    "sheets": {"textual", "numpy", "rich", "plotext"},
    **{part: {"textual", "rich"} for part in LIBRARY},
}


def module_name(path: Path, root: Path = PACKAGE.parent) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST):
    """Every import statement that runs, at the top or on first use: not those under `if TYPE_CHECKING:`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []  # the type checker's imports: they never run, so they make no cycle
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node


def imported_modules(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """The absolute module names a file imports (relative imports resolved against its package)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        else:
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module:  # `from . import x` imports x, not the package's __init__
                names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path = PACKAGE.parent, package: str = "tui_backprop") -> dict[str, set[str]]:
    """Module -> the modules of the project it imports (a name `from m import x` reads is m, or m.x if a module)."""
    modules = {module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}
    graph = {}
    for name, path in modules.items():
        graph[name] = set()
        for imported in imported_modules(path, root):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph[name].add(imported)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import each other round in a circle (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for after in sorted(graph.get(node, ())):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in on_stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def part(path: Path) -> str:
    """Which part of the package a file belongs to: its folder (core, sheets, app) or its module (cli, bulk)."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_beneath_it(layer):
    files = [path for path in sorted(PACKAGE.rglob("*.py")) if part(path) == layer]
    assert files
    for path in files:
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] == "tui_backprop" and len(parts) > 1:
                assert parts[1] in ALLOWED[layer] | {layer}, f"{path.name} imports {name}"
            assert parts[0] not in FORBIDDEN_OUTSIDE.get(layer, set()), f"{path.name} imports {name}"


def test_every_part_of_the_package_has_its_layer():
    assert {part(path) for path in PACKAGE.rglob("*.py") if path.name != "__init__.py" or path.parent != PACKAGE} \
        == set(ALLOWED)


def test_the_check_finds_an_import_that_goes_the_wrong_way(tmp_path):
    """The test above can fail: a core module importing the app is caught."""
    wrong = PACKAGE / "core" / "stepper.py"
    names = imported_modules(wrong)
    assert "tui_backprop.core.history" in names  # relative imports are resolved to the package
    fake = tmp_path / "tui_backprop" / "core" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..app import main\nimport numpy\n")
    assert {"tui_backprop.app", "numpy"} <= imported_modules(fake, tmp_path)


def test_no_module_imports_one_that_imports_it_back():
    """No cycle, even through an import on first use: training/bulk.py and training/bulk_numpy.py, program.py and compiled.py
    each imported the other."""
    graph = import_graph()
    assert "tui_backprop.core.compiled" in graph["tui_backprop.core.program"]
    assert cycles(graph) == []


def test_the_check_finds_a_cycle_through_an_import_on_first_use(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("def thing():\n    from .c import other\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nfrom . import a\nif TYPE_CHECKING:\n    from . import d\n")
    (package / "d.py").write_text("from .c import x\n")
    assert cycles(import_graph(tmp_path, "pkg")) == [["pkg.a", "pkg.b", "pkg.c"]]  # d's only way back is for the type checker


def test_an_import_below_the_top_of_a_module_says_why():
    """Imports sit at the top of their module; one that waits for first use (a measured start-up cost,
    docs/architecture.md) has a comment on its line or the line above."""
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        top = {id(node) for node in tree.body}
        top |= {id(inner) for node in tree.body if isinstance(node, ast.Try) for inner in node.body + node.handlers[0].body}
        for node in _runtime_imports(tree):
            if id(node) in top:
                continue
            # The comment is on the import's line, or above the run of imports it belongs to.
            line = node.lineno - 1
            while "#" not in lines[line] and lines[line - 1].strip().startswith(("from ", "import ")):
                line -= 1
            if "#" not in lines[line] and not lines[line - 1].strip().startswith("#"):
                unexplained.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert unexplained == []


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh Python has loaded after `statement`."""
    done = subprocess.run([sys.executable, "-c", f"{statement}\nimport sys\nprint(' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_what_waits_for_first_use_is_not_loaded_at_start_up():
    """The commands start without textual; the app without what it imports on first use."""
    cli = loaded_after("import tui_backprop.cli")
    assert not {"textual", "numpy", "openpyxl", "plotext", "tui_backprop.app.main", "tui_backprop.sheets"} & cli
    app = loaded_after("import tui_backprop.app.main")
    waiting = {"numpy", "openpyxl", "plotext", "tomllib", "tui_backprop.core.loader", "tui_backprop.core.session",
               "tui_backprop.sheets", "tui_backprop.app.saving", "tui_backprop.app.rates", "tui_backprop.app.widgets.matrix",
               "tui_backprop.core.tutor", "tui_backprop.core.lesson", "tui_backprop.core.progress",
               "tui_backprop.app.widgets.tutor_bar", "tui_backprop.app.widgets.settings_screen"}
    assert not waiting & app
