"""The data model every pipeline stage speaks: frozen dataclasses, no dicts past normalize."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Final


class EventClass(StrEnum):
    """What an event means for the deploy; a rule assigns one. The values are the names rules and reports use."""

    EXPECTED_CONFIG = "expected-config"
    """Missing or wrong configuration the environment is expected to supply."""
    DEPRECATION = "deprecation-warning"
    """A dependency or API warns that it will stop working."""
    REGRESSION = "regression"
    """The code failed: an exception, a crash, a wrong answer."""
    PLATFORM = "platform"
    """Cloud Run itself: probes, scaling, instance limits."""
    NOISE = "noise"
    """Routine output that says nothing about the deploy."""


CLASSES: Final = tuple(EventClass)
"""The five classes, in the order reports show them (most actionable first is decided elsewhere)."""


class Level(StrEnum):
    """The verdict's level."""

    PASS = "PASS"
    """Nothing new or unaccepted fails or warns."""
    EXPECTED_CONFIG = "EXPECTED_CONFIG"
    """The only failures are configuration gaps the environment tolerates (and what they explain)."""
    WARN = "WARN"
    """Something warns (a deprecation, a persisting failure whose rate grew), nothing fails."""
    FAIL = "FAIL"
    """A failure this deploy brought, under the environment's policy."""
    INCONCLUSIVE = "INCONCLUSIVE"
    """The input cannot decide: no logs, a read that stopped early, an undecidable comparison."""


class FindingStatus(StrEnum):
    """How a finding compares with the baseline revision's findings."""

    NEW = "new"
    """The baseline never logged its signature."""
    PERSISTING = "persisting"
    """The baseline logged it too."""
    GONE = "gone"
    """The baseline logged it, the target no longer does."""


class ComparisonStatus(StrEnum):
    """Whether a comparison with the baseline could be made."""

    COMPARED = "COMPARED"
    """Every finding has a FindingStatus."""
    INCONCLUSIVE = "INCONCLUSIVE"
    """The baseline had no data to compare with: findings keep status None."""


SEVERITIES: Final = (
    "DEFAULT",
    "DEBUG",
    "INFO",
    "NOTICE",
    "WARNING",
    "ERROR",
    "CRITICAL",
    "ALERT",
    "EMERGENCY",
)
"""Cloud Logging's LogSeverity names, lowest first."""


def severity_rank(name: str) -> int:
    """Position of a severity name in SEVERITIES; unknown names rank as DEFAULT."""
    try:
        return SEVERITIES.index(name)
    except ValueError:
        return 0


@dataclass(frozen=True)
class HttpRequest:
    """The parts of a LogEntry's httpRequest that triage uses."""

    status: int | None
    """HTTP status code the revision answered with (None when the request got no answer)."""
    method: str | None
    """Request method, such as GET."""
    url: str | None
    """Request URL as logged."""
    latency: str | None
    """Latency as Cloud Logging writes it, such as "0.0123s"."""


@dataclass(frozen=True)
class Record:
    """One input entry, normalized: a LogEntry, a structured object or one line of text."""

    index: int
    """Position in the input, counting from 0 across all sources."""
    text: str
    """The entry's text as found (ANSI codes and all); empty for request logs with no text."""
    clean: str
    """The text with ANSI colour codes removed: what rules match against."""
    severity: str
    """LogSeverity name; DEFAULT when the entry had none."""
    stream: str
    """stdout, stderr, varlog/system, requests, audit, text, or other."""
    timestamp: datetime | None
    """When the entry was written (timezone-aware UTC), if known."""
    source: str
    """The file (or "cloud-logging") the record came from."""
    service: str | None = None
    """Cloud Run service name."""
    revision: str | None = None
    """Cloud Run revision name."""
    instance: str | None = None
    """Container instance id (labels.instanceId)."""
    insert_id: str | None = None
    """The entry's insertId; None for plain text input."""
    http_request: HttpRequest | None = None
    """The request log's httpRequest, when present."""
    truncated: bool = False
    """True when the text was cut to the line-length bound."""
    region: str | None = None
    """Cloud Run region (resource.labels.location), for the commands a report suggests."""


@dataclass(frozen=True)
class Event:
    """One or more consecutive records that belong together (a traceback, a split message)."""

    records: tuple[Record, ...]
    """The records joined into this event, in input order; never empty."""
    text: str
    """The records' original texts joined by newlines."""
    clean: str
    """The records' cleaned texts joined by newlines: what rules match against."""

    @property
    def first(self) -> Record:
        """The event's first record, whose metadata stands for the event."""
        return self.records[0]

    @property
    def index(self) -> int:
        """Input index of the first record."""
        return self.records[0].index


@dataclass(frozen=True)
class Raised:
    """The exception an event reports, whatever the language."""

    language: str
    """python, node, jvm, dotnet, go, ruby or php."""
    type: str
    """The exception's type as printed (``java.lang.IllegalStateException``, ``TypeError``, ``panic``)."""
    message: str
    """Its message, first line only (may be empty)."""
    causes: tuple[str, ...] = ()
    """Types of the exceptions it was caused by, root cause first (Java ``Caused by:``, .NET ``--->``,
    Node ``[cause]:``, Python's chained tracebacks; read by templates/causes.py)."""


@dataclass(frozen=True)
class Classified:
    """An event with the class and rule that claimed it."""

    event: Event
    """The event that was classified."""
    klass: EventClass
    """The class of the rule that won (NOISE when none did)."""
    rule: str
    """Id of the rule that won; fallback ids say no rule claimed it."""
    key: str | None
    """What the rule extracted (an env var's name, a deprecated package), if anything."""
    signature: str
    """Stable identity of the failure: equal across revisions and runs."""
    template: str
    """The message with variable parts masked."""
    raised: Raised | None = None
    """The exception the event reports, for events of a failure class (None for noise or no exception)."""


@dataclass(frozen=True)
class Finding:
    """All events of one signature, aggregated."""

    klass: EventClass
    """The class of the rule that claimed the events."""
    rule: str
    """Rule id that claimed the events."""
    signature: str
    """Signature shared by the events."""
    key: str | None
    """Extracted key (env var, package), if any."""
    count: int
    """How many events had this signature."""
    records: int
    """How many input records those events joined."""
    first_seen: datetime | None
    """Timestamp of the earliest event."""
    last_seen: datetime | None
    """Timestamp of the latest event."""
    instances: tuple[str, ...]
    """Distinct instance ids that logged it (sorted)."""
    example: str
    """Text of one event, ANSI codes removed."""
    template: str
    """Masked template of the example."""
    hint: str
    """The rule's remediation hint."""
    description: str
    """The rule's description."""
    severity: str
    """Highest severity seen among the events."""
    status: FindingStatus | None = None
    """New, persisting or gone against a baseline; None without one (or when it was INCONCLUSIVE)."""
    baseline_count: int | None = None
    """Count in the baseline, when compared."""
    rate_growth: float | None = None
    """For a persisting finding: its rate in the target divided by its rate in the baseline."""
    suppression: Suppression | None = None
    """The policy file's suppression that matched this finding (active or expired), if any."""
    suppressed: bool = False
    """True when a suppression matched and has not expired: shown folded, not counted by the verdict."""
    config_symptom: bool = False
    """Its rule says missing configuration can cause it (a failed start, the exit that follows)."""
    causes: CauseChain | None = None
    """The chained exceptions its example holds, root cause first; None when it holds none."""
    root: Link | None = None
    """When its example holds chained exceptions: the root cause's exception line as the library classifies it."""
    context: tuple[Link, ...] = ()
    """The other links of the failure chain this finding is the root of, folded into it (not listed apart)."""


@dataclass(frozen=True)
class Suppression:
    """An accepted finding, from the policy file: keyed by rule id or by signature, until it expires."""

    rule: str | None
    """Rule id it matches (every signature of that rule), or None when keyed by signature."""
    signature: str | None
    """Exact signature it matches, or None when keyed by rule id."""
    reason: str
    """Why the finding is accepted."""
    owner: str
    """Who answers for it."""
    issue: str
    """Link to the issue that tracks the fix."""
    expires: date
    """Last day the suppression applies; from the next day on the finding counts again."""
    where: str
    """Where it is written, as file:line."""
    expired: bool = False
    """True when the run's date is past expires."""


@dataclass(frozen=True)
class Reason:
    """One line of the verdict's explanation."""

    text: str
    """What decided, in words."""
    signatures: tuple[str, ...] = ()
    """Findings that drove it."""
    policy: tuple[str, ...] = ()
    """Policy lines that decided it, as file:line key (or "built-in policy: key")."""
    evidence: tuple[str, ...] = ()
    """What the reason rests on (counts, first seen, instances), shown folded under it."""


@dataclass(frozen=True)
class Served:
    """Whether the revision started and answered requests, from the evidence."""

    started: bool | None
    """True when a probe succeeded or the app said it started; False on startup failure; None if unknown."""
    served: bool | None
    """True when requests got non-5xx answers; False when none did; None when no requests were seen."""
    evidence: tuple[str, ...]
    """Short statements of what the answer rests on."""


@dataclass(frozen=True)
class Verdict:
    """The decision and why."""

    level: Level
    """How the deploy went."""
    reasons: tuple[Reason, ...]
    """What drove the level, most important first."""
    served: Served
    """Did the revision start and serve."""
    chains: tuple[Chain, ...] = ()
    """Each failure from its root cause to the platform's symptom, most severe first."""


@dataclass(frozen=True)
class Template:
    """A mined template of messages no rule claimed."""

    template: str
    """The template, variable parts as <*> or named masks."""
    count: int
    """How many events fell into it."""
    example: str
    """One event text."""
    rule_stub: str
    """YAML for a rule that would claim it, to paste into patterns/."""


@dataclass(frozen=True)
class Counts:
    """How much input there was and where it went."""

    records: int
    """Input records read."""
    events: int
    """Events after joining."""
    skipped: int
    """Input records that could not be read (damaged), never silently dropped."""
    truncated_lines: int
    """Records whose text was cut to the length bound."""
    by_stream: tuple[tuple[str, int], ...]
    """Records per stream, sorted by stream name."""
    by_class: tuple[tuple[EventClass, int], ...]
    """Events per class, in CLASSES order."""


@dataclass(frozen=True)
class Provenance:
    """Where the report came from, so a reader can reproduce it."""

    version: str
    """logscan version."""
    patterns_hash: str
    """Hash of the pattern library that classified."""
    generated_at: datetime
    """When the report was made (injected clock)."""
    sources: tuple[str, ...]
    """Input files or the Cloud Logging project."""
    window_start: datetime | None
    """Earliest entry or requested window start."""
    window_end: datetime | None
    """Latest entry or requested window end."""
    filter: str | None = None
    """Cloud Logging filter that produced the input, when fetched."""
    logs_explorer_url: str | None = None
    """Link that opens the same query in the Logs Explorer."""
    env: str = "staging"
    """Environment whose policy applied."""
    truncated: bool = False
    """True when the read stopped early (a cap or a failure)."""
    redacted: bool = True
    """False when --no-redact was given."""
    skipped_detail: tuple[str, ...] = ()
    """One line per source that had skipped records."""
    policy: str | None = None
    """The policy file that applied and how it was found; None for the built-in policy."""
    engine: str | None = None
    """Where the entries were classified first: None here, "bigquery" for a BigQuery triage."""
    query: str | None = None
    """The engine's query that chose the downloaded entries."""
    bytes_processed: int | None = None
    """Bytes the engine's queries processed."""
    rows_downloaded: int | None = None
    """Entries the engine returned."""
    entries_counted: int | None = None
    """Entries the engine counted without returning them."""


@dataclass(frozen=True)
class Subject:
    """What one report is about: a Cloud Run service's revision, as the entries name it."""

    service: str | None
    """Service name; None when the entries name none (a paste)."""
    revision: str | None
    """Revision name; None when the entries name none."""


@dataclass(frozen=True)
class Report:
    """Everything a renderer shows, already decided, sorted and cut to size."""

    service: str | None
    """Service name (most common in the input)."""
    revision: str | None
    """Revision name (most common in the input)."""
    verdict: Verdict
    """The decision."""
    findings: tuple[Finding, ...]
    """Findings sorted by importance."""
    counts: Counts
    """Input and class counts."""
    provenance: Provenance
    """Where it came from."""
    templates: tuple[Template, ...] = ()
    """Top templates of unclaimed noise-class messages."""
    next_steps: tuple[str, ...] = ()
    """What to do next, derived from the findings."""
    timeline: tuple[tuple[str, tuple[tuple[EventClass, int], ...]], ...] = field(default=())
    """Per minute (ISO label), events per class."""
    timeline_seconds: tuple[tuple[str, tuple[tuple[EventClass, int], ...]], ...] = ()
    """Per second (ISO label), events per class, when the whole window lasts ten minutes or less."""
    exited_at: datetime | None = None
    """When the platform first reported the container's end (exit, signal, memory kill), if it did."""
    comparison: Comparison | None = None
    """The comparison with a baseline revision, when one was given."""
    stale_suppressions: tuple[Suppression, ...] = ()
    """Suppressions of the policy that matched nothing in this run."""
    subject_digest: str = ""
    """Identifies the report's subject when the input names no service or revision (a paste): a digest of
    the sources' names and content, so that two pastes' reports never share a marker."""


@dataclass(frozen=True)
class Comparison:
    """The target's findings compared with a baseline's, signature by signature."""

    status: ComparisonStatus
    """COMPARED, or INCONCLUSIVE when the baseline had no data to compare with."""
    reason: str
    """One line on what was compared with what, or why no comparison was possible."""
    sources: tuple[str, ...]
    """Where the baseline entries came from (files, or the revision fetched)."""
    service: str | None
    """The baseline's service (most common in its entries)."""
    revision: str | None
    """The baseline's revision (most common in its entries)."""
    window_start: datetime | None
    """Earliest baseline entry."""
    window_end: datetime | None
    """Latest baseline entry."""
    records: int
    """Baseline records read."""
    events: int
    """Baseline events after joining."""
    new: int = 0
    """Target signatures (not noise) absent from the baseline."""
    persisting: int = 0
    """Target signatures (not noise) also in the baseline."""
    gone: int = 0
    """Baseline signatures (not noise) absent from the target."""
    gone_findings: tuple[Finding, ...] = ()
    """The gone findings (not noise), status gone, count 0 and their baseline_count."""
    notes: tuple[str, ...] = ()
    """Things a reader should know about the comparison (a different service, the same revision)."""


@dataclass(frozen=True)
class Evidence:
    """What the entries say about the revision's life, counted."""

    started: int = 0
    """Matches of rules that signal a successful start (probe succeeded, startup complete)."""
    start_failed: int = 0
    """Matches of rules that signal a failed start (probe failed, startup failed)."""
    crashed: int = 0
    """Matches of rules that signal a crash (non-zero exit, signal, OOM kill)."""
    requests: int = 0
    """Request-log entries seen."""
    requests_ok: int = 0
    """Requests answered with a status below 500."""
    requests_5xx: int = 0
    """Requests answered 5xx or not at all."""
    served_lines: int = 0
    """App access-log lines that show a request answered below 500."""


@dataclass(frozen=True)
class SourceInfo:
    """What a fetching source knows beyond its entries (filter, window, whether it stopped early)."""

    filter: str | None = None
    """The Cloud Logging filter."""
    logs_explorer_url: str | None = None
    """A Logs Explorer link for the same query."""
    window_start: datetime | None = None
    """Requested window start."""
    window_end: datetime | None = None
    """Requested window end."""
    truncated: bool = False
    """The read stopped early."""
    severity: str | None = None
    """The read's severity floor (--severity), which can hide the evidence of starting and serving."""
    notes: tuple[str, ...] = ()
    """How the input was chosen, for the reader (a live baseline's revision and window, or why it is empty)."""
    engine: str | None = None
    """Where the entries were classified first: None when read and classified here, "bigquery" when a
    query classified them where they live and only the entries the report needs were downloaded."""
    query: str | None = None
    """The query that chose the downloaded entries (engine bigquery)."""
    bytes_processed: int | None = None
    """Bytes the engine's queries processed (what the user pays for)."""
    rows_downloaded: int | None = None
    """Entries the engine's query returned."""
    entries_counted: int | None = None
    """Entries the engine counted without returning them (noise the joiner leaves alone, textless entries)."""


@dataclass(frozen=True)
class CountedEntries:
    """Entries counted where they live, not downloaded (sql/triage.py): each would be an event of its own of
    class noise, claimed by a noise rule or without text; per log, service, revision, region, rule, key and
    minute (and second)."""

    log_name: str
    """Their logName."""
    service: str | None
    """Their Cloud Run service label."""
    revision: str | None
    """Their Cloud Run revision label."""
    rule: str
    """The rule that classified them (a noise rule, or unclaimed for entries without text)."""
    minute: datetime
    """The minute they fall in (UTC)."""
    entries: int
    """How many."""
    first: datetime
    """Earliest timestamp among them."""
    last: datetime
    """Latest timestamp among them."""
    requests: int
    """How many carry an httpRequest."""
    requests_ok: int
    """How many of those answered with a status from 1 to 499."""
    key: str | None = None
    """The key the rule extracted."""
    region: str | None = None
    """Their Cloud Run region label."""
    silent: bool = True
    """They have no text: counted (and evidence), not a finding."""
    second: datetime | None = None
    """The second they fall in, when the revision's entries span at most a short window (else None)."""
    severity: str = "DEFAULT"
    """The highest severity among them."""
    truncated: int = 0
    """How many had their message cut to the longest line logscan reads."""


class Language(StrEnum):
    """The runtimes whose chained exceptions templates/causes.py reads."""

    PYTHON = "python"
    JAVA = "java"
    DOTNET = "dotnet"
    NODE = "node"


@dataclass(frozen=True)
class Cause:
    """One exception of a chain printed inside one event (a traceback, a stack trace)."""

    exception: str
    """Exception type as printed, with its module or namespace path when one was printed."""
    message: str
    """The first line of the exception's message; empty when it had none."""
    frames: tuple[str, ...]
    """Where it was raised: the frames' files (Python, Node) or classes (Java, .NET), outermost first."""

    @property
    def short(self) -> str:
        """The exception type without its module or namespace path."""
        return self.exception.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class CauseChain:
    """The chained exceptions inside one event, root cause first."""

    language: Language
    """The runtime that printed them."""
    causes: tuple[Cause, ...]
    """Root cause first, the exception that propagated (and was printed last, or first in Java) last."""

    @property
    def root(self) -> Cause:
        """The exception that started it all."""
        return self.causes[0]

    @property
    def outermost(self) -> Cause:
        """The exception that propagated out of the program."""
        return self.causes[-1]


@dataclass(frozen=True)
class Link:
    """One link of a failure chain: a finding, or one exception of a chain inside an event."""

    klass: EventClass
    """The class of the rule that claims it."""
    rule: str
    """Rule id that claims it."""
    signature: str
    """Its signature (a finding's, or what its exception line would sign as)."""
    count: int
    """How many times it happened within the chain's occurrences."""
    label: str
    """The link in words, as the verdict line shows it."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """When and where one non-noise event happened: what verdict/chains.py links symptoms to causes with."""

    signature: str
    """The event's signature."""
    instance: str | None
    """Container instance id, when the entry had one."""
    timestamp: datetime
    """When it was logged."""


@dataclass(frozen=True)
class Chain:
    """One failure from its root cause to the platform's symptom, folded over every time it happened."""

    root: Link
    """The root cause."""
    links: tuple[Link, ...]
    """What followed from it, cause to symptom: chained exceptions, app failures, platform symptoms."""
    count: int
    """How many times the chain happened (crashes, failed starts)."""
    outcome: str
    """What it did to the revision: "did not start", "crashed" or "failed"."""
    first_seen: datetime | None
    """When it first happened."""
    last_seen: datetime | None
    """When it last happened."""
    instances: tuple[str, ...]
    """Instances it happened on (sorted, at most 20)."""
    fix: str
    """The likely fix, from the evidence."""
    command: str | None
    """The command that applies the fix, when one does (SERVICE and REGION filled in from the entries)."""
    status: FindingStatus | None = None
    """new or persisting against a baseline (by root cause); None without one."""
    baseline_count: int | None = None
    """Times it happened in the baseline, when compared."""

    @property
    def signatures(self) -> tuple[str, ...]:
        """The root's signature and every link's, root first, each once."""
        return tuple(dict.fromkeys((self.root.signature, *(link.signature for link in self.links))))
