"""Score classification against a labels file: per-class precision/recall/F1, macro-F1, confusion.

A labels file (``labels.jsonl``) holds one JSON object per labelled event: ``source`` (a file name in
the raw folder), ``text``, ``label`` (one of the five classes), ``detail``, optional ``insertId`` and
optional ``ambiguous``. Each raw file is classified record by record, exactly as
``logscan classify --no-join`` does (``classify_stream`` with ``Config(join=False)``), and every label
is joined to the records it names:

- by ``insertId`` when the label has one and a record of its source carries it (when the label's text
  runs on over the following entries, as a traceback split one line per entry does, it spans them);
- otherwise by text: the label's text (ANSI codes removed, line ends trimmed) equals one record's text,
  or the texts of several consecutive records joined by newlines (a traceback labelled as one event).
  The first place in the file where it matches is used.

A label that spans several records is predicted the most severe class among them, in the order
``expected-config > platform > regression > deprecation-warning > noise`` (``SEVERITY_ORDER``): one
line that names the missing setting or the failure decides what the event is.

Labels that match no record are counted as misses of their class (never dropped) and listed.
A ``platform`` label whose detail starts with ``routine:`` counts as correct when predicted ``noise``
(Cloud Run's lifecycle lines may be called noise). "Failures called noise" are labels of class
regression or expected-config, or platform with a ``failure:`` detail, that were predicted noise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from .config import Config
from .errors import InputError
from .library import Library, load_library
from .model import CLASSES, DEPRECATION, EXPECTED_CONFIG, NOISE, PLATFORM, REGRESSION
from .normalize import strip_ansi

SEVERITY_ORDER: tuple[str, ...] = (EXPECTED_CONFIG, PLATFORM, REGRESSION, DEPRECATION, NOISE)
"""Most severe first: a multi-record label takes the first of these that any of its records got."""

UNMATCHED = "unmatched"
"""Prediction of a label that no record matched (a miss of its class)."""

MACRO_F1_TARGET = 0.95
"""The accuracy the issue asks for on the real corpus."""

_FAILURE_CLASSES = (REGRESSION, EXPECTED_CONFIG)


@dataclass(frozen=True)
class Label:
    """One labelled event from labels.jsonl."""

    line: int
    """Line number in the labels file (1-based), to point at it."""
    source: str
    """Raw file name the event comes from."""
    text: str
    """The event's text as labelled."""
    label: str
    """True class."""
    detail: str
    """Why, in words; ``routine:``/``failure:`` prefixes matter for platform labels."""
    insert_id: str | None = None
    """The LogEntry's insertId, when the source is an export."""
    ambiguous: bool = False
    """Another class is defensible for this event."""

    @property
    def is_routine_platform(self) -> bool:
        """A Cloud Run lifecycle line: noise is an acceptable prediction."""
        return self.label == PLATFORM and self.detail.startswith("routine:")

    @property
    def is_failure(self) -> bool:
        """A label that must never be called noise."""
        return self.label in _FAILURE_CLASSES or (
            self.label == PLATFORM and self.detail.startswith("failure:")
        )


@dataclass(frozen=True)
class Outcome:
    """What the classifier said about one label."""

    label: Label
    """The label."""
    predicted: str
    """Predicted class, or UNMATCHED when no record matched."""
    rule: str | None
    """Rule that gave the predicted class (None when unmatched)."""
    records: int
    """How many records the label spans (0 when unmatched)."""
    how: str
    """insertId, text or none: how the label was joined to records."""

    @property
    def counted_as(self) -> str:
        """The prediction as scored: routine platform lines called noise count as platform."""
        if self.predicted == NOISE and self.label.is_routine_platform:
            return PLATFORM
        return self.predicted

    @property
    def correct(self) -> bool:
        """The scored prediction equals the label."""
        return self.counted_as == self.label.label


@dataclass(frozen=True)
class ClassScore:
    """Precision, recall and F1 of one class."""

    klass: str
    """The class."""
    precision: float
    """Correct predictions of the class over all predictions of it (0 when none)."""
    recall: float
    """Correct predictions of the class over its labels (0 when none)."""
    f1: float
    """Harmonic mean of precision and recall."""
    support: int
    """Labels of the class."""
    predicted: int
    """Labels predicted as the class (after the routine-platform allowance)."""


@dataclass(frozen=True)
class Score:
    """The whole measurement."""

    classes: tuple[ClassScore, ...]
    """Per class, in CLASSES order."""
    macro_f1: float
    """Mean F1 over the classes that have labels or predictions."""
    confusion: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    """Rows by true class; each row counts predictions per class, then UNMATCHED."""
    outcomes: tuple[Outcome, ...]
    """Every label with its prediction, in labels-file order."""

    @property
    def errors(self) -> tuple[Outcome, ...]:
        """Labels predicted wrongly (including unmatched ones)."""
        return tuple(o for o in self.outcomes if not o.correct)

    @property
    def unmatched(self) -> tuple[Outcome, ...]:
        """Labels that no record matched."""
        return tuple(o for o in self.outcomes if o.predicted == UNMATCHED)

    @property
    def failures_called_noise(self) -> tuple[Outcome, ...]:
        """Regression, expected-config and platform-failure labels predicted noise: the worst mistake."""
        return tuple(o for o in self.outcomes if o.label.is_failure and o.predicted == NOISE)

    def meets_targets(self, target: float = MACRO_F1_TARGET) -> bool:
        """Macro-F1 at least the target and no failure called noise."""
        return self.macro_f1 >= target and not self.failures_called_noise

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary: figures, confusion, and the labels that went wrong."""
        return {
            "labels": len(self.outcomes),
            "macro_f1": round(self.macro_f1, 4),
            "classes": {
                c.klass: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                    "predicted": c.predicted,
                }
                for c in self.classes
            },
            "confusion": {truth: dict(row) for truth, row in self.confusion},
            "unmatched": [_outcome_dict(o) for o in self.unmatched],
            "failures_called_noise": [_outcome_dict(o) for o in self.failures_called_noise],
            "errors": [_outcome_dict(o) for o in self.errors],
        }


def load_labels(path: Path) -> list[Label]:
    """Read labels.jsonl; a broken line raises InputError naming the file and line."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.strerror}). Pass the labels.jsonl of a corpus."
        ) from None
    labels: list[Label] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InputError(
                f"{path}:{number}: is not a JSON object. Each line needs source, text, label."
            ) from None
        if not isinstance(item, dict):
            raise InputError(f"{path}:{number}: is not a JSON object. Each line needs source, text, label.")
        for key in ("source", "text", "label"):
            if not isinstance(item.get(key), str):
                raise InputError(f"{path}:{number}: field '{key}' is missing or not a string.")
        if item["label"] not in CLASSES:
            raise InputError(f"{path}:{number}: label {item['label']!r} is not one of {', '.join(CLASSES)}.")
        insert_id = item.get("insertId")
        labels.append(
            Label(
                line=number,
                source=item["source"],
                text=item["text"],
                label=item["label"],
                detail=str(item.get("detail") or ""),
                insert_id=str(insert_id) if insert_id else None,
                ambiguous=bool(item.get("ambiguous", False)),
            )
        )
    return labels


@dataclass(frozen=True)
class Prediction:
    """One classified record of a raw file, as the scorer needs it."""

    text: str
    """The record's cleaned text."""
    klass: str
    """Class the library gave it."""
    rule: str
    """Rule that claimed it."""
    insert_id: str | None
    """The entry's insertId, if any."""


def score_corpus(
    labels_path: Path, raw_dir: Path, library: Library | None = None, patterns_dir: Path | None = None
) -> Score:
    """Classify every raw file a label names and score the labels against it."""
    from .pipeline import classify_stream
    from .sources.files import FileSource

    labels = load_labels(labels_path)
    if not raw_dir.is_dir():
        raise InputError(
            f"{raw_dir}: raw folder not found. Pass --raw DIR holding the files labels.jsonl names."
        )
    lib = library if library is not None else load_library(patterns_dir)
    config = Config(join=False, patterns_dir=patterns_dir)
    predictions: dict[str, list[Prediction]] = {}
    for source in sorted({label.source for label in labels}):
        path = raw_dir / source
        if not path.is_file():
            predictions[source] = []  # every label of it is reported unmatched
            continue
        predictions[source] = [
            Prediction(item.event.clean, item.klass, item.rule, item.event.first.insert_id)
            for item in classify_stream([FileSource(str(path))], config, lib)
        ]
    return score_outcomes(match_labels(labels, predictions))


def match_labels(labels: Iterable[Label], predictions: dict[str, list[Prediction]]) -> list[Outcome]:
    """Join each label to the records of its source and give it the most severe predicted class."""
    indexes = {source: _Index(records) for source, records in predictions.items()}
    outcomes: list[Outcome] = []
    for label in labels:
        index = indexes.get(label.source)
        span, how = index.find(label) if index is not None else (None, "none")
        if span is None or index is None:
            outcomes.append(Outcome(label, UNMATCHED, None, 0, "none"))
            continue
        records = index.records[span[0] : span[1]]
        best = min(records, key=lambda r: SEVERITY_ORDER.index(r.klass))
        outcomes.append(Outcome(label, best.klass, best.rule, len(records), how))
    return outcomes


def score_outcomes(outcomes: Sequence[Outcome]) -> Score:
    """Per-class precision/recall/F1, macro-F1 and the confusion matrix of joined labels."""
    support = Counter(o.label.label for o in outcomes)
    predicted = Counter(o.counted_as for o in outcomes)
    correct = Counter(o.label.label for o in outcomes if o.correct)
    classes: list[ClassScore] = []
    for klass in CLASSES:
        precision = correct[klass] / predicted[klass] if predicted[klass] else 0.0
        recall = correct[klass] / support[klass] if support[klass] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassScore(klass, precision, recall, f1, support[klass], predicted[klass]))
    scored = [c for c in classes if c.support or c.predicted]
    macro = sum(c.f1 for c in scored) / len(scored) if scored else 0.0
    columns = (*CLASSES, UNMATCHED)
    pairs = Counter((o.label.label, o.counted_as) for o in outcomes)
    confusion = tuple(
        (truth, tuple((col, pairs[(truth, col)]) for col in columns)) for truth in CLASSES if support[truth]
    )
    return Score(tuple(classes), macro, confusion, tuple(outcomes))


def _norm(text: str) -> str:
    """Text as compared: ANSI codes removed, CRLF as LF, trailing blanks of each line trimmed."""
    return "\n".join(line.rstrip() for line in strip_ansi(text).replace("\r\n", "\n").split("\n")).strip("\n")


class _Index:
    """Records of one source, findable by insertId and by first line."""

    def __init__(self, records: list[Prediction]) -> None:
        self.records = records
        self.texts = [_norm(r.text) for r in records]
        self.by_id: dict[str, int] = {}
        self.by_first_line: dict[str, list[int]] = {}
        for i, (record, text) in enumerate(zip(records, self.texts, strict=True)):
            if record.insert_id is not None:
                self.by_id.setdefault(record.insert_id, i)
            self.by_first_line.setdefault(text.split("\n", 1)[0], []).append(i)

    def find(self, label: Label) -> tuple[tuple[int, int] | None, str]:
        """(start, end) of the records the label names, and how it was found."""
        target = _norm(label.text)
        if label.insert_id is not None and label.insert_id in self.by_id:
            i = self.by_id[label.insert_id]
            # a traceback split into one entry per line: the label's text runs on from its first entry
            end = self._span(i, target) if "\n" in target else None
            return (i, end or i + 1), "insertId"
        for start in self.by_first_line.get(target.split("\n", 1)[0], ()):
            end = self._span(start, target)
            if end is not None:
                return (start, end), "text"
        return None, "none"

    def _span(self, start: int, target: str) -> int | None:
        joined = ""
        for end in range(start, len(self.texts)):
            joined = self.texts[end] if end == start else f"{joined}\n{self.texts[end]}"
            if joined == target:
                return end + 1
            if not target.startswith(joined + "\n"):
                return None
        return None


def _outcome_dict(outcome: Outcome) -> dict[str, object]:
    label = outcome.label
    return {
        "line": label.line,
        "source": label.source,
        "label": label.label,
        "predicted": outcome.predicted,
        "rule": outcome.rule,
        "detail": label.detail,
        "ambiguous": label.ambiguous,
        "text": label.text[:200],
    }


def format_table(score: Score) -> str:
    """The figures as a plain-text table: per class, macro-F1, confusion, then what went wrong."""
    out = [f"{'class':<22}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}{'predicted':>11}"]
    for c in score.classes:
        out.append(
            f"{c.klass:<22}{c.precision:>10.3f}{c.recall:>10.3f}{c.f1:>8.3f}{c.support:>9}{c.predicted:>11}"
        )
    out.append(f"macro-F1 {score.macro_f1:.4f} over {len(score.outcomes)} labels (target {MACRO_F1_TARGET})")
    out.append("")
    columns = (*CLASSES, UNMATCHED)
    short = {k: k.split("-")[0][:10] for k in columns}
    out.append("confusion (rows: label, columns: predicted)")
    out.append(f"{'':<22}" + "".join(f"{short[c]:>11}" for c in columns))
    for truth, row in score.confusion:
        out.append(f"{truth:<22}" + "".join(f"{n:>11}" for _, n in row))
    out.append("")
    out.append(f"failures called noise: {len(score.failures_called_noise)}")
    for o in score.failures_called_noise:
        out.append(f"  {_describe(o)}")
    out.append(f"unmatched labels: {len(score.unmatched)}")
    for o in score.unmatched:
        out.append(f"  {_describe(o)}")
    wrong = [o for o in score.errors if o.predicted != UNMATCHED]
    out.append(f"misclassified: {len(wrong)}")
    for o in wrong:
        out.append(f"  {_describe(o)}")
    return "\n".join(out) + "\n"


def _describe(outcome: Outcome) -> str:
    label = outcome.label
    text = strip_ansi(label.text).replace("\n", "\\n")[:110]
    flag = " (ambiguous)" if label.ambiguous else ""
    return (
        f"labels:{label.line} {label.source}: {label.label} -> {outcome.predicted}"
        f" [{outcome.rule or '-'}]{flag}: {text}"
    )
