"""What classifying in SQL costs and saves, on a generated export (benchmarks/generate.py).

    python benchmarks/bench_sql.py [--entries 1000000] [--export FILE] [--skip-triage]

Prints, for one export of one revision:

- entries in the window, and the rows `logscan triage --engine bigquery` would bring home: the download
  query's rows (every entry but the counted ones: non-noise entries, noise the joiner might join, their
  neighbours, the first entry of each counted kind) and the counts query's rows, from the same two queries
  run in DuckDB over the export mapped to Log Analytics' columns (the view BigQuery would read), and how
  long DuckDB took for them;
- the time of `duckdb` running `logscan sql --dialect duckdb --export FILE` (the classification query, all
  rows out) against the time of `logscan triage FILE` on the same file, both as subprocesses, and their
  ratio. The duckdb CLI is used when it is on PATH (pip install duckdb-cli), else the duckdb Python module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from logscan.classify.library import load_library  # noqa: E402
from logscan.sources.cloud.query import revision_query  # noqa: E402
from logscan.sources.cloud.window import Window  # noqa: E402
from logscan.sql.export import export_source  # noqa: E402
from logscan.sql.query import Table, to_sql  # noqa: E402
from logscan.sql.triage import triage_queries  # noqa: E402
from tests import generated  # noqa: E402

VIEW = f"{generated.PROJECT}.global._Default._AllLogs"


def _timed(command: list[str], stdin: Path | None = None) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    with stdin.open("rb") if stdin else open(os.devnull, "rb") as given:
        subprocess.run(
            command, stdin=given, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env
        )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries to generate")
    parser.add_argument("--export", type=Path, help="use this export instead of generating one")
    parser.add_argument("--skip-triage", action="store_true", help="only count rows (no timings)")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-sql-"))
    try:
        export = args.export
        if export is None:
            export = scratch / "export.json"
            generated.main(["--entries", str(args.entries), "--out", str(export)])
        library = load_library()
        window = Window(generated.START - timedelta(days=1), generated.START + timedelta(days=1))
        where = revision_query(generated.PROJECT, generated.REVISION, window)
        con = duckdb.connect()
        view = to_sql(export_source([export]), "duckdb").rstrip().rstrip(";")
        con.execute(f'CREATE VIEW "{VIEW}" AS {view}')
        built = time.perf_counter()
        queries = triage_queries(library, "duckdb", Table(VIEW), where)
        download_sql = to_sql(queries.download, "duckdb").rstrip().rstrip(";")
        counts_sql = to_sql(queries.counts, "duckdb").rstrip().rstrip(";")
        built = time.perf_counter() - built
        total = con.sql(f'SELECT count(*) FROM "{VIEW}"').fetchall()[0][0]
        started = time.perf_counter()
        downloaded = con.sql(f"SELECT count(*) FROM ({download_sql})").fetchall()[0][0]
        count_rows, counted = con.sql(f"SELECT count(*), sum(entries) FROM ({counts_sql})").fetchall()[0]
        both = time.perf_counter() - started
        print(f"export: {export} ({export.stat().st_size:,} bytes)")
        print(f"entries in the window: {total:,}")
        print(
            f"triage --engine bigquery would download {downloaded:,} entry rows ({downloaded / max(total, 1):.1%})"
        )
        print(f"  and {count_rows:,} count rows standing for {counted or 0:,} entries")
        print(f"building the two triage queries' SQL text (sqlglot): {built:.1f} s")
        print(f"the two triage queries in DuckDB (Python module, this process): {both:.1f} s")
        if args.skip_triage:
            return 0
        sql_file = scratch / "classify.sql"
        with sql_file.open("w") as out:
            subprocess.run(
                [sys.executable, "-m", "logscan", "sql", "--dialect", "duckdb", "--export", str(export)],
                stdout=out,
                check=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        cli = shutil.which("duckdb")
        if cli:
            how = f"duckdb CLI ({cli})"
            duck = _timed([cli, "-csv"], stdin=sql_file)
        else:
            how = "duckdb Python module"
            code = "import duckdb,sys; duckdb.connect().sql(open(sys.argv[1]).read()).fetchall()"
            duck = _timed([sys.executable, "-c", code, str(sql_file)])
        triage = _timed(
            [sys.executable, "-m", "logscan", "triage", str(export), "-o", str(scratch / "r.json")]
        )
        print(f"duckdb running the classification query ({how}): {duck:.1f} s")
        print(f"logscan triage on the same file: {triage:.1f} s")
        print(f"ratio duckdb / triage: {duck / triage:.2f}")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
