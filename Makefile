.PHONY: install test lint format bench accuracy golden

install:
	python3 -m pip install -e '.[test]'

test:
	python3 -m pytest

lint:
	ruff check logscan tests benchmarks
	ruff format --check logscan
	mypy

format:
	ruff format logscan tests benchmarks

bench:
	python3 benchmarks/bench_triage.py
	python3 benchmarks/bench_startup.py
	python3 benchmarks/bench_engine.py
	python3 benchmarks/bench_literal_table.py
	python3 benchmarks/bench_quota.py
	python3 benchmarks/bench_resources.py
	python3 benchmarks/bench_sql.py --entries 100000

accuracy:
	python3 benchmarks/accuracy.py

golden:
	python3 -m pytest tests/test_golden.py --update-golden
