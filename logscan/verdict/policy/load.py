"""Reading a policy file: which file applies to a run, and turning its text into a PolicyFile.

An environment's table overrides [defaults] key by key (thresholds too), and a key that neither sets keeps
the built-in value for that environment's name, as docs/policy.md describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from logscan.errors import PolicyError
from logscan.model import Suppression
from logscan.verdict.policy.lines import Lines
from logscan.verdict.policy.settings import Policy, PolicyFile, builtin_policy
from logscan.verdict.policy.suppress import read_suppression
from logscan.verdict.policy.values import as_classes, as_count, as_names, as_number, as_table, no_unknown_keys

_ENV_KEYS = ("fail_on", "warn_on", "critical_rules", "required", "optional", "thresholds")
_THRESHOLD_KEYS = ("rate_growth", "min_count")
_TOP_KEYS = ("defaults", "environments", "suppressions")

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
    import tomllib  # here: most runs read no policy file, and the import costs start-up time

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            f"{name}: not valid TOML ({exc}). Fix the syntax; docs/policy.md shows a full example."
        ) from None
    lines = Lines(text, name)
    no_unknown_keys(doc, _TOP_KEYS, (), lines)
    defaults = as_table(doc.get("defaults", {}), ("defaults",), lines)
    no_unknown_keys(defaults, _ENV_KEYS, ("defaults",), lines)
    environments = as_table(doc.get("environments", {}), ("environments",), lines)
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
    suppressions = [read_suppression(item, i, lines, environments) for i, item in enumerate(raw_suppressions)]
    policies = []
    for env, settings in environments.items():
        at = ("environments", env)
        table = as_table(settings, at, lines)
        no_unknown_keys(table, _ENV_KEYS, at, lines)
        policies.append(
            _environment(
                env, defaults, table, lines, tuple(s for envs, s in suppressions if not envs or env in envs)
            )
        )
    return PolicyFile(path=name, environments=tuple(policies))


def _environment(
    env: str,
    defaults: Mapping[str, Any],
    table: Mapping[str, Any],
    lines: Lines,
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
            values[key] = as_classes(value, where, lines)
            refs.append((key, lines.cite(where)))
    for key in ("critical_rules", "required", "optional"):
        value, where = pick(key)
        if where is not None:
            values[key] = as_names(value, where, lines)
            refs.append((key, lines.cite(where)))
    thresholds = base.thresholds
    for source, prefix in ((defaults, ("defaults",)), (table, at)):
        raw = source.get("thresholds")
        if raw is None:
            continue
        where = (*prefix, "thresholds")
        raw = as_table(raw, where, lines)
        no_unknown_keys(raw, _THRESHOLD_KEYS, where, lines)
        if "rate_growth" in raw:
            thresholds = replace(
                thresholds, rate_growth=as_number(raw["rate_growth"], (*where, "rate_growth"), lines)
            )
            refs.append(("thresholds.rate_growth", lines.cite((*where, "rate_growth"))))
        if "min_count" in raw:
            thresholds = replace(
                thresholds, min_count=as_count(raw["min_count"], (*where, "min_count"), lines)
            )
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
