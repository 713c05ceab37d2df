"""pyproject.toml declares every distribution the package imports directly, and nothing it never imports."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "logscan"


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_norm(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported() -> dict[str, str]:
    """Every module logscan imports (function-level imports included) that is neither stdlib nor logscan,
    with a file that imports it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "logscan" and top not in sys.stdlib_module_names:
                    found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def _owners(wanted: set[Path]) -> dict[Path, str]:
    """The distribution that installed each wanted file. Only files named like one are resolved: resolving
    every installed file took most of this test's 20 seconds."""
    names = {path.name for path in wanted}
    owners: dict[Path, str] = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or ():
            if file.name in names:
                path = Path(str(file.locate())).resolve()
                if path in wanted:
                    owners[path] = _norm(dist.metadata["Name"])
    return owners


def test_every_imported_distribution_is_declared_and_every_declared_one_is_imported() -> None:
    declared, imported = _declared(), sorted(_imported().items())
    origins: dict[str, Path] = {}
    for module, where in imported:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin, f"{where} imports {module}, which is not installed"
        origins[module] = Path(spec.origin).resolve()
    owners = _owners(set(origins.values()))
    used: set[str] = set()
    undeclared = []
    for module, where in imported:
        owner = owners.get(origins[module])
        assert owner is not None, (
            f"{where} imports {module} ({origins[module]}): no installed distribution owns it"
        )
        used.add(owner)
        if owner not in declared:
            undeclared.append(f"{module} (from {owner}, imported by {where})")
    assert not undeclared, "add to [project] dependencies in pyproject.toml: " + "; ".join(undeclared)
    unused = declared - used
    assert not unused, f"declared but never imported by logscan: {', '.join(sorted(unused))}"
