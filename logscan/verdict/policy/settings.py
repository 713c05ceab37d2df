"""What a policy holds: the settings one environment is judged by, their built-in values, a file's environments.

Plain frozen values that decide() reads; nothing here reads a file (load.py builds these from one). Each
Policy keeps refs, where each of its settings was written, so a verdict reason can cite the deciding line.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field

from logscan.errors import PolicyError
from logscan.model import EventClass, Suppression

BUILTIN = "(built-in)"
"""How reasons cite a setting that no policy file gave."""
PRODUCTION_NAMES = ("production", "prod")
"""Environment names the built-in policy treats as production."""
JUDGED_CLASSES = (
    EventClass.REGRESSION,
    EventClass.PLATFORM,
    EventClass.EXPECTED_CONFIG,
    EventClass.DEPRECATION,
)
"""Classes a policy can fail or warn on (noise never counts)."""


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
    fail_on: tuple[EventClass, ...] = (EventClass.REGRESSION, EventClass.PLATFORM)
    """Classes whose findings fail the verdict (regression and platform ones only when new against a baseline)."""
    warn_on: tuple[EventClass, ...] = (EventClass.DEPRECATION,)
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
        return EventClass.EXPECTED_CONFIG in self.fail_on

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
            fail_on=(EventClass.REGRESSION, EventClass.PLATFORM, EventClass.EXPECTED_CONFIG),
            critical_rules=("module-not-found", "startup-probe-failed"),
        )
    return Policy(env=env)


def policy_for(env: str) -> Policy:
    """The built-in policy of an environment (kept for callers of the first release)."""
    return builtin_policy(env)


def _matches(name: str | None, patterns: Sequence[str]) -> bool:
    return name is not None and any(fnmatch.fnmatchcase(name, p) for p in patterns)
