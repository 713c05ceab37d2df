"""Redact secrets before anything is rendered, and check finished reports for any that survived.

Each detector is a small piece of data: a kind, a regex whose ``secret`` group is the part to hide, and
examples it must and must not match (tests run them). A secret becomes ``[REDACTED:kind:hash]``, where the
hash is a short digest of the secret itself, so equal secrets still group and differ from other secrets.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, Final, TypeVar

import regex

from .cluster import rule_stub
from .errors import ReportError
from .model import Report

PLACEHOLDER: Final = regex.compile(r"\[REDACTED:[a-z0-9-]+:[0-9a-f]{6}\]")
"""What a redacted secret looks like in a report."""

_NOT_PLACEHOLDER = r"(?!\[REDACTED:)(?!\\|\(\?|\.[+*]\?)"  # nor a regex (a rule stub's)
_NOT_A_VALUE = r"(?!(?:None|null|nil|undefined|true|false|\*+|<[^>\s]*>|\$\{?\w+\}?)(?:[\s&\"',;)}\]]|$))"
_SECRET_NAMES = (
    r"(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|(?:access|secret|private|signing|encryption|master)[_-]?key"
    r"|credentials?|session(?:[_-]?id)?)"
)
_RUN = regex.compile(r"[A-Za-z0-9]{8,}")
_RANDOM_LOOKING = regex.compile(r"(?=.*\d)(?=.*[A-Za-z])|(?=.*[a-z])(?=.*[A-Z])")


@dataclass(frozen=True)
class Detector:
    """One kind of secret: how to find it and what it must and must not match."""

    kind: str
    """Short name shown in the placeholder, such as openai-key."""
    pattern: regex.Pattern[str]
    """Regex with a named group ``secret``: the text that gets replaced."""
    matches: tuple[str, ...]
    """Lines in which the detector must find a secret."""
    no_match: tuple[str, ...] = ()
    """Lines in which it must find nothing."""


def _d(kind: str, pattern: str, matches: tuple[str, ...], no_match: tuple[str, ...] = ()) -> Detector:
    return Detector(kind, regex.compile(pattern, regex.V0), matches, no_match)


DETECTORS: Final = (
    _d(
        "private-key",
        r"(?s)(?P<secret>-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----|.*))",
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",),
        ("-----BEGIN CERTIFICATE-----",),
    ),
    _d(
        "pem-body",
        r"(?m)^[ \t\"']*(?P<secret>(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[a-z])[A-Za-z0-9+/]{64})[ \t\"',]*$",
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",),
        ("================================================================",),
    ),
    _d(
        "jwt",
        r"(?P<secret>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.qm3vBfM2E5lUj9wJ8zK0dQ",),
        ("eyJhbGciOiJIUzI1NiJ9 alone is only a header",),
    ),
    _d(
        "url-password",
        r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@\"'<>]*:" + _NOT_PLACEHOLDER + r"(?P<secret>[^\s/\"'<>]+)@",
        ("postgresql://billing:S3cr3t!pw@10.8.0.3:5432/billing", "redis://:hunter22@10.0.0.5:6379/0"),
        ("https://api.example.com:8443/v1", "postgresql://billing@10.8.0.3/billing"),
    ),
    _d(
        "anthropic-key",
        r"(?P<secret>\bsk-ant-[A-Za-z0-9_-]{20,})",
        ("ANTHROPIC_API_KEY=sk-ant-api03-Zx8q2LmN4vB6cD0eF1gH3jK5lP7rS9tU",),
    ),
    _d(
        "openai-key",
        r"(?P<secret>\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})",
        ("Incorrect API key provided: sk-proj-4fQ9x2LmN8vB6cD0eF1gH3jK5lP7rS9tUa",),
        ("sk-learn is a library",),
    ),
    _d(
        "google-api-key",
        r"(?P<secret>\bAIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])",
        ("?key=AIzaSyD4x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tU",),
    ),
    _d(
        "google-oauth",
        r"(?P<secret>\bya29\.[0-9A-Za-z_-]{20,}|\bGOCSPX-[0-9A-Za-z_-]{20,})",
        ("access token ya29.a0AfB_byC4x9Lq2mN8vB6cD0eF1gH3jK5",),
    ),
    _d(
        "github-token",
        r"(?P<secret>\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{22,})",
        (
            "remote: ghp_4fQ9x2LmN8vB6cD0eF1gH3jK5lP7rS9tUaZ1",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        ),
        ("ghp_short",),
    ),
    _d(
        "gitlab-token",
        r"(?P<secret>\bglpat-[A-Za-z0-9_-]{20,})",
        ("glpat-x9Lq2mN8vB6cD0eF1gH3",),
    ),
    _d(
        "aws-access-key",
        r"(?P<secret>\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b",
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE",),
        ("AKIA is a prefix",),
    ),
    _d(
        "aws-secret-key",
        r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[=:]\s*[\"']?"
        + _NOT_PLACEHOLDER
        + r"(?P<secret>[A-Za-z0-9/+=]{40})",
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",),
    ),
    _d(
        "slack-token",
        r"(?P<secret>\bxox[abposre]-[A-Za-z0-9-]{10,}|hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,})",
        ("SLACK_BOT=xoxb-2741093857-5520938475123-Zx8q2LmN4vB6cD0eF1gH3jK5",),
    ),
    _d(
        "stripe-key",
        r"(?P<secret>\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,})",
        ("stripe.error.AuthenticationError: Invalid API Key provided: sk_live_51Hx9Lq2mN8vB6cD0eF1gH3",),
        ("pk_live_51Hx9Lq2mN8vB6cD0eF1gH3 is publishable",),
    ),
    _d(
        "sendgrid-key",
        r"(?P<secret>\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})",
        ("SG.x9Lq2mN8vB6cD0eF1gH3j.K5lP7rS9tUaZ1x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9",),
    ),
    _d(
        "huggingface-token",
        r"(?P<secret>\bhf_[A-Za-z0-9]{30,})",
        ("HF_TOKEN hf_x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tUaZ1",),
    ),
    _d(
        "auth-header",
        r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest|apikey)\s+)?"
        + _NOT_PLACEHOLDER
        + r"(?P<secret>[^\s\"',;]{8,})",
        ("Authorization: Basic YmlsbGluZzpTM2NyM3QhcHc=", "{'authorization': 'Token 9f8e7d6c5b4a3f2e'}"),
        ("authorization failed",),
    ),
    _d(
        "bearer-token",
        r"(?i)\bbearer\s+" + _NOT_PLACEHOLDER + r"(?P<secret>[A-Za-z0-9._~+/=-]{12,})",
        ("curl -H 'X-Api: Bearer 9f8e7d6c5b4a3f2e1d0c'",),
        ("the bearer token was rejected",),
    ),
    _d(
        "query-secret",
        r"[?&;](?P<name>(?i:[A-Za-z0-9_.-]*(?:"
        + _SECRET_NAMES
        + r"|signature|credential)|key|sig|pass))="
        + _NOT_PLACEHOLDER
        + _NOT_A_VALUE
        + r"(?P<secret>[^\s&#\"'<>]+)",
        (
            "GET /reset?email=a%40b.io&token=8f14e45fceea167a HTTP/1.1",
            "https://storage.googleapis.com/b/o?X-Goog-Signature=8a1f0c3b",
            "POST /login body: user=bob&password=hunter2&remember=1",
        ),
        ("GET /items?page=2&sort=name",),
    ),
    _d(
        "secret-value",
        r"(?P<name>(?i:" + _SECRET_NAMES + r")|_KEY)"  # the end of a name: MY_DB_PASSWORD, JWT_SECRET_KEY
        r"(?:[\"']?\s*[=:]\s*\"" + _NOT_PLACEHOLDER + _NOT_A_VALUE + r"(?P<secret>[^\"\n]+)\""
        r"|[\"']?\s*[=:]\s*'" + _NOT_PLACEHOLDER + _NOT_A_VALUE + r"(?P<secret>[^'\n]+)'"
        r"|\s*=\s*" + _NOT_PLACEHOLDER + _NOT_A_VALUE + r"(?P<secret>[^\s\"'<>]*[^\s\"'<>,;)\]}]))",
        (
            "POSTGRES_PASSWORD=hunter2hunter2",
            "JWT_SECRET_KEY=c2VjcmV0LXNpZ25pbmcta2V5",
            "SECRET_KEY=django-insecure-k#3@x&z=9",
            '{"password": "Tr0ub4dor&3"}',
            "{'X-Api-Key': 'a81f0c3b9d2e4f5a'}",
            "Settings(db_password=s3cr3t-pw, debug=False)",
            "Cookie: session=9f8e7d6c5b4a",
        ),
        (
            "password=None",
            "JWT secret not configured: set JWT_SECRET_KEY",
            "token=${API_TOKEN}",
            "cache_key=user",
        ),
    ),
)
"""Every detector, applied in this order; a later one never matches inside an earlier one's placeholder."""


_TRIGGER = regex.compile(
    r"-----BEGIN|eyJ|://|sk-|AIza|ya29\.|GOCSPX-|g(?:h[pousr]|ithub_pat)_|glpat-|A[SKBC][IC]A|(?i:aws_?secret)"
    r"|xox[abposre]-|hooks\.slack|[sr]k_(?:live|test)_|SG\.|hf_|(?i:authorization|bearer)|=|[\"']\s*:"
    r"|[A-Za-z0-9+/]{64}"
)
"""Text without any of these cannot hold a secret any detector finds: it skips the detectors (a fast path)."""


def placeholder(kind: str, secret: str) -> str:
    """The stable placeholder for a secret: equal secrets get equal placeholders."""
    digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:6]
    return f"[REDACTED:{kind}:{digest}]"


def redact_text(text: str, found: dict[str, str] | None = None) -> str:
    """Text with every detected secret replaced by its placeholder; found collects value -> placeholder."""
    if not _TRIGGER.search(text):
        return text
    seen = found if found is not None else {}
    for detector in DETECTORS:
        text = detector.pattern.sub(_replacer(detector.kind, seen), text)
    return text


def _replacer(kind: str, found: dict[str, str]) -> Callable[[regex.Match[str]], str]:
    def replace_secret(m: regex.Match[str]) -> str:
        secret = m.group("secret")
        marker = placeholder(kind, secret)
        found.setdefault(secret, marker)
        start, end = m.span("secret")
        whole = str(m.group(0))
        return whole[: start - m.start()] + marker + whole[end - m.start() :]

    return replace_secret


T = TypeVar("T")


def redact_report(report: Report) -> Report:
    """The report with secrets replaced in every text field: examples, templates, signatures, keys, reasons,
    next steps, rule stubs, provenance. Pieces of a found secret elsewhere (a template whose masks cut it
    apart) are replaced too, and rule stubs are rebuilt from their redacted template and example."""
    found: dict[str, str] = {}
    done: dict[str, str] = {}

    def once(text: str) -> str:
        if text not in done:
            done[text] = redact_text(text, found)
        return done[text]

    first = _map_strings(report, once)
    if not found:
        return first
    scrubbed = _map_strings(first, _Scrubber(found))
    templates = tuple(
        replace(t, rule_stub=rule_stub(t.template, t.example)) if t != original else t
        for t, original in zip(scrubbed.templates, report.templates, strict=True)
    )
    return replace(scrubbed, templates=templates)


def _random_looking(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    upper = sum(c.isupper() for c in text)
    lower = sum(c.islower() for c in text)
    return (digits > 0 and upper + lower > 0) or (upper >= 3 and lower >= 3)


class _Scrubber:
    """Replaces whole occurrences of found secrets, and runs of 8+ letters and digits cut from them."""

    def __init__(self, found: dict[str, str]) -> None:
        usable = [(s, p) for s, p in found.items() if len(s) >= 8 and _random_looking(s)]
        self._exact = sorted(
            ((s, p) for s, p in usable if not any(c.isspace() for c in s)), key=lambda sp: -len(sp[0])
        )
        self._pieces: dict[str, str] = {}
        for secret, marker in usable:
            for run in _RUN.findall(secret):
                for i in range(len(run) - 7):
                    for j in range(i + 8, len(run) + 1):
                        piece = run[i:j]
                        if _random_looking(piece):
                            self._pieces.setdefault(piece, marker)

    def __call__(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        for m in PLACEHOLDER.finditer(text):
            out.append(self._plain(text[pos : m.start()]))
            out.append(m.group(0))
            pos = m.end()
        out.append(self._plain(text[pos:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        for secret, marker in self._exact:
            if secret in text:
                text = text.replace(secret, marker)
        if not self._pieces:
            return text
        return str(_RUN.sub(lambda m: self._pieces.get(m.group(0), m.group(0)), text))


def _map_strings(value: T, fn: Callable[[str], str]) -> T:
    """The same value with fn applied to every string inside it (frozen dataclasses rebuilt with replace)."""
    return _walk(value, fn)  # type: ignore[no-any-return]


def _walk(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(_walk(v, fn) for v in value)
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, dict):
        return {_walk(k, fn): _walk(v, fn) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), fn) for f in fields(value)}
        return replace(value, **changes)
    return value


@dataclass(frozen=True)
class Leak:
    """Something secret-shaped found in a finished report."""

    kind: str
    """The detector that fired."""
    line: int
    """1-based line of the finished text where it sits."""


def find_secrets(text: str, fmt: str | None = None) -> list[Leak]:
    """Secret-shaped strings in finished text, looked for in every reading a reader could get of it: an HTML
    page as a browser decodes it, Markdown without its escapes and zero-width joiners, JSON unescaped (escaping
    must not hide a secret from this check). fmt is md, html or json; None tries every reading."""
    leaks: list[Leak] = []
    seen: set[tuple[str, int]] = set()
    for reading in _readings(text, fmt):
        for detector in DETECTORS:
            for m in detector.pattern.finditer(reading):
                line = reading.count("\n", 0, m.start("secret")) + 1
                if (detector.kind, line) not in seen:
                    seen.add((detector.kind, line))
                    leaks.append(Leak(detector.kind, line))
    return leaks


_MD_ESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")
_INVISIBLE = regex.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _readings(text: str, fmt: str | None) -> list[str]:
    if fmt == "html":
        return [html.unescape(text)]
    readings = [text]
    if fmt in ("md", None):
        plain = _INVISIBLE.sub("", _MD_ESCAPE.sub(r"\1", text))
        readings += [plain, html.unescape(plain)]
    if fmt in ("json", None):
        readings.append(
            text.replace("\\n", "\n").replace('\\"', '"').replace("\\/", "/").replace("\\\\", "\\")
        )
    if fmt is None:
        readings.append(html.unescape(text))
    return list(dict.fromkeys(readings))


def assert_clean(text: str, what: str, fmt: str | None = None) -> None:
    """Fail closed: raise ReportError when the finished text still holds anything secret-shaped."""
    leaks = find_secrets(text, fmt)
    if leaks:
        where = ", ".join(f"{leak.kind} on line {leak.line}" for leak in leaks[:5])
        raise ReportError(
            f"the {what} still holds text shaped like a secret ({where}) after redaction, so nothing was "
            "written. Please report this as a logscan bug; --no-redact skips redaction and this check "
            "(for private use only)."
        )
