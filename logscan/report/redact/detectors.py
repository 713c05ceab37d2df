"""The secret detectors, as data, with the examples each must and must not match.

Each detector is a small piece of data: a kind, a regex whose ``secret`` group is the part to hide, and
examples it must and must not match (tests run them). One table serves both the redaction of a report
(redact.py) and the fail-closed check of finished text (scan.py), so a secret's shape is written
once. ``TRIGGER`` is redaction's fast path: a new detector's prefix must be added to it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import regex

_NOT_PLACEHOLDER = r"(?!\[REDACTED:)(?!\\|\(\?|\.[+*]\?)"  # nor a regex (a rule stub's)
_NOT_A_VALUE = r"(?!(?:None|null|nil|undefined|true|false|\*+|<[^>\s]*>|\$\{?\w+\}?)(?:[\s&\"',;)}\]]|$))"
_SECRET_NAMES = (
    r"(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|(?:access|secret|private|signing|encryption|master)[_-]?key"
    r"|credentials?|session(?:[_-]?id)?)"
)


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


TRIGGER = regex.compile(
    r"-----BEGIN|eyJ|://|sk-|AIza|ya29\.|GOCSPX-|g(?:h[pousr]|ithub_pat)_|glpat-|A[SKBC][IC]A|(?i:aws_?secret)"
    r"|xox[abposre]-|hooks\.slack|[sr]k_(?:live|test)_|SG\.|hf_|(?i:authorization|bearer)|=|[\"']\s*:"
    r"|[A-Za-z0-9+/]{64}"
)
"""Text without any of these cannot hold a secret any detector finds: it skips the detectors (a fast path)."""
