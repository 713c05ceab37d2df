"""Post a Markdown report as a GitHub issue comment through the REST API, or update the one posted before.

A report's first line is a hidden marker, ``<!-- logscan:SERVICE:REVISION -->``. Publishing lists the issue's
comments (every page) and edits the latest comment that carries the same marker; only when there is none
does it add a new comment; the marker counts only on a comment's first line (a log line quoting another
report's marker sits further down). The token comes from GH_TOKEN or GITHUB_TOKEN, must look like a token
(it goes into a header; no message ever shows it) and is only ever sent to the origin given by --api-url
(https, or http on a loopback address for local fakes): a redirect elsewhere is refused, not followed.
"""

from __future__ import annotations

import ipaddress
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from logscan import __version__, regexes
from logscan.errors import PublishError
from logscan.report.redact.scan import assert_clean
from logscan.report.render import GITHUB_LIMIT

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN")
MARKER = regexes.compile(r"\A\s*(<!-- logscan:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+ -->)")
_MARKER_LINE = regexes.compile(r"^<!-- logscan:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+ -->$", regex.M)
_REPO = regexes.compile(r"\A[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
_NEXT = regexes.compile(r'<([^>]+)>;\s*rel="next"')
_PER_PAGE = 100
_MAX_PAGES = 200
_MAX_REDIRECTS = 3
_TOKEN_SHAPE = regexes.compile(r"\A[A-Za-z0-9_.-]{1,512}\Z")
"""GitHub's tokens (ghp_, ghs_, github_pat_, 40-hex classic) are ASCII letters, digits and _ only; . and - for
GitHub Enterprise and proxies. Anything else (a newline, a space) would break or inject a header."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would resend every header, the token too, to wherever a redirect points: _call decides instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class GitHubHTTPError(PublishError):
    """GitHub answered with an HTTP error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Published:
    """What publishing did."""

    action: str
    """created or updated."""
    comment_id: int
    """The comment's id."""
    url: str
    """The comment's html_url."""


def token_from(environ: Mapping[str, str]) -> str:
    """The GitHub token from GH_TOKEN, else GITHUB_TOKEN; raises PublishError naming both when neither is set."""
    for name in TOKEN_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            if not _TOKEN_SHAPE.match(value):
                raise PublishError(
                    f"{name} does not look like a GitHub token (only letters, digits and _ . - are allowed; it "
                    "holds a space, a line break or another character). Set it to the token alone."
                )
            return value
    raise PublishError(
        "no GitHub token: set GH_TOKEN or GITHUB_TOKEN. Tip: in GitHub Actions pass "
        "env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} and grant permissions: issues: write."
    )


class GitHub:
    """The few REST calls publishing needs, over urllib."""

    def __init__(self, api_url: str, token: str, timeout: float = 30.0) -> None:
        self.api_url = _checked_api_url(api_url)
        self._origin = _origin(self.api_url)
        self._token = token
        self._timeout = timeout

    def comments(self, repo: str, issue: int) -> Iterator[dict[str, Any]]:
        """Every comment of an issue, following the Link header page by page."""
        url: str | None = f"{self.api_url}/repos/{repo}/issues/{issue}/comments?per_page={_PER_PAGE}"
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            page, headers = self._call("GET", url, what=f"{repo}#{issue}")
            if not isinstance(page, list):
                raise PublishError(
                    f"{self.api_url} answered the comment listing of {repo}#{issue} with no list."
                )
            yield from (c for c in page if isinstance(c, dict))
            url = self._next(headers.get("Link", ""))
        raise PublishError(
            f"{repo}#{issue} has more than {_MAX_PAGES * _PER_PAGE} comments; publish stopped listing."
        )

    def create_comment(self, repo: str, issue: int, body: str) -> dict[str, Any]:
        """Add a comment to an issue (or pull request)."""
        data, _ = self._call(
            "POST", f"{self.api_url}/repos/{repo}/issues/{issue}/comments", {"body": body}, f"{repo}#{issue}"
        )
        return _comment(data)

    def update_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        """Replace a comment's body."""
        url = f"{self.api_url}/repos/{repo}/issues/comments/{comment_id}"
        data, _ = self._call("PATCH", url, {"body": body}, f"comment {comment_id} in {repo}")
        return _comment(data)

    def _next(self, link: str) -> str | None:
        found = _NEXT.search(link)
        if found is None:
            return None
        url = str(found.group(1))
        if _origin(url) != self._origin:
            raise PublishError(
                f"{self.api_url} sent a next-page link to another host ({_origin(url)}); publish stopped."
            )
        return url

    def _call(
        self, method: str, url: str, payload: dict[str, Any] | None = None, what: str = ""
    ) -> tuple[Any, Mapping[str, str]]:
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                return self._once(method, url, payload, what)
            except _Redirect as moved:
                if _origin(moved.location) != self._origin:
                    raise PublishError(
                        f"{self.api_url} redirected {method} for {what} to another host ({_origin(moved.location)}); "
                        "the token is only sent to --api-url, so publish stopped. Pass the API's own URL as --api-url."
                    ) from None
                url = moved.location
        raise PublishError(f"{self.api_url} redirected {method} for {what} more than {_MAX_REDIRECTS} times.")

    def _once(
        self, method: str, url: str, payload: dict[str, Any] | None, what: str
    ) -> tuple[Any, Mapping[str, str]]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", f"logscan/{__version__}")
        request.add_header("Authorization", f"Bearer {self._token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                body = response.read()
                return (json.loads(body) if body else None), response.headers
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if 300 <= exc.code < 400 else None
            if location:
                raise _Redirect(urllib.parse.urljoin(url, location)) from None
            raise _http_error(exc, method, what, self.api_url) from None
        except urllib.error.URLError as exc:
            raise PublishError(
                f"cannot reach {self.api_url} ({exc.reason}). Check --api-url and the network."
            ) from None
        except (TimeoutError, OSError) as exc:
            raise PublishError(
                f"cannot reach {self.api_url} ({exc}). Check --api-url and the network."
            ) from None
        except json.JSONDecodeError:
            raise PublishError(
                f"{self.api_url} answered {method} for {what} with something that is not JSON."
            ) from None


class _Redirect(Exception):
    """The API answered 3xx; location is absolute."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def publish_report(
    body: str,
    repo: str,
    issue: int,
    *,
    api_url: str = DEFAULT_API_URL,
    token: str,
    source: str = "the report",
) -> Published:
    """Post body on issue N of repo, or update the earlier comment with the same marker."""
    if not _REPO.match(repo):
        raise PublishError(f"--repo {repo!r} is not OWNER/NAME. Pass it like --repo acme/billing-api.")
    if issue < 1:
        raise PublishError(
            f"--issue {issue} is not an issue number. Pass the number shown after # on GitHub."
        )
    found = MARKER.match(body)
    if found is None:
        raise PublishError(
            f"{source} does not start with logscan's marker (<!-- logscan:SERVICE:REVISION -->). "
            "Publish the Markdown written by: logscan triage ... -o report.md"
        )
    if "made with `--no-redact`" in body[:2000] or "made with --no-redact" in body[:2000]:
        raise PublishError(
            f"{source} was made with --no-redact and may hold secrets; publish refuses to post it. Run triage again without --no-redact."
        )
    if len(body) > GITHUB_LIMIT:
        raise PublishError(
            f"{source} is {len(body):,} characters; GitHub takes at most {GITHUB_LIMIT:,}. "
            "Write it again with logscan triage ... -o report.md, which cuts it to fit."
        )
    assert_clean(body, source, "md")
    marker = found.group(1)
    github = GitHub(api_url, token)
    # Only a comment whose first line is exactly this marker is ours to update: not another paste's, not a quote.
    previous = [c for c in github.comments(repo, issue) if _first_line(c).strip() == marker]
    if previous:
        latest = max(previous, key=lambda c: (str(c.get("created_at") or ""), int(c.get("id") or 0)))
        try:
            comment = github.update_comment(repo, int(latest["id"]), body)
            return Published("updated", int(comment["id"]), str(comment.get("html_url", "")))
        except GitHubHTTPError as exc:
            if exc.status not in (403, 404):
                raise
            # the marked comment belongs to someone this token cannot edit: add ours instead
    comment = github.create_comment(repo, issue, body)
    return Published("created", int(comment["id"]), str(comment.get("html_url", "")))


def publish_file(
    path: Path,
    repo: str,
    issue: int,
    *,
    api_url: str = DEFAULT_API_URL,
    environ: Mapping[str, str] | None = None,
) -> list[Published]:
    """Publish a Markdown report file written by logscan triage: a comment per revision it reports on."""
    if path.suffix.lower() not in (".md", ".markdown"):
        raise PublishError(
            f"{path}: publish posts the Markdown report. Write it with: logscan triage ... -o report.md"
        )
    try:
        body = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PublishError(
            f"{path}: no such file. Write it first with: logscan triage ... -o {path}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"{path}: cannot be read ({exc}).") from None
    token = token_from(os.environ if environ is None else environ)
    return [
        publish_report(part, repo, issue, api_url=api_url, token=token, source=str(path))
        for part in sections(body)
    ]


def sections(body: str) -> list[str]:
    """The report sections of a Markdown report, each from its marker line on (one per revision); what
    comes before the first marker (the overview of a report of several revisions) is not posted."""
    starts = [m.start() for m in _MARKER_LINE.finditer(body)]
    if len(starts) <= 1:
        return [body]
    return [body[a:b].rstrip("\n") + "\n" for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]


def _first_line(comment: dict[str, Any]) -> str:
    """A comment's first non-blank line: where a report's marker is (a quoted marker further down is log text)."""
    body = str(comment.get("body") or "").lstrip()
    return body.split("\n", 1)[0]


def _comment(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or "id" not in data:
        raise PublishError("GitHub answered without a comment id; the comment may not have been saved.")
    return data


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _checked_api_url(api_url: str) -> str:
    url = api_url.rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PublishError(
            f"--api-url {api_url!r} is not an http(s) URL. For GitHub Enterprise pass https://HOST/api/v3."
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise PublishError(
            f"--api-url {api_url!r} uses plain http; the token would travel unencrypted. Use https://."
        )
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http_error(exc: urllib.error.HTTPError, method: str, what: str, api_url: str) -> GitHubHTTPError:
    try:
        message = str(json.loads(exc.read() or b"{}").get("message", "")) or exc.reason
    except (json.JSONDecodeError, AttributeError, OSError):
        message = str(exc.reason)
    status = f"({exc.code} {message})"
    if exc.code == 401:
        return GitHubHTTPError(
            f"GitHub at {api_url} rejected the token {status}. Tip: check that GH_TOKEN or GITHUB_TOKEN holds a valid token.",
            exc.code,
        )
    if exc.code == 403 and exc.headers.get("X-RateLimit-Remaining") == "0":
        return GitHubHTTPError(
            f"GitHub's rate limit is used up {status}; retry after the reset time in X-RateLimit-Reset.",
            exc.code,
        )
    if exc.code == 403:
        return GitHubHTTPError(
            f"GitHub refused {method} on {what} {status}. Tip: the token needs issues: write "
            "(pull-requests: write on a pull request) on that repository.",
            exc.code,
        )
    if exc.code == 404:
        return GitHubHTTPError(
            f"GitHub found no {what} at {api_url} {status}. Check --repo and --issue; a token without access "
            "to the repository also sees 404; for GitHub Enterprise pass --api-url https://HOST/api/v3.",
            exc.code,
        )
    return GitHubHTTPError(f"GitHub answered {method} on {what} with {status}.", exc.code)
