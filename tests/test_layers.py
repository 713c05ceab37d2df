"""The package layout is the pipeline: every import (function-level and TYPE_CHECKING ones too) points to
the shared core, its own stage, or an earlier stage, and no two modules import each other in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "logscan"

# Stages in pipeline order; a module may import its own stage and any stage listed before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "logscan",
        "logscan.model",
        "logscan.config",
        "logscan.errors",
        "logscan.resources",
        "logscan.redaction",
    ),
    ("logscan.sources",),
    ("logscan.ingest",),
    ("logscan.templates",),
    ("logscan.classify",),
    ("logscan.verdict",),
    ("logscan.report",),
    ("logscan.pipeline",),
    ("logscan.publish", "logscan.score", "logscan.notebook", "logscan.sql"),
    ("logscan.cli",),
    ("logscan.__main__",),
)
GOOGLE_HOME = "logscan.sources.cloud"
"""The only subpackage that may import google.* (the cloud clients)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every logscan module that `name` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "logscan")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "logscan":
                continue
            # "from pkg import mod" imports the module pkg.mod
            subs = {f"{target}.{a.name}" for a in node.names} & known
            found.update(subs or {target})
    return {m for m in found if m != name}


def google_imports(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        if any(n == "google" or n.startswith("google.") for n in names):
            return True
    return False


def layer_of(module: str) -> int:
    best = (-1, -1)  # (length of the matching prefix, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), index)
    if best[1] < 0:
        raise AssertionError(f"{module} is in no stage: add its subpackage to LAYERS in {__file__}")
    return best[1]


def stage_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def upward_edges(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            if target in ("logscan", "logscan.__init__") and source.startswith("logscan."):
                continue  # the package's own __init__ (version) is core
            if layer_of(target) > layer_of(source):
                problems.append(
                    f"{source} imports {target}: {stage_of(target)} is a later stage than {stage_of(source)}. "
                    "Move the shared piece down into the earlier stage or the core (model, config, errors)."
                )
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_belongs_to_a_stage() -> None:
    for name in modules():
        layer_of(name)


def test_no_import_points_to_a_later_stage() -> None:
    problems = upward_edges(graph())
    assert not problems, "\n".join(problems)


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_only_the_cloud_sources_import_google() -> None:
    offenders = [
        name
        for name, path in modules().items()
        if google_imports(path) and not (name == GOOGLE_HOME or name.startswith(GOOGLE_HOME + "."))
    ]
    assert not offenders, f"only {GOOGLE_HOME} may import google.*; also found in: {', '.join(offenders)}"


def test_the_checker_sees_an_upward_import_inside_a_function(tmp_path: Path) -> None:
    source = tmp_path / "logscan" / "sources" / "bad.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from ..verdict.decide import decide\n    return decide\n")
    edges = {"logscan.sources.bad": imports_of("logscan.sources.bad", source, {"logscan.verdict.decide"})}
    assert upward_edges(edges) == [
        "logscan.sources.bad imports logscan.verdict.decide: logscan.verdict is a later stage than "
        "logscan.sources. Move the shared piece down into the earlier stage or the core (model, config, errors)."
    ]


def test_the_checker_sees_a_cycle() -> None:
    edges = {"logscan.a.x": {"logscan.a.y"}, "logscan.a.y": {"logscan.a.z"}, "logscan.a.z": {"logscan.a.x"}}
    assert cycles(edges) == [["logscan.a.x", "logscan.a.y", "logscan.a.z"]]


@pytest.mark.parametrize("module", ["logscan.model", "logscan.sources.cloud.client"])
def test_layer_lookup(module: str) -> None:
    assert layer_of(module) == (0 if module == "logscan.model" else 1)
