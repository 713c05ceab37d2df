"""The plain-text table that ``logscan score`` and benchmarks/accuracy.py print.

Display only: the figures and the lists of what went wrong come from a Score, already computed.
"""

from __future__ import annotations

from logscan.ingest.normalize import strip_ansi
from logscan.model import CLASSES
from logscan.score.match import UNMATCHED, Outcome
from logscan.score.metrics import MACRO_F1_TARGET, Score


def format_table(score: Score) -> str:
    """The figures as a plain-text table: per class, macro-F1, per stack (when labelled), confusion, then what
    went wrong."""
    out = [f"{'class':<22}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}{'predicted':>11}"]
    for c in score.classes:
        out.append(
            f"{c.klass:<22}{c.precision:>10.3f}{c.recall:>10.3f}{c.f1:>8.3f}{c.support:>9}{c.predicted:>11}"
        )
    out.append(f"macro-F1 {score.macro_f1:.4f} over {len(score.outcomes)} labels (target {MACRO_F1_TARGET})")
    stacks = score.stacks
    if stacks:
        out.append("")
        out.append(
            f"{'stack':<22}{'labels':>8}{'correct':>9}{'macro-F1':>10}{'regr. recall':>14}{'failures->noise':>17}"
        )
        for st in stacks:
            recall = "-" if st.regression_recall is None else f"{st.regression_recall:.3f}"
            out.append(
                f"{st.stack:<22}{st.labels:>8}{st.correct:>9}{st.macro_f1:>10.3f}{recall:>14}{st.failures_called_noise:>17}"
            )
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
