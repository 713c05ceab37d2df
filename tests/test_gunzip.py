"""sources/gunzip.py: a .gz that expands without end ends with a clear error and exit 2; the limits are flags."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.errors import InputError
from logscan.sources.files import open_source
from logscan.sources.gunzip import GunzipLimits, parse_size

from . import factories


def _newlines_gz(path: Path, mib: int) -> Path:
    """A gzip of mib MiB of newlines: some kilobytes on disk."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        chunk = b"\n" * (1 << 20)
        for _ in range(mib):
            out.write(chunk)
    return path


def test_a_gzip_of_newlines_stops_at_the_ratio_quickly_with_the_flag_named(tmp_path: Path) -> None:
    bomb = _newlines_gz(tmp_path / "logs.json.gz", 16)
    assert bomb.stat().st_size < 40_000
    result = CliRunner().invoke(cli, ["triage", str(bomb)])  # benchmarks/bench_resources.py times it
    assert result.exit_code == 2
    assert f"{bomb}: expands more than 250 times" in result.output
    assert "--gzip-max-ratio" in result.output and result.output.count("\n") == 1


def test_the_total_size_limit_and_raising_both_limits(tmp_path: Path) -> None:
    entries = [factories.log_entry(f"GET /v1/orders/{i} 200 in {i % 90} ms", i) for i in range(3000)]
    plain = factories.write_export(tmp_path / "logs.json", entries)
    packed = tmp_path / "logs.json.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    small = CliRunner().invoke(cli, ["classify", str(packed), "--gzip-max-size", "256K"])
    assert small.exit_code == 2
    assert f"{packed}: gunzips to more than 256.0 KiB" in small.output and "--gzip-max-size" in small.output
    ok = CliRunner().invoke(
        cli, ["classify", str(packed), "--gzip-max-size", "1G", "--gzip-max-ratio", "5000"]
    )
    assert ok.exit_code == 0 and len(ok.output.splitlines()) == 3000


def test_limits_apply_to_the_source_and_a_normal_gzip_reads_whole(tmp_path: Path) -> None:
    bomb = _newlines_gz(tmp_path / "n.gz", 5)
    with pytest.raises(InputError, match="expands more than 100 times"):
        list(open_source(str(bomb), GunzipLimits(max_ratio=100)).entries())
    entries = [factories.log_entry(f"worker {i % 7} heartbeat ok", i) for i in range(5000)]
    packed = tmp_path / "logs.json.gz"
    packed.write_bytes(gzip.compress(factories.write_export(tmp_path / "logs.json", entries).read_bytes()))
    assert len(list(open_source(str(packed)).entries())) == 5000  # about 30 times smaller: within limits


@pytest.mark.parametrize(
    ("text", "size"), [("500M", 500 << 20), ("16G", 16 << 30), ("2GiB", 2 << 30), ("4096", 4096)]
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text, "--gzip-max-size") == size


def test_a_bad_size_names_the_option() -> None:
    with pytest.raises(InputError, match="--gzip-max-size 'lots': expected a size such as 500M"):
        parse_size("lots", "--gzip-max-size")
