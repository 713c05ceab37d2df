"""Grouping accuracy (GA) of logscan's templates on the Loghub-2k samples, against Drain's published figures.

The measure, shared by tests/test_loghub_ga.py and its command line, benchmarks/loghub_ga.py:

    python benchmarks/loghub_ga.py [--corpus DIR] [--patterns DIR] [DATASET ...]

DIR holds one folder per dataset with ``<Name>_2k.log_structured.csv`` (default: ../shared/corpus/loghub
beside the checkout). For each dataset the Content column is fed, one message per line, to
``logscan classify --no-join`` (as JSONL entries ``{"textPayload": ...}``, so a message that starts with
``[`` or is empty still stays one line), and the output's ``template`` field is the predicted group.

GA as the Loghub benchmark defines it (Zhu et al., ICSE-SEIP 2019): a message is right when its predicted
group holds exactly the messages of its ground-truth group (EventId); GA = right / messages with an EventId.

Prints ``dataset | our GA | Drain published GA``. Exit 0 when no dataset is below Drain's figure, 1 when
one is, 2 when the corpus cannot be read. Datasets without a published figure are shown, not judged.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "loghub"

DRAIN_GA = {
    "HDFS": 0.9975,
    "Apache": 1.0,
    "OpenSSH": 0.7875,
    "Linux": 0.69,
    "Zookeeper": 0.9665,
    "Proxifier": 0.5265,
    "HealthApp": 0.78,
    "Spark": 0.92,
    "Android": 0.911,
    "BGL": 0.963,
    "Hadoop": 0.948,
    "HPC": 0.887,
    "Mac": 0.787,
    "OpenStack": 0.733,
    "Thunderbird": 0.955,
    "Windows": 0.997,
}
"""Drain's GA on the Loghub-2k samples as published (Zhu et al., ICSE-SEIP 2019, Table "accuracy")."""

csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class Result:
    """One dataset's measure."""

    dataset: str
    ga: float
    messages: int
    groups: int
    truth_groups: int

    @property
    def drain(self) -> float | None:
        return DRAIN_GA.get(self.dataset)

    @property
    def below(self) -> bool:
        return self.drain is not None and self.ga < self.drain


def structured_csv(folder: Path) -> Path | None:
    """The dataset's ground-truth CSV, or None when the folder holds none."""
    found = sorted(folder.glob("*_structured.csv")) or sorted(folder.glob("*_structured*.csv"))
    return found[0] if found else None


def read_dataset(path: Path) -> tuple[list[str], list[str]]:
    """(Content, EventId) columns of a structured CSV; EventId is "" where the sample has none."""
    contents: list[str] = []
    truth: list[str] = []
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            contents.append(row.get("Content") or "")
            truth.append((row.get("EventId") or "").strip())
    return contents, truth


def templates_from_cli(contents: Sequence[str], patterns: Path | None = None) -> list[str]:
    """The ``template`` field of ``logscan classify --no-join`` for each message, in input order."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "content.jsonl"
        source.write_bytes(b"".join(orjson.dumps({"textPayload": c}) + b"\n" for c in contents))
        command = [
            sys.executable,
            "-c",
            "from logscan.cli import main; main()",
            "classify",
            "--no-join",
            str(source),
        ]
        if patterns is not None:
            command += ["--patterns", str(patterns)]
        done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"logscan classify exited {done.returncode}: {done.stderr.decode(errors='replace').strip()}"
        )
    templates: list[str | None] = [None] * len(contents)
    for line in done.stdout.splitlines():
        item = orjson.loads(line)
        templates[item["index"]] = item["template"]
    missing = [i for i, t in enumerate(templates) if t is None]
    if missing:
        raise RuntimeError(
            f"logscan classify gave no output for {len(missing)} messages (first: line {missing[0] + 2})"
        )
    return [t or "" for t in templates]


def grouping_accuracy(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """Share of messages (with a ground-truth EventId) whose predicted group equals their true group."""
    pred_groups: dict[str, list[int]] = defaultdict(list)
    true_groups: dict[str, set[int]] = defaultdict(set)
    for i, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        if t:
            pred_groups[p].append(i)
            true_groups[t].add(i)
    total = sum(len(g) for g in true_groups.values())
    right = 0
    for members in pred_groups.values():
        events = {truth[i] for i in members}
        if len(events) == 1 and true_groups[events.pop()] == set(members):
            right += len(members)
    return right / total if total else 1.0


def measure(folder: Path, patterns: Path | None = None) -> Result:
    """GA of one dataset folder."""
    path = structured_csv(folder)
    if path is None:
        raise FileNotFoundError(f"{folder}: holds no *_structured.csv")
    contents, truth = read_dataset(path)
    predicted = templates_from_cli(contents, patterns)
    return Result(
        dataset=folder.name,
        ga=grouping_accuracy(predicted, truth),
        messages=sum(1 for t in truth if t),
        groups=len({p for p, t in zip(predicted, truth, strict=True) if t}),
        truth_groups=len({t for t in truth if t}),
    )


def datasets(corpus: Path) -> list[Path]:
    """Dataset folders of a corpus, in name order."""
    return sorted(p for p in corpus.iterdir() if p.is_dir() and structured_csv(p) is not None)


def format_table(results: Sequence[Result]) -> str:
    lines = [
        "dataset     | our GA | Drain GA | groups (truth)",
        "------------|--------|----------|---------------",
    ]
    for r in results:
        drain = f"{r.drain:.4f}" if r.drain is not None else "   -  "
        flag = "  BELOW DRAIN" if r.below else ""
        lines.append(f"{r.dataset:<11} | {r.ga:.4f} | {drain:>8} | {r.groups} ({r.truth_groups}){flag}")
    judged = [r for r in results if r.drain is not None]
    if results:
        mean = sum(r.ga for r in results) / len(results)
        lines.append(f"{'mean':<11} | {mean:.4f} |          |")
    if judged:
        lines.append(
            f"{sum(not r.below for r in judged)}/{len(judged)} datasets at or above Drain's published GA"
        )
    return "\n".join(lines)
