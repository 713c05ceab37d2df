"""The pattern library: rule files in patterns/, validated, in first-match-wins order.

Files are read in name order (``10-platform.yaml`` before ``20-config.yaml``) and rules in file order;
the first rule whose regex matches an event claims it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import re2
import regex

from logscan import regexes
from logscan.classify import memo
from logscan.errors import PatternError
from logscan.model import CLASSES, SEVERITIES, EventClass
from logscan.resources import data_dir

SIGNALS = ("started", "start-failed", "crashed", "served")
"""Evidence a rule's match gives about the revision's life; decide reads them."""

_ALLOWED_KEYS = {
    "id",
    "class",
    "description",
    "hint",
    "regex",
    "unless",
    "examples",
    "signals",
    "severity_at_least",
    "config_symptom",
    "key_group",
}
_REQUIRED = ("id", "class", "description", "hint", "regex", "examples")
_ID = regexes.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_RE2_QUIET = re2.Options()
_RE2_QUIET.log_errors = False  # the PatternError says it once; RE2 would also print to stderr


@dataclass(frozen=True)
class Example:
    """A line a rule must (or must not) claim, with the severity it is tried at."""

    text: str
    """The example's text, as a log would carry it."""
    severity: str = "DEFAULT"
    """Severity the example entry is given when tried."""


@dataclass(frozen=True)
class Rule:
    """One classification rule, loaded from a pattern file."""

    id: str
    """Stable id: reports, baselines and suppressions refer to it."""
    klass: EventClass
    """Class it assigns."""
    description: str
    """What the matched message means."""
    hint: str
    """What to do about it."""
    regex: str
    """The pattern, as written (RE2 syntax, so that BigQuery and DuckDB can run it too)."""
    flags: int
    """The compiled pattern's flags, inline ones such as (?i) included (what the prefilter analyses)."""
    file: str
    """Pattern file it came from, for error messages."""
    match: tuple[Example, ...]
    """Examples this rule must win against the whole library."""
    no_match: tuple[Example, ...]
    """Examples this rule must not claim."""
    known_miss: tuple[Example, ...]
    """Lines the rule should claim but does not yet (strict expected failures)."""
    signals: tuple[str, ...] = ()
    """Evidence about the revision a match gives (see SIGNALS)."""
    severity_at_least: str | None = None
    """If set, the rule only applies to entries at or above this severity."""
    config_symptom: bool = False
    """Missing configuration can cause what this rule matches (a failed start and the exit after it), so a
    tolerated configuration gap explains it; failures no configuration causes (OOM, a signal) never set it."""
    key_group: str | tuple[str, ...] | None = None
    """Named group whose text is the extracted key (several: the matched ones joined by ":"); default is the
    first named group that matched."""
    unless: str | None = None
    """A pattern that vetoes the rule: a text it is found in is not claimed, even when regex matches.
    RE2 has no look-around; this says what a negative look-ahead or look-behind said."""

    @cached_property
    def compiled(self) -> Any:
        """The compiled pattern (regex module), compiled on first use: most rules are never tried on a
        given export, and the library checked that it compiles when it was loaded."""
        return regexes.compile(self.regex, regex.VERSION0)

    @cached_property
    def key_groups(self) -> tuple[str, ...]:
        """The named groups a key is read from, in order: key_group's, else every named group of the regex
        (the first that matched is the key). Computed once: a match's key is read per distinct text."""
        if isinstance(self.key_group, tuple):
            return self.key_group
        if self.key_group:
            return (self.key_group,)
        return tuple(self.compiled.groupindex)

    @cached_property
    def unless_compiled(self) -> Any:
        """The compiled unless pattern (regex module), or None."""
        return None if self.unless is None else regexes.compile(self.unless, regex.VERSION0)


@dataclass(frozen=True)
class Library:
    """All rules in order, and a hash that identifies this exact library."""

    rules: tuple[Rule, ...]
    """Rules in first-match-wins order."""
    digest: str
    """sha256 over the pattern files' bytes (first 12 hex digits)."""
    root: Path
    """Folder the library was loaded from."""
    masks: tuple[tuple[str, str], ...] = ()
    """(name, regex) masks for templates, from masks.yaml, in order."""


def load_library(root: Path | None = None) -> Library:
    """Load and validate every rule file under root (default: the shipped patterns/)."""
    folder = root if root is not None else data_dir("patterns")
    if not folder.is_dir():
        raise PatternError(
            f"{folder}: pattern folder not found. Pass --patterns DIR pointing at a patterns/ folder."
        )
    files = sorted(p for p in folder.glob("*.yaml") if p.name != "masks.yaml")
    if not files:
        raise PatternError(
            f"{folder}: holds no *.yaml rule files. Point --patterns at logscan's patterns/ folder."
        )
    digest = hashlib.sha256()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        for rule in _load_file(path, data):
            if rule.id in seen:
                raise PatternError(
                    f"{path.name}: rule {rule.id}: id already used in {seen[rule.id]}. Give each rule a unique id."
                )
            seen[rule.id] = path.name
            rules.append(rule)
    masks: tuple[tuple[str, str], ...] = ()
    mask_file = folder / "masks.yaml"
    if mask_file.exists():
        data = mask_file.read_bytes()
        digest.update(b"masks.yaml\0" + data)
        masks = _load_masks(mask_file, data)
    memo.shared().save()
    return Library(rules=tuple(rules), digest=digest.hexdigest()[:12], root=folder, masks=masks)


def _load_file(path: Path, data: bytes) -> list[Rule]:
    doc = _parse(path, data)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("rules"), list):
        raise PatternError(f"{path.name}: must be a mapping with a 'rules:' list. See patterns/README.md.")
    return [_load_rule(path.name, i, item) for i, item in enumerate(doc["rules"])]


def _parse(path: Path, data: bytes) -> Any:
    """The file's YAML document (remembered between runs by its bytes: memo.py)."""
    remembered = memo.shared()
    doc = remembered.document(data)
    if doc is not None:
        return doc
    import yaml  # only for a file the memo has not seen: most runs import no YAML parser at all

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when PyYAML has it
    try:
        doc = yaml.load(data, Loader=loader)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise PatternError(
            f"{path.name}: is not valid YAML ({_first_line(exc)}). Fix the file's syntax."
        ) from None
    remembered.parsed(data, doc)
    return doc


def _load_rule(file: str, position: int, item: Any) -> Rule:
    where = f"{file}: rule #{position + 1}"
    if not isinstance(item, Mapping):
        raise PatternError(f"{where}: must be a mapping with id, class, description, hint, regex, examples.")
    rid = item.get("id")
    if isinstance(rid, str):
        where = f"{file}: rule {rid}"
    for key in _REQUIRED:
        if key not in item or item[key] in (None, ""):
            raise PatternError(f"{where}: field '{key}' is missing. Every rule needs {', '.join(_REQUIRED)}.")
    unknown = set(item) - _ALLOWED_KEYS
    if unknown:
        raise PatternError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}. Allowed: {', '.join(sorted(_ALLOWED_KEYS))}."
        )
    if not isinstance(rid, str) or not _ID.match(rid):
        raise PatternError(
            f"{where}: field 'id' must be lowercase words joined by '-', e.g. env-var-missing."
        )
    klass = item["class"]
    if klass not in CLASSES:
        raise PatternError(f"{where}: field 'class' is {klass!r}; use one of {', '.join(CLASSES)}.")
    klass = EventClass(klass)
    pattern = item["regex"]
    if not isinstance(pattern, str):
        raise PatternError(f"{where}: field 'regex' must be a string (quote it in YAML).")
    flags, groups = check_regex(pattern, where)
    check_re2(pattern, where, "regex")
    unless = item.get("unless")
    if unless is not None and (not isinstance(unless, str) or not unless):
        raise PatternError(f"{where}: field 'unless' must be a non-empty string (quote it in YAML).")
    if unless is not None:
        check_regex(unless, where, "unless")
        check_re2(unless, where, "unless")
    examples = item["examples"]
    if not isinstance(examples, Mapping) or not examples.get("match"):
        raise PatternError(
            f"{where}: field 'examples' needs a non-empty 'match' list (and ideally 'no_match')."
        )
    signals = tuple(item.get("signals") or ())
    for signal in signals:
        if signal not in SIGNALS:
            raise PatternError(f"{where}: field 'signals' has {signal!r}; use one of {', '.join(SIGNALS)}.")
    floor = item.get("severity_at_least")
    if floor is not None and floor not in SEVERITIES:
        raise PatternError(
            f"{where}: field 'severity_at_least' is {floor!r}; use a LogSeverity name such as ERROR."
        )
    key_group = item.get("key_group")
    if isinstance(key_group, list):
        key_group = tuple(str(g) for g in key_group)
    for group in key_group if isinstance(key_group, tuple) else (key_group,):
        if group is not None and group not in groups:
            raise PatternError(
                f"{where}: field 'key_group' names {group!r}, which the regex does not define."
            )
    return Rule(
        id=rid,
        klass=klass,
        description=str(item["description"]).strip(),
        hint=str(item["hint"]).strip(),
        regex=pattern,
        flags=flags,
        file=file,
        match=_examples(where, "match", examples.get("match")),
        no_match=_examples(where, "no_match", examples.get("no_match")),
        known_miss=_examples(where, "known_miss", examples.get("known_miss")),
        signals=signals,
        severity_at_least=floor,
        config_symptom=_flag(where, "config_symptom", item.get("config_symptom", False)),
        key_group=key_group,
        unless=unless,
    )


def _flag(where: str, field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise PatternError(f"{where}: field '{field}' must be true or false.")
    return value


def compile_rule_regex(pattern: str, where: str, field: str = "regex") -> Any:
    """Compile a rule's regex with the regex module; a broken one raises PatternError naming the rule."""
    try:
        return regexes.compile(pattern, regex.VERSION0)
    except regex.error as exc:
        raise PatternError(f"{where}: field '{field}' does not compile ({exc}). Fix the pattern.") from None


def check_regex(pattern: str, where: str, field: str = "regex") -> memo.Shape:
    """The pattern's flags and group names; a pattern the regex module does not compile raises PatternError
    naming the rule (compiled once, then remembered: memo.py)."""
    remembered = memo.shared()
    known = remembered.shape(pattern)
    if known is not None:
        return known
    return remembered.compiled(pattern, compile_rule_regex(pattern, where, field))


def check_re2(pattern: str, where: str, field: str = "regex") -> None:
    """Raise PatternError unless RE2 (BigQuery's and DuckDB's engine) compiles the pattern (remembered when
    it did: memo.py)."""
    remembered = memo.shared()
    if remembered.re2_compiles(pattern):
        return
    try:
        re2.compile(pattern, _RE2_QUIET)
    except re2.error as exc:
        reason = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise PatternError(
            f"{where}: field '{field}' does not compile under RE2 ({reason}). Rules run in BigQuery and DuckDB "
            "too: no look-around, possessive quantifiers, back-references or repetition counts over 1000; "
            "say an exclusion with 'unless:' (see patterns/README.md)."
        ) from None
    remembered.passed_re2(pattern)


def _examples(where: str, field: str, value: Any) -> tuple[Example, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PatternError(f"{where}: examples.{field} must be a list of strings.")
    out: list[Example] = []
    for item in value:
        if isinstance(item, str):
            out.append(Example(item))
        elif isinstance(item, Mapping) and isinstance(item.get("text"), str):
            sev = str(item.get("severity", "DEFAULT"))
            if sev not in SEVERITIES:
                raise PatternError(f"{where}: examples.{field} severity {sev!r} is not a LogSeverity name.")
            out.append(Example(item["text"], sev))
        else:
            raise PatternError(
                f"{where}: examples.{field} items must be strings or {{text, severity}} mappings."
            )
    return tuple(out)


def _load_masks(path: Path, data: bytes) -> tuple[tuple[str, str], ...]:
    doc = _parse(path, data)
    items = doc.get("masks") if isinstance(doc, Mapping) else None
    if not isinstance(items, list):
        raise PatternError(f"{path.name}: must be a mapping with a 'masks:' list.")
    out: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item.get("regex"):
            raise PatternError(f"{path.name}: mask #{i + 1} needs 'name' and 'regex'.")
        check_regex(str(item["regex"]), f"{path.name}: mask {item['name']}")
        out.append((item["name"], str(item["regex"])))
    return tuple(out)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
