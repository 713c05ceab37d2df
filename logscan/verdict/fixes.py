"""A failure chain's links in words, and its likely fix from the evidence, with the command when one applies.

- A missing module of the service's own package (its frames live under a folder of that name) is not in
  the image: the build context, .dockerignore or PYTHONPATH; a third-party one is missing from the
  requirements.
- Missing settings: one ``gcloud run services update SERVICE --region REGION`` with every missing name at
  once, ``--update-env-vars`` for plain values and ``--update-secrets`` for secrets (keys, tokens,
  passwords, JWT), SERVICE and REGION taken from the entries' resource labels.
- Memory: the limit from the message, doubled, as ``--memory``.
- An unreachable dependency at startup: what to check, with the host and port the app tried.
- Anything else: the hint of the rule that claimed the root.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import regex

from logscan.model import Chain, EventClass, Finding
from logscan.verdict.aggregate import Summary

_LABELS = {
    "gunicorn-worker-boot-failed": "gunicorn worker failed to boot",
    "gunicorn-worker-exception": "exception in gunicorn worker",
    "gunicorn-master-shutdown-error": "gunicorn master shut down",
    "gunicorn-worker-exited-code": "gunicorn worker exited with code {key}",
    "gunicorn-worker-killed-oom": "gunicorn worker killed (SIGKILL)",
    "asgi-startup-failed": "application startup failed",
    "asgi-app-load-failed": "ASGI app failed to load",
    "uvicorn-child-died": "uvicorn worker died",
    "container-exit-nonzero": "Container called exit({key})",
    "container-terminated-signal": "container terminated on signal {key}",
    "uncaught-signal": "uncaught signal {key}",
    "memory-limit-exceeded": "memory limit exceeded",
    "instance-terminated-memory": "instance terminated for using too much memory",
    "startup-probe-failed": "startup probe failed",
    "liveness-probe-failed": "liveness probe failed",
    "readiness-probe-failed": "readiness probe failed",
    "ready-condition-false": "revision Ready condition False",
    "container-failed-to-listen": "container did not listen on $PORT in time",
    "request-failed-connection-error": "requests failed (no healthy instance)",
    "no-available-instance": "requests aborted (no available instance)",
    "application-failed-to-start": "application failed to start",
}
"""How a symptom reads in a chain; {key} is the finding's key (an exit code, a signal)."""

IMPORT_RULES = frozenset({"module-not-found", "import-cannot-import-name"})
MEMORY_RULES = frozenset(
    {"memory-limit-exceeded", "instance-terminated-memory", "gunicorn-worker-killed-oom"}
)
UNREACHABLE_RULES = frozenset(
    {
        "backing-service-connection-refused",
        "connection-refused",
        "outbound-connection-failed",
        "host-name-unresolvable",
        "cloud-sql-socket-missing",
        "cloud-sql-connection-failed",
        "db-server-rejects-connection",
        "could-not-connect-service",
    }
)
# Compiled when first used (regex keeps them in its cache): most runs label few findings, if any.
_SECRET = r"(?i)SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|JWT|DSN"
_ENV_NAME = r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_PYDANTIC_FIELD = r"(?m)^(?P<field>[A-Za-z_]\w*)\n\s+Field required"
_MODULE = r"No module named '(?P<module>[\w.]+)'|from '(?P<from>[\w.]+)'"
_MEMORY = r"Memory limit of (?P<limit>\d+(?:\.\d+)?) ?(?P<unit>[KMGT])i?B? exceeded"
_ADDRESS = (
    r"\('(?P<host>[\w.:-]+)', (?P<port>\d{2,5})"  # asyncio's Connect call failed ('10.8.0.3', 5432)
    r"|\b(?P<host2>\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z][\w-]*(?:\.[\w-]+)+|localhost):(?P<port2>\d{2,5})\b"
)


def label(f: Finding, *, root: bool = False, exception: str | None = None) -> str:
    """A finding as one link of a chain reads: its root cause, one of its exceptions, or its symptom."""
    if exception is not None:
        where = _where(f, exception)
        return f"{exception} in {where}" if where else exception
    if root and f.causes is not None:
        cause = f.causes.root
        module = _module(f"{cause.message}")
        if cause.short in ("ModuleNotFoundError", "ImportError") and module:
            return f"{cause.short} `{module}` ({_origin(module, f)})"
        if cause.short == "KeyError" and f.klass == EventClass.EXPECTED_CONFIG:
            return f"KeyError `{cause.message.strip(chr(39) + chr(34))}` on os.environ (missing setting)"
        text = cause.message if len(cause.message) <= 80 else cause.message[:79] + "…"
        return f"{cause.short}: {text}" if text else cause.short
    if f.rule in IMPORT_RULES and f.key:
        return f"ModuleNotFoundError `{f.key}` ({_origin(f.key, f)})"
    if f.klass == EventClass.EXPECTED_CONFIG:
        names = setting_names([f])
        return f"missing setting {', '.join(f'`{n}`' for n in names)}" if names else f.rule.replace("-", " ")
    if f.rule in UNREACHABLE_RULES:
        target = address(f.example)
        return f"{f.rule.replace('-', ' ')}" + (f" ({target})" if target else "")
    words = _LABELS.get(f.rule)
    if words is not None:
        text = words.format(key=f.key or "?")
        if f.rule == "startup-probe-failed" and f.key:
            text += f" ({f.key.replace(':', ' port ', 1)})"
        return text
    return f.rule.replace("-", " ") + (f" `{f.key}`" if f.key else "")


def _where(f: Finding, exception: str) -> str:
    """The file an exception was raised in (its innermost own frame), without folders."""
    if f.causes is None:
        return ""
    for cause in f.causes.causes:
        if cause.short == exception and cause.frames:
            own = [x for x in cause.frames if not _third_party(x)] or list(cause.frames)
            return own[-1].replace("\\", "/").rsplit("/", 1)[-1]
    return ""


def _third_party(path: str) -> bool:
    return regex.search(r"site-packages|dist-packages|[/\\]lib[/\\]python\d|^<frozen", path) is not None


def _module(text: str) -> str | None:
    found = regex.search(_MODULE, text)
    return next((g for g in found.groups() if g), None) if found else None


def _origin(module: str, f: Finding) -> str:
    """Whether a missing module is the service's own (a frame lives under a folder of its top name)."""
    top = module.split(".", 1)[0]
    frames = [x.replace("\\", "/") for c in (f.causes.causes if f.causes else ()) for x in c.frames]
    own = [x for x in frames if not _third_party(x)]
    if not own:
        return "missing from the image or from the requirements"
    if any(f"/{top}/" in x or x.endswith(f"/{top}.py") for x in own):
        return "own module, missing from the image"
    return "third-party, missing from the requirements"


def setting_names(findings: Iterable[Finding]) -> tuple[str, ...]:
    """Every missing setting the findings name, once each, in order (pydantic fields as their env names)."""
    names: list[str] = []
    for f in findings:
        if f.klass != EventClass.EXPECTED_CONFIG or f.suppressed:
            continue
        fields = [m.group("field").upper() for m in regex.finditer(_PYDANTIC_FIELD, f.example)]
        if fields:
            names.extend(fields)
        elif f.key and regex.fullmatch(_IDENTIFIER, f.key):
            names.append(f.key)
        else:
            names.extend(regex.findall(_ENV_NAME, f.example)[:1])
    return tuple(dict.fromkeys(names))


def settings_command(names: Iterable[str], service: str | None, region: str | None) -> str | None:
    """One gcloud command that sets every name: plain values as env vars, secrets from Secret Manager."""
    names = tuple(names)
    if not names:
        return None
    plain = [n for n in names if regex.search(_SECRET, n) is None]
    secret = [n for n in names if regex.search(_SECRET, n) is not None]
    parts = [f"gcloud run services update {service or 'SERVICE'} --region {region or 'REGION'}"]
    if plain:
        parts.append("--update-env-vars " + ",".join(f"{n}=..." for n in plain))
    if secret:
        parts.append("--update-secrets " + ",".join(f"{n}=<secret>:latest" for n in secret))
    return " ".join(parts)


def apply_fix(chain: Chain, host: Finding, summary: Summary) -> Chain:
    """The chain with its likely fix and command, from its root and the revision's evidence."""
    root = chain.root
    service, region = summary.service, summary.region
    rules = {root.rule, *(link.rule for link in chain.links)}
    module = _module(host.root.label if host.root else host.example) or (
        host.key if host.rule in IMPORT_RULES else None
    )
    if root.rule in IMPORT_RULES or (module and "ModuleNotFoundError" in root.label):
        name = module or "the module"
        if "own module" in root.label:
            fix = (
                f"`{name}` is the service's own code but is not in the image: check the build context, "
                ".dockerignore and the Dockerfile's COPY lines, and WORKDIR/PYTHONPATH; rebuild and redeploy."
            )
        else:
            fix = (
                f"Add `{name.split('.', 1)[0]}` to the requirements the image installs (requirements.txt "
                "or pyproject.toml); rebuild and redeploy."
            )
        return replace(chain, fix=fix)
    if root.klass == EventClass.EXPECTED_CONFIG:
        names = setting_names(summary.findings)
        command = settings_command(names, service, region)
        fix = f"Set the missing settings on the service: {', '.join(names)}." if names else host.hint
        return replace(chain, fix=fix, command=command)
    memory = next((f for f in summary.findings if f.rule == "memory-limit-exceeded"), None)
    if rules & MEMORY_RULES:
        found = regex.search(_MEMORY, memory.example) if memory else None
        size = _doubled(found.group("limit"), found.group("unit")) if found else "1Gi"
        fix = (
            "The container ran out of memory while starting: raise the memory limit (or load less at "
            "import time)."
        )
        command = (
            f"gcloud run services update {service or 'SERVICE'} --region {region or 'REGION'} --memory {size}"
        )
        return replace(chain, fix=fix, command=command)
    if root.rule in UNREACHABLE_RULES:
        where = address(host.example)
        fix = (
            f"The app could not reach {where or 'a service it needs'} while starting, and the probe gave up: "
            "check that it is up and reachable from Cloud Run (the Cloud SQL instance attached with "
            "--add-cloudsql-instances, or a VPC connector / Direct VPC egress for a private IP) and the "
            "host and port settings."
        )
        return replace(chain, fix=fix)
    return replace(chain, fix=host.hint or "Read the root cause's first occurrence in the log.")


def address(text: str) -> str | None:
    """The host:port an application could not reach, from its message."""
    found = regex.search(_ADDRESS, text)
    if found is None:
        return None
    return f"{found.group('host') or found.group('host2')}:{found.group('port') or found.group('port2')}"


def _doubled(limit: str, unit: str) -> str:
    mib = float(limit) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[unit]
    target = 512
    while target < mib * 2:
        target *= 2
    return f"{target // 1024}Gi" if target >= 1024 else f"{target}Mi"
