"""The policy file (logscan.toml): what each environment fails on, requires and tolerates, and suppressions.

`load.load_policy(path)` reads and validates the file; `PolicyFile.for_env(name)` resolves one environment
into the `Policy` that decide() applies. Without a file, `settings.builtin_policy(env)` gives the defaults.
Every setting remembers where it was written (file:line), so verdict reasons can cite the policy line
that decided. The modules: settings (Policy and the built-in values), load (which file applies, parsing
it), suppress (reading and applying [[suppressions]]), values (checks of one value) and lines (where a key
is written).
"""
