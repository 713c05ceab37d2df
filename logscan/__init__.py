"""logscan: triage a Cloud Run revision's logs right after a deploy."""

__all__ = ["__version__"]

__version__ = "0.1.0"
"""The release. pyproject.toml reads it from here (hatch), so a run needs no importlib.metadata look-up."""
