"""The exploration notebook runs end to end on the bundled example, and is committed without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import regex

from logscan.config import Config
from logscan.resources import data_dir
from logscan.sources.files import open_source

from .factories import triaged

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore.ipynb"


def test_the_notebook_is_committed_without_outputs() -> None:
    raw = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in raw["cells"] if cell["cell_type"] == "code"]
    assert code
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)


def test_the_notebook_holds_no_logic_of_its_own() -> None:
    source = "\n".join(
        "".join(c["source"])
        for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )
    imported = set(regex.findall(r"^(?:from|import) ([\w.]+)", source, flags=regex.M))
    assert {m.split(".")[0] for m in imported} <= {"logscan", "pandas", "matplotlib", "pathlib", "tempfile"}
    assert not regex.search(r"^\s*(?:def|class|lambda)\b", source, flags=regex.M)


def test_the_notebook_runs_on_the_bundled_example(tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    report = triaged([open_source(str(data_dir("examples") / "staging-missing-config.json"))], Config())
    assert f"{len(report.findings)} findings from" in text
    top = max((f for f in report.findings if f.klass != "noise"), key=lambda f: f.count)
    assert top.signature in text
    for klass in {f.klass for f in report.findings}:
        mine = [f for f in report.findings if f.klass == klass]
        row = rf"^{regex.escape(klass)}\s+{len(mine)}\s+{sum(f.count for f in mine)}$"
        assert regex.search(row, text, flags=regex.M), klass
