"""Comparing a target's findings with a baseline's: new, persisting, gone, rates, and a baseline with no data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from logscan.model import CLASSES, ComparisonStatus, Counts, Evidence, Finding
from logscan.verdict.aggregate import Summary
from logscan.verdict.compare import compare

T0 = datetime(2025, 10, 7, 9, 30, tzinfo=UTC)


def finding(signature: str, count: int, klass: str = "regression") -> Finding:
    return Finding(
        klass=klass,
        rule=signature.split(":", 1)[0],
        signature=signature,
        key=None,
        count=count,
        records=count,
        first_seen=T0,
        last_seen=T0,
        instances=("00f46b92ab",),
        example="KeyError: 'customer_id'",
        template="KeyError: 'customer_id'",
        hint="",
        description="",
        severity="ERROR",
    )


def summary(
    *findings: Finding,
    minutes: float | None = 30,
    records: int = 200,
    streams: tuple[tuple[str, int], ...] | None = None,
    revision: str = "invoices-api-00042-fol",
    service: str = "invoices-api",
    skipped: int = 0,
) -> Summary:
    return Summary(
        findings=tuple(findings),
        counts=Counts(
            records=records,
            events=records,
            skipped=skipped,
            truncated_lines=0,
            by_stream=streams
            if streams is not None
            else (("requests", records // 2), ("stderr", records - records // 2)),
            by_class=tuple((c, 0) for c in CLASSES),
        ),
        evidence=Evidence(requests=records // 2 if streams is None else 0),
        window_start=T0 if minutes is not None else None,
        window_end=T0 + timedelta(minutes=minutes) if minutes is not None else None,
        service=service,
        revision=revision,
        timeline=(),
    )


def test_each_finding_is_new_persisting_or_gone_with_counts_on_both_sides() -> None:
    target = summary(
        finding("fallback-traceback:KeyError:9a6d", 4), finding("module-not-found:weasyprint", 3)
    )
    base = summary(
        finding("fallback-traceback:KeyError:9a6d", 4),
        finding("container-exit-nonzero:1", 2, "platform"),
        revision="invoices-api-00041-rex",
    )
    compared, comparison = compare(target, base, ["base.json"])
    by_sig = {f.signature: f for f in compared.findings}
    keyerror, module = by_sig["fallback-traceback:KeyError:9a6d"], by_sig["module-not-found:weasyprint"]
    assert (keyerror.status, keyerror.count, keyerror.baseline_count, keyerror.rate_growth) == (
        "persisting",
        4,
        4,
        1.0,
    )
    assert (module.status, module.count, module.baseline_count, module.rate_growth) == ("new", 3, 0, None)
    assert comparison.status == ComparisonStatus.COMPARED
    assert (comparison.new, comparison.persisting, comparison.gone) == (1, 1, 1)
    (gone,) = comparison.gone_findings
    assert (gone.signature, gone.status, gone.count, gone.baseline_count) == (
        "container-exit-nonzero:1",
        "gone",
        0,
        2,
    )
    assert comparison.revision == "invoices-api-00041-rex" and comparison.sources == ("base.json",)
    assert comparison.reason.startswith("Compared with baseline invoices-api-00041-rex (200 records, ")
    assert comparison.reason.endswith("1 new, 1 persisting, 1 gone (noise not counted).")


def test_rate_growth_accounts_for_window_lengths() -> None:
    sig = "fallback-traceback:KeyError:9a6d"
    # 8 in 60 minutes after 4 in 30 minutes: the same rate, although the count doubled
    same = compare(summary(finding(sig, 8), minutes=60), summary(finding(sig, 4), minutes=30), ["b"])[0]
    assert same.findings[0].rate_growth == 1.0
    # 40 in 30 minutes after 4 in 30 minutes: ten times the rate
    surge = compare(summary(finding(sig, 40)), summary(finding(sig, 4)), ["b"])[0]
    assert surge.findings[0].rate_growth == 10.0
    # without timestamps on one side, counts are compared as they are
    plain = compare(summary(finding(sig, 6), minutes=None), summary(finding(sig, 4), minutes=30), ["b"])[0]
    assert plain.findings[0].rate_growth == 1.5


def test_a_window_shorter_than_a_minute_counts_as_a_minute() -> None:
    sig = "fallback-traceback:KeyError:9a6d"
    burst = compare(summary(finding(sig, 3), minutes=0), summary(finding(sig, 3), minutes=1), ["b"])[0]
    assert burst.findings[0].rate_growth == 1.0


def test_empty_baseline_makes_the_comparison_inconclusive_and_touches_no_finding() -> None:
    target = summary(finding("fallback-traceback:KeyError:9a6d", 4))
    empty = summary(records=0, streams=(), minutes=None, revision="", service="")
    compared, comparison = compare(target, empty, ["empty.json"])
    assert comparison.status == ComparisonStatus.INCONCLUSIVE
    assert compared.findings[0].status is None and compared.findings[0].baseline_count is None
    assert (comparison.new, comparison.persisting, comparison.gone) == (0, 0, 0)
    assert comparison.reason == (
        "Baseline empty.json has no log entries: no finding can be called new or persisting. "
        "Check the baseline export or revision."
    )


def test_baseline_with_only_audit_logs_has_no_data() -> None:
    audit_only = summary(records=3, streams=(("audit", 3),), revision="invoices-api-00041-rex")
    _, comparison = compare(summary(finding("x:1", 1)), audit_only, ["audit.json"])
    assert comparison.status == ComparisonStatus.INCONCLUSIVE
    assert "has no application or system log entries" in comparison.reason


def test_noise_gets_a_status_but_is_not_counted_or_listed_as_gone() -> None:
    target = summary(finding("uvicorn-access:ab12", 90, "noise"))
    base = summary(finding("uvicorn-access:ab12", 80, "noise"), finding("startup-chatter:cd34", 5, "noise"))
    compared, comparison = compare(target, base, ["b"])
    assert compared.findings[0].status == "persisting"
    assert (comparison.new, comparison.persisting, comparison.gone, comparison.gone_findings) == (0, 0, 0, ())


def test_notes_flag_a_baseline_that_is_the_target_or_another_service() -> None:
    sig = finding("x:1", 1)
    _, itself = compare(summary(sig), summary(sig), ["same.json"])
    assert itself.notes == (
        "The baseline is the target revision itself (invoices-api-00042-fol): every finding persists.",
    )
    _, other = compare(
        summary(sig), summary(sig, service="billing-api", revision="billing-api-00003-kek", skipped=2), ["o"]
    )
    assert other.notes == (
        "The baseline is another service (billing-api, target invoices-api).",
        "2 unreadable baseline entries were skipped.",
    )
