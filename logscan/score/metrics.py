"""The figures of a scored corpus: per-class precision/recall/F1, macro-F1 and the confusion matrix.

Computed from matched outcomes only (match.py makes them), so they are a pure function of the
labels and their predictions. A class counts each outcome as its ``counted_as``: a routine platform line
called noise counts as platform. Unmatched labels stay in the figures as misses of their class.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from logscan.model import CLASSES, EventClass
from logscan.score.match import UNMATCHED, Outcome

MACRO_F1_TARGET = 0.95
"""The accuracy the issue asks for on the real corpus."""


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
class StackScore:
    """The figures of the labels of one stack (runtime)."""

    stack: str
    """The labels' ``stack`` value (node, go, java ...)."""
    labels: int
    """Labels of the stack."""
    correct: int
    """Of them, predicted right."""
    macro_f1: float
    """Macro-F1 over the stack's labels (classes it has labels or predictions of)."""
    regression_recall: float | None
    """Recall of its regression labels; None when it has none."""
    failures_called_noise: int
    """Its failure labels predicted noise."""


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
        return tuple(o for o in self.outcomes if o.label.is_failure and o.predicted == EventClass.NOISE)

    def recall_of(self, klass: str) -> float | None:
        """Recall of one class; None when the corpus has no label of it."""
        found = next((c for c in self.classes if c.klass == klass), None)
        return found.recall if found is not None and found.support else None

    @property
    def stacks(self) -> tuple[StackScore, ...]:
        """The figures per stack (the labels' ``stack`` field), sorted by stack; empty when no label has one."""
        groups: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            if outcome.label.stack:
                groups.setdefault(outcome.label.stack, []).append(outcome)
        out = []
        for stack in sorted(groups):
            part = score_outcomes(groups[stack])
            out.append(
                StackScore(
                    stack=stack,
                    labels=len(part.outcomes),
                    correct=sum(1 for o in part.outcomes if o.correct),
                    macro_f1=part.macro_f1,
                    regression_recall=part.recall_of(EventClass.REGRESSION),
                    failures_called_noise=len(part.failures_called_noise),
                )
            )
        return tuple(out)

    def meets_targets(self, target: float = MACRO_F1_TARGET) -> bool:
        """Macro-F1 at least the target and no failure called noise."""
        return self.macro_f1 >= target and not self.failures_called_noise

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary: figures, confusion, and the labels that went wrong."""
        return {
            "labels": len(self.outcomes),
            "macro_f1": round(self.macro_f1, 4),
            "classes": {
                str(c.klass): {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                    "predicted": c.predicted,
                }
                for c in self.classes
            },
            "confusion": {str(truth): {str(k): n for k, n in row} for truth, row in self.confusion},
            "stacks": {
                st.stack: {
                    "labels": st.labels,
                    "correct": st.correct,
                    "macro_f1": round(st.macro_f1, 4),
                    "regression_recall": None
                    if st.regression_recall is None
                    else round(st.regression_recall, 4),
                    "failures_called_noise": st.failures_called_noise,
                }
                for st in self.stacks
            },
            "unmatched": [_outcome_dict(o) for o in self.unmatched],
            "failures_called_noise": [_outcome_dict(o) for o in self.failures_called_noise],
            "errors": [_outcome_dict(o) for o in self.errors],
        }


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
