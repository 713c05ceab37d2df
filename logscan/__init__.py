"""logscan: triage a Cloud Run revision's logs right after a deploy."""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    # The version is looked up on first use: importlib.metadata costs start-up time every command would pay.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("logscan")
        except PackageNotFoundError:  # running from a source tree that was never installed
            found = "0.0.0+source"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module 'logscan' has no attribute {name!r}")
