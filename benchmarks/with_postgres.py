"""Run a benchmark against a throwaway PostgreSQL cluster on 127.0.0.1.

usage: python benchmarks/with_postgres.py benchmarks/engine_overhead.py --records 100000

Starts the same kind of cluster the test suite uses, passes its URL to the benchmark as
``--database-url``, and stops it afterwards.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests._postgres import find_pg_bin, running_postgres


def main() -> int:
    bin_dir, reason = find_pg_bin()
    if bin_dir is None:
        print(f"PostgreSQL not available: {reason}", file=sys.stderr)
        return 2
    with running_postgres(bin_dir) as server:
        url = server.url("postgres")
        return subprocess.call([sys.executable, *sys.argv[1:], "--database-url", url])


if __name__ == "__main__":
    sys.exit(main())
