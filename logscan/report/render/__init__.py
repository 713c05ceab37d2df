"""report/render: one module per format; what every format shares is here, so that a JSON report loads no
Markdown renderer."""

GITHUB_LIMIT = 65_536
"""Characters GitHub accepts in an issue comment or issue body."""
FULL_REPORT_HINT = "run logscan again with -o report.json (or -o report.html) to get every finding"
"""Where the full report is, unless the caller knows better (a CI artifact, a file it also wrote)."""
