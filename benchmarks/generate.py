"""The command line of the export generator, which lives in tests/generated.py (tests and benchmarks share it).

python benchmarks/generate.py --entries 100000 --out /tmp/export.json [--seed 7] [--format json|jsonl]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.generated import entries, main, write

__all__ = ["entries", "main", "write"]

if __name__ == "__main__":
    sys.exit(main())
