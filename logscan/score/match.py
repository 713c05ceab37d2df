"""Read a labels file and join each label to the classified records it names.

This is the half of the accuracy harness that knows about files and text; the figures are computed in
score_metrics.py from the outcomes made here, so they can be tested on hand-built outcomes.

A labels file (``labels.jsonl``) holds one JSON object per labelled event: ``source`` (a file name in
the raw folder), ``text``, ``label`` (one of the five classes), ``detail``, optional ``insertId``,
optional ``ambiguous`` and optional ``stack`` (the runtime that printed it: figures are also given per
stack). Every label is joined to the records of its source:

- by ``insertId`` when the label has one and a record of its source carries it (when the label's text
  runs on over the following entries, as a traceback split one line per entry does, it spans them);
- otherwise by text: the label's text (ANSI codes removed, line ends trimmed) equals one record's text,
  or the texts of several consecutive records joined by newlines (a traceback labelled as one event);
  a record's text as found (with a paste's timestamp or compose prefix) counts as well as its text.
  The first place in the file where it matches is used.

A label that spans several records is predicted the most severe class among them, in the order
``expected-config > platform > regression > deprecation-warning > noise`` (``SEVERITY_ORDER``): one
line that names the missing setting or the failure decides what the event is.

Labels that match no record are predicted ``UNMATCHED``: misses of their class (never dropped).
A ``platform`` label whose detail starts with ``routine:`` counts as correct when predicted ``noise``
(Cloud Run's lifecycle lines may be called noise). "Failures called noise" are labels of class
regression or expected-config, or platform with a ``failure:`` detail, that were predicted noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from logscan.errors import InputError
from logscan.ingest.normalize import strip_ansi
from logscan.model import CLASSES, EventClass

SEVERITY_ORDER: tuple[EventClass, ...] = (
    EventClass.EXPECTED_CONFIG,
    EventClass.PLATFORM,
    EventClass.REGRESSION,
    EventClass.DEPRECATION,
    EventClass.NOISE,
)
"""Most severe first: a multi-record label takes the first of these that any of its records got."""

UNMATCHED = "unmatched"
"""Prediction of a label that no record matched (a miss of its class)."""

_FAILURE_CLASSES = (EventClass.REGRESSION, EventClass.EXPECTED_CONFIG)


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
    stack: str | None = None
    """The runtime that printed it (node, go, java, dotnet, ruby, php, python ...), when the label says."""

    @property
    def is_routine_platform(self) -> bool:
        """A Cloud Run lifecycle line: noise is an acceptable prediction."""
        return self.label == EventClass.PLATFORM and self.detail.startswith("routine:")

    @property
    def is_failure(self) -> bool:
        """A label that must never be called noise."""
        return self.label in _FAILURE_CLASSES or (
            self.label == EventClass.PLATFORM and self.detail.startswith("failure:")
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
        if self.predicted == EventClass.NOISE and self.label.is_routine_platform:
            return EventClass.PLATFORM
        return self.predicted

    @property
    def correct(self) -> bool:
        """The scored prediction equals the label."""
        return self.counted_as == self.label.label


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
                stack=str(item["stack"]) if isinstance(item.get("stack"), str) and item["stack"] else None,
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
    raw: str | None = None
    """The record's text as found, when it differs from ``text`` (a paste's timestamp or compose prefix):
    a label may quote either."""


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


def _norm(text: str) -> str:
    """Text as compared: ANSI codes removed, CRLF as LF, trailing blanks of each line trimmed."""
    return "\n".join(line.rstrip() for line in strip_ansi(text).replace("\r\n", "\n").split("\n")).strip("\n")


class _Index:
    """Records of one source, findable by insertId and by first line."""

    def __init__(self, records: list[Prediction]) -> None:
        self.records = records
        self.texts = [_norm(r.text) for r in records]
        self.raws = [
            _norm(r.raw) if r.raw is not None else text for r, text in zip(records, self.texts, strict=True)
        ]
        self.by_id: dict[str, int] = {}
        self.by_first_line: dict[str, list[int]] = {}
        for i, (record, text, raw) in enumerate(zip(records, self.texts, self.raws, strict=True)):
            if record.insert_id is not None:
                self.by_id.setdefault(record.insert_id, i)
            self.by_first_line.setdefault(text.split("\n", 1)[0], []).append(i)
            if raw is not text:
                self.by_first_line.setdefault(raw.split("\n", 1)[0], []).append(i)

    def find(self, label: Label) -> tuple[tuple[int, int] | None, str]:
        """(start, end) of the records the label names, and how it was found."""
        target = _norm(label.text)
        if label.insert_id is not None and label.insert_id in self.by_id:
            i = self.by_id[label.insert_id]
            # a traceback split into one entry per line: the label's text runs on from its first entry
            end = self._span(i, target) if "\n" in target else None
            return (i, end or i + 1), "insertId"
        for start in self.by_first_line.get(target.split("\n", 1)[0], ()):
            end = self._span(start, target) or self._span(start, target, self.raws)
            if end is not None:
                return (start, end), "text"
        return None, "none"

    def _span(self, start: int, target: str, texts: list[str] | None = None) -> int | None:
        texts = self.texts if texts is None else texts
        joined = ""
        for end in range(start, len(texts)):
            joined = texts[end] if end == start else f"{joined}\n{texts[end]}"
            if joined == target:
                return end + 1
            if not target.startswith(joined + "\n"):
                return None
        return None
