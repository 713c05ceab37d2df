"""The policy file (logscan.toml): what each environment fails on, requires and tolerates, and suppressions.

`load_policy(path)` reads and validates the file; `PolicyFile.for_env(name)` resolves one environment into
the `Policy` that decide() applies. Without a file, `builtin_policy(env)` gives the defaults. Every setting
remembers where it was written (file:line), so verdict reasons can cite the policy line that decided.
"""

from __future__ import annotations

import difflib
import fnmatch
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import regex

from .errors import PolicyError
from .model import DEPRECATION, EXPECTED_CONFIG, NOISE, PLATFORM, REGRESSION, Finding, Suppression

BUILTIN = "(built-in)"
"""How reasons cite a setting that no policy file gave."""
PRODUCTION_NAMES = ("production", "prod")
"""Environment names the built-in policy treats as production."""
JUDGED_CLASSES = (REGRESSION, PLATFORM, EXPECTED_CONFIG, DEPRECATION)
"""Classes a policy can fail or warn on (noise never counts)."""

_ENV_KEYS = ("fail_on", "warn_on", "critical_rules", "required", "optional", "thresholds")
_THRESHOLD_KEYS = ("rate_growth", "min_count")
_SUPPRESSION_KEYS = ("rule", "signature", "reason", "owner", "issue", "expires", "environments")
_TOP_KEYS = ("defaults", "environments", "suppressions")
_NAME = regex.compile(r"^[A-Za-z0-9_*?\[\]-]+$")
_KEY_LINE = regex.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")
_TABLE_LINE = regex.compile(r"^\s*(?P<open>\[\[?)\s*(?P<name>[A-Za-z0-9_.\s\"'-]+?)\s*\]\]?\s*(?:#.*)?$")


@dataclass(frozen=True)
class Thresholds:
    """Numbers that tune the comparison with a baseline."""

    rate_growth: float = 3.0
    """A persisting finding whose rate grew by at least this factor makes the verdict WARN."""
    min_count: int = 5
    """...when the target holds at least this many of its events (a jump from 1 to 3 is not a trend)."""


@dataclass(frozen=True)
class Policy:
    """What one environment fails on, requires, tolerates and has accepted: what decide() applies."""

    env: str = "staging"
    """Environment name."""
    fail_on: tuple[str, ...] = (REGRESSION, PLATFORM)
    """Classes whose findings fail the verdict (regression and platform ones only when new against a baseline)."""
    warn_on: tuple[str, ...] = (DEPRECATION,)
    """Classes whose findings make the verdict WARN."""
    critical_rules: tuple[str, ...] = ("module-not-found",)
    """Rule ids that always FAIL: new or persisting, suppressed or not."""
    required: tuple[str, ...] = ()
    """Env var and secret names (globs allowed) that must be set: a missing one fails the verdict."""
    optional: tuple[str, ...] = ()
    """Env var and secret names (globs allowed) that may be missing: such a finding is noise to the verdict."""
    thresholds: Thresholds = Thresholds()
    """Baseline comparison thresholds."""
    suppressions: tuple[Suppression, ...] = ()
    """Accepted findings that apply in this environment."""
    source: str | None = None
    """The policy file (as given); None for the built-in policy."""
    refs: tuple[tuple[str, str], ...] = field(default=())
    """Setting name (such as fail_on) -> "file:line key" where this environment's value is written."""

    @property
    def config_fails(self) -> bool:
        """Expected-config findings fail the verdict here (they are in fail_on)."""
        return EXPECTED_CONFIG in self.fail_on

    def ref(self, setting: str) -> str:
        """Where a setting comes from, for a reason: "logscan.toml:12 environments.production.fail_on", or "(built-in) ..."."""
        cited = dict(self.refs).get(setting)
        return cited if cited else f"{BUILTIN} environments.{self.env}.{setting}"

    def is_required(self, name: str | None) -> bool:
        """A missing setting of this name fails the verdict."""
        return _matches(name, self.required)

    def is_optional(self, name: str | None) -> bool:
        """A missing setting of this name is noise."""
        return _matches(name, self.optional)


@dataclass(frozen=True)
class PolicyFile:
    """A validated policy file: its environments and the suppressions for each."""

    path: str
    """The file as given."""
    environments: tuple[Policy, ...]
    """One resolved policy per environment, in file order."""

    def for_env(self, env: str) -> Policy:
        """The policy of one environment; an environment the file does not define is an error that names the fix."""
        for policy in self.environments:
            if policy.env == env:
                return policy
        known = ", ".join(p.env for p in self.environments) or "none"
        raise PolicyError(
            f"{self.path}: environment {env!r} is not defined (environments: {known}). "
            f"Add an [environments.{env}] table, or pass --env with one of those."
        )


def builtin_policy(env: str) -> Policy:
    """The policy without a file: production fails on configuration gaps and a failed startup probe."""
    if env in PRODUCTION_NAMES:
        return Policy(
            env=env,
            fail_on=(REGRESSION, PLATFORM, EXPECTED_CONFIG),
            critical_rules=("module-not-found", "startup-probe-failed"),
        )
    return Policy(env=env)


def policy_for(env: str) -> Policy:
    """The built-in policy of an environment (kept for callers of the first release)."""
    return builtin_policy(env)


DEFAULT_FILE = "logscan.toml"
"""The policy file read from the working directory when no --policy is given (and the report says so)."""


def resolve_policy(path: str | None, env: str, search: Path | None) -> tuple[Policy, str | None]:
    """The policy for a run, and a note on where its file came from (None for the built-in policy).

    An explicit path is read. Otherwise logscan.toml in the search folder (the CLI passes the working
    directory; None searches nowhere) is read when it exists, and the note says where it was found.
    Otherwise the built-in policy of env applies.
    """
    if path is not None:
        return load_policy(path).for_env(env), path
    if search is not None:
        found = search / DEFAULT_FILE
        if found.is_file():
            return load_policy(found).for_env(env), f"{found} (found in the working directory)"
    return builtin_policy(env), None


def load_policy(path: str | Path) -> PolicyFile:
    """Read and validate a policy file; every problem is a one-line PolicyError naming the file, key and fix."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(
            f"{name}: no such policy file. Check --policy, or copy examples/logscan.toml."
        ) from None
    except IsADirectoryError:
        raise PolicyError(
            f"{name}: is a directory. Pass the policy file itself, e.g. {name}/logscan.toml."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"{name}: cannot read the policy file ({exc}). Check the file's permissions and encoding."
        ) from None
    return parse_policy(text, name)


def parse_policy(text: str, name: str = "logscan.toml") -> PolicyFile:
    """Validate the text of a policy file (name is used in errors and references)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            f"{name}: not valid TOML ({exc}). Fix the syntax; docs/policy.md shows a full example."
        ) from None
    lines = _Lines(text, name)
    _no_unknown(doc, _TOP_KEYS, (), lines)
    defaults = _table(doc.get("defaults", {}), ("defaults",), lines)
    _no_unknown(defaults, _ENV_KEYS, ("defaults",), lines)
    environments = _table(doc.get("environments", {}), ("environments",), lines)
    if not environments:
        raise PolicyError(
            f"{name}: no environments. Add at least one table such as [environments.staging] "
            "(docs/policy.md shows a full example)."
        )
    raw_suppressions = doc.get("suppressions", [])
    if not isinstance(raw_suppressions, list):
        raise lines.error(
            ("suppressions",), "must be an array of tables. Write each one as [[suppressions]]."
        )
    suppressions = [_suppression(item, i, lines, environments) for i, item in enumerate(raw_suppressions)]
    policies = []
    for env, settings in environments.items():
        at = ("environments", env)
        table = _table(settings, at, lines)
        _no_unknown(table, _ENV_KEYS, at, lines)
        policies.append(
            _environment(
                env, defaults, table, lines, tuple(s for envs, s in suppressions if not envs or env in envs)
            )
        )
    return PolicyFile(path=name, environments=tuple(policies))


def apply_suppressions(
    findings: Iterable[Finding], policy: Policy, today: date
) -> tuple[tuple[Finding, ...], tuple[Suppression, ...]]:
    """Mark each finding with the suppression that matches it (signature first, then rule id) and list the stale ones.

    A matching suppression past its expiry date stays on the finding with expired=True, and the finding counts
    again. A suppression that matched no finding of the run is stale.
    """
    current = tuple(replace(s, expired=today > s.expires) for s in policy.suppressions)
    by_signature = {s.signature: s for s in reversed(current) if s.signature}
    by_rule: dict[str, list[Suppression]] = {}
    for s in current:
        if s.rule:
            by_rule.setdefault(s.rule, []).append(s)
    used: set[int] = set()
    out = []
    for f in findings:
        match = by_signature.get(f.signature)
        if match is None or match.expired:
            candidates = by_rule.get(f.rule, [])
            active = [s for s in candidates if not s.expired]
            if active or (match is None and candidates):
                match = (active or candidates)[0]
        if match is None:
            out.append(f)
            continue
        used.add(id(match))
        out.append(replace(f, suppression=match, suppressed=not match.expired))
    stale = tuple(s for s in current if id(s) not in used)
    return tuple(out), stale


def _matches(name: str | None, patterns: Sequence[str]) -> bool:
    return name is not None and any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _environment(
    env: str,
    defaults: Mapping[str, Any],
    table: Mapping[str, Any],
    lines: _Lines,
    suppressions: tuple[Suppression, ...],
) -> Policy:
    base = builtin_policy(env)
    at = ("environments", env)

    def pick(key: str) -> tuple[Any, tuple[str, ...] | None]:
        if key in table:
            return table[key], (*at, key)
        if key in defaults:
            return defaults[key], ("defaults", key)
        return None, None

    values: dict[str, Any] = {}
    refs: list[tuple[str, str]] = []
    for key in ("fail_on", "warn_on"):
        value, where = pick(key)
        if where is not None:
            values[key] = _classes(value, where, lines)
            refs.append((key, lines.cite(where)))
    for key in ("critical_rules", "required", "optional"):
        value, where = pick(key)
        if where is not None:
            values[key] = _names(value, where, lines)
            refs.append((key, lines.cite(where)))
    thresholds = base.thresholds
    for source, prefix in ((defaults, ("defaults",)), (table, at)):
        raw = source.get("thresholds")
        if raw is None:
            continue
        where = (*prefix, "thresholds")
        raw = _table(raw, where, lines)
        _no_unknown(raw, _THRESHOLD_KEYS, where, lines)
        if "rate_growth" in raw:
            thresholds = replace(
                thresholds, rate_growth=_number(raw["rate_growth"], (*where, "rate_growth"), lines)
            )
            refs.append(("thresholds.rate_growth", lines.cite((*where, "rate_growth"))))
        if "min_count" in raw:
            thresholds = replace(thresholds, min_count=_count(raw["min_count"], (*where, "min_count"), lines))
            refs.append(("thresholds.min_count", lines.cite((*where, "min_count"))))
    overlap = set(values.get("fail_on", base.fail_on)) & set(values.get("warn_on", base.warn_on))
    if overlap:
        raise lines.error(
            (*at, "warn_on"),
            f"{', '.join(sorted(overlap))} is both in fail_on and warn_on. Keep each class in one of them.",
        )
    both = set(values.get("required", ())) & set(values.get("optional", ()))
    if both:
        raise lines.error(
            (*at, "optional"),
            f"{', '.join(sorted(both))} is both required and optional. Keep each name in one list.",
        )
    return replace(
        base,
        **values,
        thresholds=thresholds,
        suppressions=suppressions,
        source=lines.name,
        refs=tuple(refs),
    )


def _suppression(
    item: Any, index: int, lines: _Lines, environments: Mapping[str, Any]
) -> tuple[tuple[str, ...], Suppression]:
    at: tuple[str | int, ...] = ("suppressions", index)
    table = _table(item, at, lines)
    _no_unknown(table, _SUPPRESSION_KEYS, at, lines)
    rule, signature = table.get("rule"), table.get("signature")
    if (rule is None) == (signature is None):
        raise lines.error(
            at, 'give exactly one of rule = "<rule id>" or signature = "<signature>" to say what it accepts.'
        )
    key = "rule" if rule is not None else "signature"
    if not isinstance(rule if rule is not None else signature, str) or not (rule or signature or "").strip():
        raise lines.error((*at, key), "must be a non-empty string (a rule id, or a signature from a report).")
    texts = {}
    for field_name, hint in (
        ("reason", "why the finding is accepted"),
        ("owner", "who answers for it"),
        ("issue", "a link to the issue that tracks the fix"),
    ):
        value = table.get(field_name)
        if not isinstance(value, str) or not value.strip():
            raise lines.error((*at, field_name), f"is required: a non-empty string saying {hint}.")
        texts[field_name] = value.strip()
    expires = table.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, date) or hasattr(expires, "hour"):
        raise lines.error(
            (*at, "expires"), "is required: a date such as expires = 2026-03-31 (the last day it applies)."
        )
    envs: tuple[str, ...] = ()
    if "environments" in table:
        envs = _names(table["environments"], (*at, "environments"), lines)
        unknown = [e for e in envs if e not in environments]
        if unknown:
            raise lines.error(
                (*at, "environments"),
                f"{unknown[0]!r} is not an environment of this file (environments: {', '.join(environments)}).",
            )
    suppression = Suppression(
        rule=rule.strip() if isinstance(rule, str) else None,
        signature=signature.strip() if isinstance(signature, str) else None,
        reason=texts["reason"],
        owner=texts["owner"],
        issue=texts["issue"],
        expires=expires,
        where=lines.where(at),
    )
    return envs, suppression


def _table(value: Any, at: tuple[str | int, ...], lines: _Lines) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise lines.error(at, "must be a table. Write it as a [section] with key = value lines.")
    return value


def _no_unknown(
    table: Mapping[str, Any], allowed: Sequence[str], at: tuple[str | int, ...], lines: _Lines
) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            fix = f"Did you mean {close[0]}?" if close else f"Known keys: {', '.join(allowed)}."
            raise lines.error((*at, key), f"unknown key. {fix}")


def _classes(value: Any, at: tuple[str | int, ...], lines: _Lines) -> tuple[str, ...]:
    names = _names(value, at, lines, allow_empty=True)
    for name in names:
        if name not in JUDGED_CLASSES:
            hint = " (noise never counts)" if name == NOISE else ""
            raise lines.error(at, f"{name!r} is not a class{hint}. Use some of: {', '.join(JUDGED_CLASSES)}.")
    return names


def _names(value: Any, at: tuple[str | int, ...], lines: _Lines, allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise lines.error(at, 'must be an array of strings, such as ["POSTGRES_*", "JWT_SECRET_KEY"].')
    for v in value:
        if not _NAME.match(v):
            raise lines.error(
                at, f"{v!r} is not a name: use letters, digits, _ and - (globs * ? [] allowed)."
            )
    if not allow_empty and not value:
        raise lines.error(at, "must not be empty.")
    return tuple(value)


def _number(value: Any, at: tuple[str | int, ...], lines: _Lines) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 1:
        raise lines.error(at, "must be a number above 1, such as 3.0 (the factor by which a rate must grow).")
    return float(value)


def _count(value: Any, at: tuple[str | int, ...], lines: _Lines) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise lines.error(at, "must be a whole number of at least 1, such as 5.")
    return value


class _Lines:
    """Finds the line where a key is written, so errors and reasons can say file:line.

    A light scan of the text, not a TOML parser: it follows [table] and [[array]] headers and bare or
    dotted key = value lines. When a key cannot be placed, the line of its table stands in.
    """

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self._at: dict[tuple[str | int, ...], int] = {}
        arrays: dict[tuple[str, ...], int] = {}
        table: tuple[str | int, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _TABLE_LINE.match(line)
            if header is not None and not _KEY_LINE.match(line):
                parts = tuple(_unquote(p) for p in header.group("name").split("."))
                if header.group("open") == "[[":
                    index = arrays.get(parts, -1) + 1
                    arrays[parts] = index
                    table = (*parts, index)
                else:
                    table = parts
                self._at.setdefault(table, number)
                continue
            key = _KEY_LINE.match(line)
            if key is not None:
                parts = tuple(_unquote(p) for p in key.group("key").split("."))
                for depth in range(1, len(parts) + 1):
                    self._at.setdefault((*table, *parts[:depth]), number)

    def line(self, at: tuple[str | int, ...]) -> int | None:
        """The line of a key, or of the nearest enclosing table written in the file."""
        for depth in range(len(at), 0, -1):
            number = self._at.get(at[:depth])
            if number is not None:
                return number
        return None

    def where(self, at: tuple[str | int, ...]) -> str:
        """file:line for a key (file alone when no line is known)."""
        number = self.line(at)
        return f"{self.name}:{number}" if number else self.name

    def cite(self, at: tuple[str | int, ...]) -> str:
        """file:line and the key's dotted name, as a verdict reason cites a policy line."""
        return f"{self.where(at)} {_dotted(at)}"

    def error(self, at: tuple[str | int, ...], problem: str) -> PolicyError:
        """A one-line error: file:line, the key, what is wrong and the fix."""
        return PolicyError(f"{self.where(at)}: {_dotted(at)}: {problem}")


def _dotted(at: tuple[str | int, ...]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in at).replace(".[", "[")


def _unquote(part: str) -> str:
    return part.strip().strip("\"'")
