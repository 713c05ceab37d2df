"""report/redact/scan.py: the fail-closed check of finished text reads what a reader sees."""

from __future__ import annotations

import pytest

from logscan.errors import ReportError
from logscan.redaction.redact import redact_text
from logscan.report.redact.scan import assert_clean, find_secrets, html_text

TOKEN = "ghp_" + "x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tU2wY4z"


def test_a_secret_is_found_on_its_line() -> None:
    leaks = find_secrets(f"# report\n\nall good\nGH_TOKEN={TOKEN}\n", "md")
    assert {leak.line for leak in leaks} == {4}


def test_html_is_read_as_the_text_a_browser_shows() -> None:
    page = f"<p>Authorization: Bearer <code>&lt;*&gt;</code></p><script>var t = 1;</script><p>{TOKEN}</p>"
    shown = html_text(page)
    assert "<code>" not in shown and "<*>" in shown
    assert find_secrets(page, "html")  # the token in the shown text
    assert not find_secrets(
        page.replace(TOKEN, "no secret here"), "html"
    )  # a placeholder before markup is none


def test_markdown_escapes_do_not_hide_a_secret() -> None:
    escaped = TOKEN.replace("_", "\\_")
    assert find_secrets(f"token {escaped}", "md")


def test_redacted_text_is_clean_and_unredacted_text_is_refused_naming_the_kind_and_line() -> None:
    line = f"POSTGRES_PASSWORD=hunter2hunter2 and {TOKEN}"
    assert_clean(redact_text(line), "md report", "md")
    with pytest.raises(ReportError) as raised:
        assert_clean(f"ok\n{line}", "md report", "md")
    assert "on line 2" in str(raised.value) and "nothing was written" in str(raised.value)
