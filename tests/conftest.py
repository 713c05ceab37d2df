"""Shared pytest setup: where the optional real corpus lives, and the shipped library loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscan.classify.library import Library, load_library

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


def real_corpus() -> Path:
    """../shared/corpus/real, or skip the test cleanly when this checkout has no shared folder."""
    path = CORPUS / "real"
    if not (path / "labels.jsonl").exists():
        pytest.skip("../shared/corpus/real is not present in this checkout")
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/*.md from the current output instead of comparing.",
    )
