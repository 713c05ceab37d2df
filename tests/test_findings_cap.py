"""verdict/aggregate.py's cap on findings per class: a log of many distinct messages keeps memory and the report
bounded, folds the long tail into one counted 'other' finding per class, and says so; a frequent finding
survives however late it starts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from logscan.classify.library import load_library
from logscan.cli import cli
from logscan.model import Classified, EventClass
from logscan.verdict.aggregate import MAX_FINDINGS_PER_CLASS, Aggregator

from . import factories

_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopqrstuv")


def _item(text: str, signature: str, klass: EventClass = EventClass.NOISE) -> Classified:
    return Classified(
        event=factories.event(text),
        klass=klass,
        rule="unclaimed",
        key=None,
        signature=signature,
        template=text,
    )


def test_the_long_tail_is_folded_and_counted() -> None:
    acc = Aggregator(load_library(), max_findings=10)
    for i in range(1000):
        acc.add_event(_item(f"cache warm {i}", f"unclaimed:{i}"))
    summary = acc.summary(0)
    kept = [f for f in summary.findings if f.rule != "other"]
    other = [f for f in summary.findings if f.rule == "other"]
    assert len(kept) == 10 and len(other) == 1
    assert other[0].klass == EventClass.NOISE and other[0].signature == "other:noise"
    assert sum(f.count for f in summary.findings) == 1000  # nothing lost: counted in 'other'
    assert summary.notes == (
        "findings: 990 less frequent noise findings (990 events) were folded into one 'other' finding; "
        "the 10 most frequent are listed",
    )
    assert len(acc._accs) <= 20  # memory: at most twice the cap per class, whatever the input


def test_a_frequent_finding_that_starts_late_is_kept() -> None:
    acc = Aggregator(load_library(), max_findings=10)
    for i in range(500):
        acc.add_event(_item(f"cache warm {i}", f"unclaimed:{i}"))
    for _ in range(30):
        acc.add_event(_item("ModuleNotFoundError: No module named 'billing'", "late", EventClass.REGRESSION))
        acc.add_event(_item("payment provider timeout", "late-noise"))
    for i in range(500, 600):
        acc.add_event(_item(f"cache warm {i}", f"unclaimed:{i}"))
    findings = {f.signature: f for f in acc.summary(0).findings}
    assert findings["late"].count == 30 and findings["late-noise"].count == 30
    assert findings["other:noise"].count == 600 - 9


def test_a_report_of_many_distinct_messages_stays_bounded_and_says_what_was_folded(tmp_path: Path) -> None:
    n = 3 * MAX_FINDINGS_PER_CLASS
    # letters only (no hex, no digits), so masks cannot make two messages one template
    words = [hashlib.sha1(str(i).encode()).hexdigest().translate(_LETTERS) for i in range(n)]
    entries = [
        factories.log_entry(f"{w[:6]} {w[6:12]} {w[12:18]} ready", i * 0.01, severity="INFO")
        for i, w in enumerate(words)
    ]
    export = factories.write_export(tmp_path / "logs.json", entries)
    result = CliRunner().invoke(cli, ["triage", str(export), "--format", "json"])
    report = json.loads(result.stdout)
    noise = [f for f in report["findings"] if f["class"] == "noise"]
    assert len(noise) <= MAX_FINDINGS_PER_CLASS + 1
    assert sum(f["count"] for f in noise) == n
    assert any("less frequent noise findings" in line for line in report["provenance"]["skipped_detail"])
