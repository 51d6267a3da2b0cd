"""The long Schemathesis run over the whole OpenAPI document (never in `make test`).

    .venv/bin/python bench/api_fuzz.py            # 100 examples per operation, role and kind
    .venv/bin/python bench/api_fuzz.py 500        # more
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_fuzz \\
        .venv/bin/python bench/api_fuzz.py        # on PostgreSQL (the database is emptied)

It runs tests/test_api_fuzz.py, the suite's short pass, with more examples, and prints the
operations, the cases sent, the time taken and each distinct finding (operation, role, kind of
case, first line of the failure). Exit status 0 when nothing was found."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    examples = sys.argv[1] if len(sys.argv) > 1 else "100"
    env = {**os.environ, "LMS_API_FUZZ_EXAMPLES": examples}
    env.setdefault("TEST_DATABASE_URL", "")
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
               "--tb=no", "-o", "log_cli=false", "tests/test_api_fuzz.py"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    summary = [line for line in done.stdout.splitlines()
               if line.startswith(("Schemathesis:", "  "))]
    print("\n".join(summary) or done.stdout + done.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
