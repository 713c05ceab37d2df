"""logscan publish against a local fake of GitHub's REST API (issue comments), started on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import regex
from click.testing import CliRunner, Result

from logscan.cli import cli
from logscan.config import Config
from logscan.errors import PublishError
from logscan.publish.github import publish_report, token_from
from logscan.report.render.formats import render
from logscan.resources import data_dir
from logscan.sources.files import open_source

from . import factories
from .factories import triaged

TOKEN = "ghs_fake0token0for0the0local0fake0server"
REPO = "acme/billing-api"
ISSUE = 7
BOT = "logscan-bot"
_COMMENTS = regex.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<issue>\d+)/comments$")
_COMMENT = regex.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$")


@dataclass
class FakeGitHub:
    """Issue comments of one repository, served like api.github.com (or GitHub Enterprise under a prefix)."""

    prefix: str = ""
    max_per_page: int = 100
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    next_link_host: str | None = None
    redirect: tuple[int, str] | None = None
    """Answer every request with this status and Location (a base URL; the request's path is appended)."""
    moved_from: str = ""
    """A path prefix answered with 308 to the same path without it, on this server."""
    url: str = ""

    def add(self, body: str, user: str = "someone", issue: int = ISSUE) -> dict[str, Any]:
        comment = {
            "id": 1000 + len(self.comments),
            "issue": issue,
            "body": body,
            "user": {"login": user},
            "created_at": f"2025-09-15T18:{len(self.comments) // 60:02d}:{len(self.comments) % 60:02d}Z",
        }
        comment["html_url"] = f"https://github.com/{REPO}/issues/{issue}#issuecomment-{comment['id']}"
        self.comments.append(comment)
        return comment

    def mine(self, issue: int = ISSUE) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["issue"] == issue and c["user"]["login"] == BOT]


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _route(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            fake.requests.append((method, self.path, {k.lower(): v for k, v in self.headers.items()}))
            if fake.redirect is not None:
                status, base = fake.redirect
                return self._send(status, {}, {"Location": base + self.path})
            if fake.moved_from and self.path.startswith(fake.moved_from + "/"):
                return self._send(308, {}, {"Location": fake.url + self.path[len(fake.moved_from) :]})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"message": "Bad credentials"})
            if not parts.path.startswith(fake.prefix + "/"):
                return self._send(404, {"message": "Not Found"})
            path = parts.path[len(fake.prefix) :]
            listing, single = _COMMENTS.match(path), _COMMENT.match(path)
            if listing and (listing["repo"] != REPO or int(listing["issue"]) not in (ISSUE, 8)):
                return self._send(404, {"message": "Not Found"})
            if single and single["repo"] != REPO:
                return self._send(404, {"message": "Not Found"})
            if method == "GET" and listing:
                return self._list(int(listing["issue"]), urllib.parse.parse_qs(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}")
            if method == "POST" and listing:
                created = fake.add(data["body"], user=BOT, issue=int(listing["issue"]))
                return self._send(201, created)
            if method == "PATCH" and single:
                found = [c for c in fake.comments if c["id"] == int(single["id"])]
                if not found:
                    return self._send(404, {"message": "Not Found"})
                if found[0]["user"]["login"] != BOT:
                    return self._send(403, {"message": "Resource not accessible by integration"})
                found[0]["body"] = data["body"]
                return self._send(200, found[0])
            return self._send(404, {"message": "Not Found"})

        def _list(self, issue: int, query: dict[str, list[str]]) -> None:
            per_page = min(int(query.get("per_page", ["30"])[0]), fake.max_per_page)
            page = int(query.get("page", ["1"])[0])
            items = [c for c in fake.comments if c["issue"] == issue]
            chunk = items[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(items):
                host = fake.next_link_host or fake.url.split("/")[2]
                base = f"http://{host}{fake.prefix}/repos/{REPO}/issues/{issue}/comments"
                headers["Link"] = f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"'
            self._send(200, chunk, headers)

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

    return Handler


def _serve() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    yield from _serve()


@pytest.fixture
def elsewhere() -> Iterator[FakeGitHub]:
    """A second server: another origin (another port) that a redirect may point at."""
    yield from _serve()


@pytest.fixture(scope="module")
def report_md(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = triaged([open_source(str(data_dir("examples") / "staging-missing-config.json"))], Config())
    path = tmp_path_factory.mktemp("publish") / "report.md"
    path.write_text(render(report, "md"), encoding="utf-8")
    return path


def _publish(path: Path, api_url: str, *extra: str, env: dict[str, str] | None = None) -> Result:
    environment = {"GH_TOKEN": TOKEN, "GITHUB_TOKEN": "", "GITHUB_API_URL": ""} if env is None else env
    return CliRunner(env=environment).invoke(
        cli, ["publish", str(path), "--repo", REPO, "--issue", str(ISSUE), "--api-url", api_url, *extra]
    )


def test_first_publish_creates_a_comment_and_a_rerun_updates_it(github: FakeGitHub, report_md: Path) -> None:
    github.add("LGTM, ship it")
    first = _publish(report_md, github.url)
    assert first.exit_code == 0, first.output
    assert regex.match(
        r"created comment (\d+): https://github.com/acme/billing-api/issues/7#issuecomment-\1", first.output
    )
    assert [c["body"] for c in github.mine()] == [report_md.read_text(encoding="utf-8")]

    updated = report_md.parent / "rerun.md"
    updated.write_text(
        report_md.read_text(encoding="utf-8").replace("Next steps", "Next steps (rerun)"), encoding="utf-8"
    )
    second = _publish(updated, github.url)
    assert second.exit_code == 0, second.output
    assert second.output.startswith("updated comment ")
    assert len(github.mine()) == 1
    assert "Next steps (rerun)" in github.mine()[0]["body"]
    assert [c["body"] for c in github.comments if c["user"]["login"] != BOT] == ["LGTM, ship it"]


def test_the_marker_is_found_on_a_later_page(github: FakeGitHub, report_md: Path) -> None:
    for i in range(120):
        github.add(f"comment {i}")
    marked = github.add(report_md.read_text(encoding="utf-8").replace("Next steps", "old"), user=BOT)
    for i in range(100):
        github.add(f"later comment {i}")
    github.max_per_page = 50
    result = _publish(report_md, github.url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"updated comment {marked['id']}:")
    listings = [path for method, path, _ in github.requests if method == "GET"]
    assert len(listings) == 5  # 221 comments at 50 a page
    assert listings[0].endswith("per_page=100") and listings[-1].endswith("page=5")


def test_another_revision_gets_its_own_comment(github: FakeGitHub, report_md: Path, tmp_path: Path) -> None:
    assert _publish(report_md, github.url).exit_code == 0
    other = tmp_path / "other.md"
    text = report_md.read_text(encoding="utf-8")
    other.write_text(
        text.replace("billing-api-00631-xgf -->", "billing-api-00632-abc -->", 1), encoding="utf-8"
    )
    assert _publish(other, github.url).exit_code == 0
    assert len(github.mine()) == 2


def test_a_marked_comment_this_token_cannot_edit_is_left_alone(github: FakeGitHub, report_md: Path) -> None:
    theirs = github.add(report_md.read_text(encoding="utf-8"), user="someone-else")
    result = _publish(report_md, github.url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created comment ")
    assert theirs["body"] == report_md.read_text(encoding="utf-8")
    assert len(github.mine()) == 1


def test_github_enterprise_api_url(github: FakeGitHub, report_md: Path) -> None:
    github.prefix = "/api/v3"
    result = _publish(report_md, github.url + "/api/v3/")
    assert result.exit_code == 0, result.output
    assert all(path.startswith("/api/v3/repos/") for _, path, _ in github.requests)


def test_requests_carry_the_token_and_the_api_version(github: FakeGitHub, report_md: Path) -> None:
    assert _publish(report_md, github.url).exit_code == 0
    for _, _, headers in github.requests:
        assert headers["authorization"] == f"Bearer {TOKEN}"
        assert headers["x-github-api-version"] == "2022-11-28"
        assert headers["accept"] == "application/vnd.github+json"


def test_the_token_comes_from_gh_token_then_github_token() -> None:
    assert token_from({"GH_TOKEN": "a", "GITHUB_TOKEN": "b"}) == "a"
    assert token_from({"GITHUB_TOKEN": "b"}) == "b"
    with pytest.raises(PublishError, match="no GitHub token: set GH_TOKEN or GITHUB_TOKEN"):
        token_from({"GH_TOKEN": " "})


def test_github_token_alone_works(github: FakeGitHub, report_md: Path) -> None:
    result = _publish(report_md, github.url, env={"GH_TOKEN": "", "GITHUB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no-token", "no GitHub token: set GH_TOKEN or GITHUB_TOKEN."),
        ("bad-token", "rejected the token (401 Bad credentials). Tip: check that GH_TOKEN"),
        ("no-issue", "GitHub found no acme/billing-api#9 at"),
    ],
)
def test_failures_are_one_line_with_the_fix(
    github: FakeGitHub, report_md: Path, case: str, message: str
) -> None:
    env = {"GH_TOKEN": {"no-token": "", "bad-token": "wrong"}.get(case, TOKEN), "GITHUB_TOKEN": ""}
    issue = "9" if case == "no-issue" else str(ISSUE)
    result = CliRunner(env=env).invoke(
        cli, ["publish", str(report_md), "--repo", REPO, "--issue", issue, "--api-url", github.url]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1
    assert github.mine() == []


def _refused(
    github: FakeGitHub, body: str, tmp_path: Path, name: str = "report.md", api_url: str = ""
) -> Result:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    result = _publish(path, api_url or github.url)
    assert result.exit_code == 2
    assert github.requests == []
    return result


def test_refuses_markdown_without_the_marker(github: FakeGitHub, tmp_path: Path) -> None:
    result = _refused(github, "## hand-written notes\n", tmp_path)
    assert "does not start with logscan's marker" in result.output


def test_refuses_an_unredacted_report(github: FakeGitHub, tmp_path: Path) -> None:
    report = factories.unredacted(factories.report([factories.finding()]))
    result = _refused(github, render(report, "md"), tmp_path)
    assert "was made with --no-redact" in result.output


def test_refuses_a_body_over_the_limit(github: FakeGitHub, report_md: Path, tmp_path: Path) -> None:
    result = _refused(github, report_md.read_text(encoding="utf-8") + "x" * 70_000, tmp_path)
    assert "GitHub takes at most 65,536" in result.output


def test_refuses_a_report_with_a_secret_in_it(github: FakeGitHub, report_md: Path, tmp_path: Path) -> None:
    body = (
        report_md.read_text(encoding="utf-8")
        + "\nOPENAI_API_KEY=sk-NnFRIBXuDL7DxtpYlSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJ\n"
    )
    result = _refused(github, body, tmp_path)
    assert "shaped like a secret" in result.output
    assert "sk-NnFRIB" not in result.output


def test_refuses_json_and_plain_http(github: FakeGitHub, report_md: Path, tmp_path: Path) -> None:
    assert "publish posts the Markdown report" in _refused(github, "{}", tmp_path, "report.json").output
    body = report_md.read_text(encoding="utf-8")
    result = _refused(github, body, tmp_path, api_url="http://github.example.com/api/v3")
    assert "uses plain http; the token would travel unencrypted" in result.output


def test_the_token_never_follows_a_link_to_another_host(github: FakeGitHub, report_md: Path) -> None:
    for i in range(3):
        github.add(f"comment {i}")
    github.max_per_page = 2
    github.next_link_host = "127.0.0.2:1"
    with pytest.raises(PublishError, match="next-page link to another host"):
        publish_report(report_md.read_text(encoding="utf-8"), REPO, ISSUE, api_url=github.url, token=TOKEN)
    assert len(github.requests) == 1


def test_publish_report_returns_what_it_did(github: FakeGitHub, report_md: Path) -> None:
    body = report_md.read_text(encoding="utf-8")
    first = publish_report(body, REPO, ISSUE, api_url=github.url, token=TOKEN)
    again = publish_report(body, REPO, ISSUE, api_url=github.url, token=TOKEN)
    assert (first.action, again.action) == ("created", "updated")
    assert first.comment_id == again.comment_id
    assert replace(first, action="updated") == again


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_origin_never_gets_the_token(
    github: FakeGitHub, elsewhere: FakeGitHub, report_md: Path, status: int
) -> None:
    github.redirect = (status, elsewhere.url)
    result = _publish(report_md, github.url)
    assert result.exit_code == 2
    assert f"to another host ({elsewhere.url})" in result.output
    assert [h.get("authorization") for _, _, h in elsewhere.requests if "authorization" in h] == []
    assert TOKEN not in result.output


def test_a_redirect_on_the_same_origin_is_followed_with_the_token(
    github: FakeGitHub, report_md: Path
) -> None:
    github.moved_from = "/old"  # a renamed API prefix on the same host: 308 to the new one
    result = _publish(report_md, github.url + "/old")
    assert result.exit_code == 0, result.output
    assert len(github.mine()) == 1
    assert {path.split("/")[1] for _, path, _ in github.requests} == {"old", "repos"}
    assert all(h["authorization"] == f"Bearer {TOKEN}" for _, _, h in github.requests)


@pytest.mark.parametrize(
    "token",
    ["ghp_abc\nInjected: header", "ghp_abc def", "ghp_abc\r\nX-Evil: 1", "t\u00f6ken0123456789"],
    ids=["newline", "space", "crlf", "non-ascii"],
)
def test_a_malformed_token_is_refused_and_never_printed(
    github: FakeGitHub, report_md: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for debug in ("", "1"):
        monkeypatch.setenv("LOGSCAN_DEBUG", debug)
        result = _publish(report_md, github.url, env={"GH_TOKEN": token, "GITHUB_TOKEN": ""})
        assert result.exit_code == 2
        assert "GH_TOKEN does not look like a GitHub token" in result.output
        assert "ghp_abc" not in result.output and "ken0123" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert github.requests == []


def test_the_marker_counts_only_on_a_comments_first_line(github: FakeGitHub, report_md: Path) -> None:
    body = report_md.read_text(encoding="utf-8")
    marker = body.splitlines()[0]
    # another revision's report that quotes this revision's marker in a log line (inside its code block)
    quoting = github.add(
        body.replace(marker, "<!-- logscan:billing-api:billing-api-00630-old -->", 1)
        + f"\n```text\nWARN replayed {marker}\n```\n",
        user=BOT,
    )
    before = quoting["body"]
    result = _publish(report_md, github.url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created comment ")
    assert quoting["body"] == before


def _paste_report(path: Path) -> str:
    return render(factories.triaged([open_source(str(path))], Config()), "md")


def test_a_paste_is_marked_by_its_name_and_content(tmp_path: Path) -> None:
    """Issue 12 item 6: two pastes' reports must not share <!-- logscan:unknown:unknown -->."""
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("ERROR: database is locked\nINFO: retrying\n", encoding="utf-8")
    second.write_text("ERROR: disk quota exceeded\nINFO: retrying\n", encoding="utf-8")
    one, again, other = (_paste_report(p).split("\n", 1)[0] for p in (first, first, second))
    assert regex.fullmatch(r"<!-- logscan:unknown:unknown-[0-9a-f]{12} -->", one)
    assert one == again != other
    renamed = tmp_path / "renamed.txt"  # another name: another subject (a folder alone is not)
    renamed.write_bytes(first.read_bytes())
    assert _paste_report(renamed).split("\n", 1)[0] != one


def test_publish_updates_only_a_comment_whose_marker_is_an_exact_match(
    github: FakeGitHub, tmp_path: Path
) -> None:
    """Issue 12 item 6: another paste's comment, or one that merely quotes our marker, is left alone."""
    paste = tmp_path / "paste.txt"
    paste.write_text("ERROR: database is locked\nINFO: retrying\n", encoding="utf-8")
    ours = tmp_path / "paste.md"
    ours.write_text(_paste_report(paste), encoding="utf-8")
    marker = ours.read_text(encoding="utf-8").split("\n", 1)[0]
    shared = github.add("<!-- logscan:unknown:unknown -->\nthe report of another paste", user=BOT)
    quoting = github.add(f"The bot's report below is stale:\n{marker}\n", user=BOT)
    result = _publish(ours, github.url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created comment ")
    assert shared["body"] == "<!-- logscan:unknown:unknown -->\nthe report of another paste"
    assert quoting["body"] == f"The bot's report below is stale:\n{marker}\n"
    again = _publish(ours, github.url)
    assert again.output.startswith("updated comment ")
    assert len(github.mine()) == 3


def test_a_report_of_two_revisions_is_published_as_a_comment_each(github: FakeGitHub, tmp_path: Path) -> None:
    """Issue 12 item 1: one comment (and marker) per revision; a rerun updates each in place."""
    from .test_subjects import NEW, OLD, _two_revisions

    export = _two_revisions(tmp_path / "logs.json")
    report = tmp_path / "report.md"
    assert CliRunner().invoke(cli, ["triage", str(export), "-o", str(report)]).exit_code == 1
    first = _publish(report, github.url)
    assert first.exit_code == 0, first.output
    assert [line.split(" ")[0] for line in first.output.splitlines()] == ["created", "created"]
    bodies = [c["body"] for c in github.mine()]
    assert [b.split("\n", 1)[0] for b in bodies] == [
        f"<!-- logscan:billing-api:{OLD} -->",
        f"<!-- logscan:billing-api:{NEW} -->",
    ]
    again = _publish(report, github.url)
    assert [line.split(" ")[0] for line in again.output.splitlines()] == ["updated", "updated"]
    assert len(github.mine()) == 2
