"""Detectors that find a secret by what stands before it: a secret-like name, a header, a URL's user part, a
command-line flag. Applied after the provider detectors."""

from __future__ import annotations

from typing import Final

from logscan.redaction.detector import NOT_A_VALUE, NOT_PLACEHOLDER, Detector, Reach, detector, random_looking

_PASS = r"(?<![a-z])pass(?![a-z])"
SECRET_NAMES = (
    r"(?:passw(?:or)?d|passphrase|" + _PASS + r"|pwd|secret|token|api[_-]?key|apikey"
    r"|(?:access|secret|private|signing|encryption|master|account|sharedaccess|storage)[_-]?key"
    r"|credentials?|session(?:[_-]?id)?|sessid|connect\.sid)"
)
"""The end of a name whose value is a secret (case-insensitive): MY_DB_PASSWORD, X-Api-Key, AccountKey, PHPSESSID."""
_LOOSE_NAMES = SECRET_NAMES.replace(_PASS, "pass")
"""SECRET_NAMES without lookarounds (RE2 has none): it matches wherever SECRET_NAMES does, and more."""
_SEPARATOR = r"[\"']?[ \t]*(?:=>|[=:])[ \t]*"
_QUOTED = (
    r"[bru]?\"" + NOT_PLACEHOLDER + NOT_A_VALUE + r"(?P<secret>(?:[^\"\\\n]|\\.)+)\""
    r"|[bru]?'" + NOT_PLACEHOLDER + NOT_A_VALUE + r"(?P<secret>(?:[^'\\\n]|\\.)+)'"
)
"""A quoted value, with escaped quotes inside it; b'...' is a Python bytes repr."""
_CODE = r"(?!(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*[ \t]*[\[(]|process\.env\.)"
"""A bare value that is code reading the value (os.environ["X"], getenv("X"), ENV.fetch(...), process.env.X) is
none: the traceback of a missing setting shows the line that read it, and its name must stay readable."""

_BARE = (
    NOT_PLACEHOLDER
    + NOT_A_VALUE
    + _CODE
    + r"(?![bru]['\"])(?P<secret>[^\s\"'`<>{\[(][^\s\"'`<>]*?)(?=[,;)\]}]*(?:[\s\"'`<>]|$))"
)
"""An unquoted value up to the next blank; trailing punctuation stays outside."""
_NOT_A_WORD = r"(?![a-z]+[,;.)\]}]*(?:[\s\"'`<>]|$))"
"""After a colon, a bare lowercase word is prose or a command (credentials:edit, token: expired), not a value."""

NAMED: Final[tuple[Detector, ...]] = (
    detector(
        "pem-body",
        r"(?m)^[ \t\"']*(?P<secret>(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[a-z])[A-Za-z0-9+/]{64})[ \t\"',]*$",
        r"[A-Za-z0-9+/]{64}",
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",),
        ("================================================================",),
        # one line: nothing in the pattern matches a newline
        reach=Reach(r"(?m)^[ \t\"']*[A-Za-z0-9+/]{64}[ \t\"',]*$"),
    ),
    detector(
        "url-password",
        r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@\"'<>]*:" + NOT_PLACEHOLDER + r"(?!\d{1,5}(?:[/?#]|$))"
        r"(?P<secret>[^\s\"'<>]+)@(?=[^\s\"'<>/@]*[A-Za-z0-9])",
        "://",
        (
            "postgresql://billing:S3cr3t!pw@10.8.0.3:5432/billing",
            "redis://:hunter22@10.0.0.5:6379/0",
            "mysql://app:Tz8/kd9QmW2x@10.0.0.3:3306/app",
        ),
        (
            "https://api.example.com:8443/v1",
            "postgresql://billing@10.8.0.3/billing",
            "https://h:443/users/@me",
        ),
    ),
    detector(
        "auth-header",
        r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest|apikey)\s+)?"
        + NOT_PLACEHOLDER
        + r"(?P<secret>[^\s\"',;]{8,})",
        "(?i:authorization)",
        ("Authorization: Basic YmlsbGluZzpTM2NyM3QhcHc=", "{'authorization': 'Token 9f8e7d6c5b4a3f2e'}"),
        ("authorization failed", "Authorization: Bearer <*>", "Authorization: Bearer [REDACTED:jwt:0a1b2c]"),
    ),
    detector(
        "bearer-token",
        r"(?i)\bbearer\s+" + NOT_PLACEHOLDER + r"(?P<secret>[A-Za-z0-9._~+/=-]{12,})",
        "(?i:bearer)",
        ("curl -H 'X-Api: Bearer 9f8e7d6c5b4a3f2e1d0c'",),
        ("the bearer token was rejected",),
    ),
    detector(
        "query-secret",
        r"[?&;](?P<name>(?i:[A-Za-z0-9_.-]*(?:"
        + SECRET_NAMES
        + r"|signature|credential)|key|sig|pass))="
        + NOT_PLACEHOLDER
        + NOT_A_VALUE
        + r"(?P<secret>[^\s&#\"'<>]+)",
        "=",
        (
            "GET /reset?email=a%40b.io&token=8f14e45fceea167a HTTP/1.1",
            "https://storage.googleapis.com/b/o?X-Goog-Signature=8a1f0c3b",
            "POST /login body: user=bob&password=hunter2&remember=1",
        ),
        ("GET /items?page=2&sort=name",),
        # one line (no class holds a newline) but for NOT_A_VALUE's {{[^}]*}}, as in secret-value
        reach=Reach(
            r"(?i)[?&;][A-Za-z0-9_.-]*(?:" + _LOOSE_NAMES + r"|signature|credential|key|sig|pass)=",
            until=("{{", "}"),
        ),
    ),
    detector(
        "secret-value",
        r"(?P<name>(?i:"
        + SECRET_NAMES
        + r")|_KEY)"
        + r"(?:"
        + (_SEPARATOR + r"(?:" + _QUOTED + r")")
        + (r"|[\"']?[ \t]*=[ \t]*" + _BARE)
        + (r"|[\"']?[ \t]*(?:=>|:)[ \t]*" + _NOT_A_WORD + _BARE)
        + r")",
        r"(?i:" + SECRET_NAMES + r")|_KEY",
        (
            "POSTGRES_PASSWORD=hunter2hunter2",
            "JWT_SECRET_KEY=c2VjcmV0LXNpZ25pbmcta2V5",
            "SECRET_KEY=django-insecure-k#3@x&z=9",
            '{"password": "Tr0ub4dor&3"}',
            '{"password": "Vr8\\"kLm29xQpZt"}',
            "{'X-Api-Key': 'a81f0c3b9d2e4f5a'}",
            "{'secret': b'x9Lq2mN8vB6cD0eF'}",
            "Settings(db_password=s3cr3t-pw, debug=False)",
            "Cookie: session=9f8e7d6c5b4a",
            "{ user: 'alice', password: 'Xk9mQ2vLp' }",
            "DB_PASS=Lq8zN3vX2w",
            "X-Auth-Token: 9f8e7d6c5b4a3f2e1d0c",
            "PHPSESSID=9f8e7d6c5b4a3f2e1d; lang=en",
            "connect.sid=s%3Ax9Lq2mN8vB6cD0eF.1gH3jK5lP7",
            "Azure conn string AccountKey=x9Lq2mN8vB6cD0eF1gH3jK5lP7==",
            "redis settings host: 10.0.0.5 password: x9Lq2mN8vB db: 0",
            '{:adapter=>"postgresql", :password=>"x9Lq2mN8vB"}',
            "config: &{Host:10.8.0.3 Password:x9Lq2mN8vB SSLMode:require}",
        ),
        (
            "password=None",
            "JWT secret not configured: set JWT_SECRET_KEY",
            "token=${API_TOKEN}",
            "cache_key=user",
            "Access denied for user 'app' (using password: YES)",
            "bypass=true",
            "password: <*>",
            "set this string with `bin/rails credentials:edit` (ArgumentError)",
            "refresh failed, token: expired",
            '    SECRET = os.environ["JWT_SECRET_KEY"]',
            "    api_key = os.getenv('OPENAI_API_KEY')",
            "const token = process.env.API_TOKEN || '';",
            '  secret_key_base = ENV.fetch("SECRET_KEY_BASE")',
        ),
        # the name and its separator sit on one line and so does the value (no class in it holds a newline);
        # only NOT_A_VALUE's {{[^}]*}} reads further, from a {{ up to the first closing brace
        reach=Reach(r"(?i)(?:" + _LOOSE_NAMES + r"|_key)[\"']?[ \t]*[=:]", until=("{{", "}")),
    ),
    detector(
        "command-line-password",
        r"(?i)(?:\s--?(?:[a-z]+-)*(?:password|passwd|pass|token|secret|api-?key)(?:=|\s+)"
        + NOT_PLACEHOLDER
        + r"(?P<secret>[^\s\"'-][^\s\"']*)"
        r"|\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,200}?\s-p(?P<secret>[^\s\"']+)"
        r"|\bcurl\b[^\n]{0,200}?\s(?:-u|--user)\s+[^\s:\"']+:(?P<secret>[^\s\"']+))",
        r"(?i:-(?:[a-z]+-)*(?:pass|token|secret|api-?key))|mysql|mariadb|curl",
        (
            "pg_dump --host=db --username=app --password Hk29xLq8 --dbname=app",
            "mysqldump -h db -u root -pQz81kXm0v orders",
            "curl -fsS -u deploy:Hk29xLq8 https://nexus.acme.io/app.tgz",
        ),
        ("psql --no-password -h db", "mysql -h db -P 3306 orders"),
        # the leading \s can be the newline above the flag; a \s before -p, -u or --user can be the newline
        # after mysql or curl, and \s+ before the value crosses blank lines. The screen is the anchor made
        # case-insensitive throughout, as the pattern is (the anchor's mysql, mariadb and curl are not).
        reach=Reach(
            r"(?i)-(?:[a-z]+-)*(?:pass|token|secret|api-?key)|mysql|mariadb|curl",
            before=1,
            after=1,
            blank=True,
        ),
    ),
    detector(
        "high-entropy-value",
        # a report's own fields (signature, key) are no secret's name
        r"(?i)(?<![A-Za-z0-9_.-])(?!(?:signature|key)[\"'])"
        r"[A-Za-z0-9_.-]*(?:auth|cred|hmac|salt|sig|secret|token|pass|pw|key)[A-Za-z0-9_.-]*"
        + _SEPARATOR
        + r"[\"']?(?P<secret>[A-Za-z0-9+/=_.~-]{16,})",
        r"(?i:auth|cred|hmac|salt|sig|secret|token|pass|pw|key)",
        (
            '"hmac": "h2hRUdotefzNopIhMFANPhYbmwGw"',
            "MAILER_AUTH=Vx82LmQ0pZr4Tk9sWn3yBc7D",
            "private_key_id: 2c281ca8de6b59356d65e9a2ace43f0d1b7e6a95",
        ),
        (
            "sort_key=created_at_descending",
            "auth_mode: service_account_default",
            "cache_key=user-profile-v2",
            "<!-- logscan:auth-service:auth-service-00012-abc -->",  # a Cloud Run service and revision name
            "token_issuer: token-service-00007-xoz.run.app",
        ),
        check=random_looking,
        reach=Reach(  # one line, and a match holds its name, separator and 16 characters of value
            r"(?i)(?:auth|cred|hmac|salt|sig|secret|token|pass|pw|key)[A-Za-z0-9_.-]*[\"']?[ \t]*(?:=>|[=:])"
            r"[ \t]*[\"']?[A-Za-z0-9+/=_.~-]{16}"
        ),
    ),
)
"""Applied after the provider detectors, in this order."""
