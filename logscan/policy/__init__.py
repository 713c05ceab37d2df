"""The policy file (logscan.toml): what each environment fails on, requires and tolerates, and suppressions.

`load_policy(path)` reads and validates the file; `PolicyFile.for_env(name)` resolves one environment into
the `Policy` that decide() applies. Without a file, `builtin_policy(env)` gives the defaults. Every setting
remembers where it was written (file:line), so verdict reasons can cite the policy line that decided.

The modules: settings (Policy and the built-in values), load (which file applies, parsing it),
suppress (reading and applying [[suppressions]]), values (checks of one value) and lines (where a key
is written). Import from here; the split is an internal layout.
"""

from .load import DEFAULT_FILE, load_policy, parse_policy, resolve_policy
from .settings import (
    BUILTIN,
    JUDGED_CLASSES,
    PRODUCTION_NAMES,
    Policy,
    PolicyFile,
    Thresholds,
    builtin_policy,
    policy_for,
)
from .suppress import apply_suppressions

__all__ = [
    "BUILTIN",
    "DEFAULT_FILE",
    "JUDGED_CLASSES",
    "PRODUCTION_NAMES",
    "Policy",
    "PolicyFile",
    "Thresholds",
    "apply_suppressions",
    "builtin_policy",
    "load_policy",
    "parse_policy",
    "policy_for",
    "resolve_policy",
]
