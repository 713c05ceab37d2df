"""Detectors for tokens a provider marks with its own prefix or shape (the rule lists of gitleaks and
detect-secrets are the map). Each is exact enough to need no name beside it."""

from __future__ import annotations

from typing import Final

from logscan.redaction.detector import Detector, Reach, detector

_B = r"(?<![A-Za-z0-9_-])"
"""Start of a token: not in the middle of a longer word."""
_E = r"(?![A-Za-z0-9_-])"

PROVIDERS: Final[tuple[Detector, ...]] = (
    detector(
        "private-key",
        r"(?s)(?P<secret>-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----|.*))",
        "-----BEGIN",
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",),
        ("-----BEGIN CERTIFICATE-----",),
    ),
    detector(
        "jwt",
        r"(?P<secret>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
        "eyJ",
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.qm3vBfM2E5lUj9wJ8zK0dQ",),
        ("eyJhbGciOiJIUzI1NiJ9 alone is only a header",),
    ),
    detector(
        "anthropic-key",
        r"(?P<secret>\bsk-ant-[A-Za-z0-9_-]{20,})",
        "sk-ant-",
        ("ANTHROPIC_API_KEY=sk-ant-api03-Zx8q2LmN4vB6cD0eF1gH3jK5lP7rS9tU",),
    ),
    detector(
        "openai-key",
        r"(?P<secret>\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})",
        "sk-",
        ("Incorrect API key provided: sk-proj-4fQ9x2LmN8vB6cD0eF1gH3jK5lP7rS9tUa",),
        ("sk-learn is a library",),
    ),
    detector(
        "mapbox-token",
        r"(?P<secret>\b[sp]k\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})",
        r"k\.eyJ",
        ("MAPBOX_ACCESS sk.eyJ1IjoiYWNtZSIsImEiOiJjbHg5In0.x9Lq2mN8vB6cD0eF1gH3jK",),
    ),
    detector(
        "google-api-key",
        r"(?P<secret>\bAIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])",
        "AIza",
        ("?key=AIzaSyD4x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tU",),
    ),
    detector(
        "google-oauth",
        r"(?P<secret>\bya29\.[0-9A-Za-z_-]{20,}|\bGOCSPX-[0-9A-Za-z_-]{20,})",
        r"ya29\.|GOCSPX-",
        ("access token ya29.a0AfB_byC4x9Lq2mN8vB6cD0eF1gH3jK5",),
    ),
    detector(
        "github-token",
        r"(?P<secret>\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{22,})",
        r"gh[pousr]_|github_pat_",
        (
            "remote: ghp_4fQ9x2LmN8vB6cD0eF1gH3jK5lP7rS9tUaZ1",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        ),
        ("ghp_short",),
    ),
    detector(
        "gitlab-token", r"(?P<secret>\bglpat-[A-Za-z0-9_-]{20,})", "glpat-", ("glpat-x9Lq2mN8vB6cD0eF1gH3",)
    ),
    detector(
        "aws-access-key",
        r"(?P<secret>\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b",
        "A[SKBC][IC]A",
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE",),
        ("AKIA is a prefix",),
    ),
    detector(
        "aws-secret-key",
        r"(?i)\baws[^\n]{0,40}?secret[^\n]{0,30}?(?<![A-Za-z0-9/+])(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        r"(?i:aws[^\n]{0,40}?secret)",
        (
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "session with AWS secret access key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("AWS secret rotation finished for 2 keys",),
    ),
    detector(
        "slack-token",
        r"(?P<secret>\bxox[abposre]-[A-Za-z0-9-]{10,}|hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,})",
        r"xox[abposre]-|hooks\.slack",
        ("SLACK_BOT=xoxb-2741093857-5520938475123-Zx8q2LmN4vB6cD0eF1gH3jK5",),
    ),
    detector(
        "stripe-key",
        r"(?P<secret>\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{24,})",
        r"k_(?:live|test)_|whsec_",
        (
            "stripe.error.AuthenticationError: Invalid API Key provided: sk_live_51Hx9Lq2mN8vB6cD0eF1gH3",
            "webhook secret whsec_x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tU",
        ),
        ("pk_live_51Hx9Lq2mN8vB6cD0eF1gH3 is publishable",),
    ),
    detector(
        "sendgrid-key",
        r"(?P<secret>\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})",
        r"SG\.",
        ("SG.x9Lq2mN8vB6cD0eF1gH3j.K5lP7rS9tUaZ1x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9",),
    ),
    detector(
        "huggingface-token",
        r"(?P<secret>\bhf_[A-Za-z0-9]{30,})",
        "hf_",
        ("HF_TOKEN hf_x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tUaZ1",),
    ),
    detector(
        "twilio",
        _B
        + r"(?P<secret>SK[0-9a-fA-F]{32})"
        + _E
        + r"|(?i:twilio[^\n]{0,40}?(?:token|secret)[^\n]{0,12}?)\b(?P<secret>[0-9a-f]{32})\b",
        r"SK[0-9a-fA-F]{32}|(?i:twilio)",
        (
            "API key SK2b7f0c9e4d1a8b3c6e5f4a3b2c1d0e9f",
            "Twilio auth token 9f8e7d6c5b4a39281706f5e4d3c2b1a0 was rejected",
        ),
        ("twilio account AC9f8e7d6c5b4a39281706f5e4d3c2b1a0",),
        reach=Reach(r"SK[0-9a-fA-F]{32}|(?i:twilio)"),  # one line: [^\n], and no class holds a newline
    ),
    detector(
        "npm-token",
        r"(?P<secret>\bnpm_[A-Za-z0-9]{36})" + _E,
        "npm_",
        ("//registry.npmjs.org/:_authToken=npm_x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tUaZ1x9",),
    ),
    detector(
        "shopify-token",
        r"(?P<secret>\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})",
        "shp(?:at|ca|pa|ss)_",
        ("X-Shopify-Access 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",),
    ),
    detector(
        "mailgun-key",
        r"(?P<secret>\bkey-[0-9a-f]{32})\b",
        "key-",
        ("api:key-9f8e7d6c5b4a39281706f5e4d3c2b1a0",),
    ),
    detector(
        "digitalocean-token",
        r"(?P<secret>\bdo[por]_v1_[a-f0-9]{64})\b",
        "_v1_",
        ("dop_v1_" + "9f8e7d6c5b4a39281706f5e4d3c2b1a0" * 2,),
    ),
    detector(
        "pypi-token",
        r"(?P<secret>\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})",
        "pypi-AgEIcHlwaS5vcmc",
        ("password = pypi-AgEIcHlwaS5vcmcCJDk0NjU2ZjBhLTg1ZDctNDZlNy1iMzQ5LTE3ZjQ1NmY2NWI2ZAACKlsz",),
    ),
    detector(
        "databricks-token",
        r"(?P<secret>\bdapi[a-f0-9]{32})(?:-\d)?\b",
        "dapi",
        ("token dapi9f8e7d6c5b4a39281706f5e4d3c2b1a0",),
    ),
    detector(
        "telegram-bot-token",
        r"(?<!\d)\d{5,16}:(?P<secret>A[A-Za-z0-9_-]{34})" + _E,  # the rule lists' shape: A and 34 more
        r"\d:A",
        (
            "POST https://api.telegram.org/bot123456789:AAx9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tUaZ/getMe",
            "TELEGRAM 7311428356:AHk29xLq8Wm3Zr0pQv5Tn7Ys2Bd6Fg1Jc4e sendMessage failed",
        ),
        ("build 20250301:ABORTED after 12 steps",),
        # one line; any non-ASCII character stands for a digit (RE2's \p{Nd} misses some that regex's \d takes)
        reach=Reach(r"[0-9\x{80}-\x{10FFFF}]{5,16}:A[A-Za-z0-9_-]{34}"),
    ),
    detector(
        "discord-webhook",
        r"discord(?:app)?\.com/api/webhooks/\d+/(?P<secret>[A-Za-z0-9_-]{60,})",
        "discord",
        ("https://discord.com/api/webhooks/1187/" + "x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tUaZ1" * 2,),
    ),
    detector(
        "square-token",
        r"(?P<secret>\b(?:sq0atp|sq0csp|EAAA)[-A-Za-z0-9_]{22,})",
        "sq0|EAAA",
        ("square 401 for sq0atp-x9Lq2mN8vB6cD0eF1gH3jK",),
    ),
    detector(
        "age-secret-key",
        r"(?P<secret>\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        "AGE-SECRET-KEY-1",
        ("AGE-SECRET-KEY-1" + ("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L" * 2)[:58],),
    ),
    detector(
        "linear-key",
        r"(?P<secret>\blin_api_[A-Za-z0-9]{40})" + _E,
        "lin_api_",
        ("lin_api_" + "x9Lq2mN8vB" * 4,),
    ),
    detector(
        "doppler-token",
        r"(?P<secret>\bdp\.(?:pt|st|ct|sa|scim|audit)\.(?:[a-z0-9_-]{2,35}\.)?[A-Za-z0-9]{40,44})" + _E,
        r"dp\.",
        ("DOPPLER_TOKEN dp.st.prd." + "x9Lq2mN8vB" * 4,),
    ),
    detector(
        "sentry-token",
        r"(?P<secret>\bsntry[su]_[A-Za-z0-9_=+/-]{40,})",
        "sntry",
        ("sntrys_" + "x9Lq2mN8vB" * 5,),
    ),
)
"""Applied first: a later, name-based detector never matches inside an earlier one's placeholder."""
