"""report/redact."""
