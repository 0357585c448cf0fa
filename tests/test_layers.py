"""The imports run one way: core ← sheets ← cli/app (issue 11); the core imports neither textual nor numpy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tui_backprop"
# What each layer may import from the project, besides itself.
ALLOWED = {
    "core": set(),
    "sheets": {"core"},
}
FORBIDDEN_OUTSIDE = {"core": {"textual", "numpy", "rich", "plotext", "openpyxl"}}


def imported_modules(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """The absolute module names a file imports (relative imports resolved against its package)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_beneath_it(layer):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    for path in files:
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] == "tui_backprop" and len(parts) > 1:
                assert parts[1] in ALLOWED[layer] | {layer}, f"{path.name} imports {name}"
            assert parts[0] not in FORBIDDEN_OUTSIDE.get(layer, set()), f"{path.name} imports {name}"


def test_the_check_finds_an_import_that_goes_the_wrong_way(tmp_path):
    """The test above can fail: a core module importing the app is caught."""
    wrong = PACKAGE / "core" / "stepper.py"
    names = imported_modules(wrong)
    assert "tui_backprop.core.history" in names  # relative imports are resolved to the package
    fake = tmp_path / "tui_backprop" / "core" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..app import main\nimport numpy\n")
    assert {"tui_backprop.app", "numpy"} <= imported_modules(fake, tmp_path)
