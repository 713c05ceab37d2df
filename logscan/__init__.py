"""logscan: triage a Cloud Run revision's logs right after a deploy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("logscan")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
