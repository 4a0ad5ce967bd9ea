"""Benchmark: import time per seed plan (target < 100 ms each on this machine).

Run: .venv/bin/python bench/bench_import.py [--repeat N]
Each seed is imported once to warm up (imports, regex compilation), then N times;
the table shows the median and the best run, with the task count as a sanity check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.organisation import load_organisation  # noqa: E402
from ingest.importer import import_plan  # noqa: E402

SEEDS = ROOT / "tests" / "ingest" / "seeds"
ORGS = ROOT / "samples" / "org"
TARGET_MS = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    worst = 0.0
    print(f"{'seed':<22}{'lines':>7}{'tasks':>7}{'median ms':>11}{'best ms':>9}")
    for seed in sorted(SEEDS.glob("*.txt")):
        org_name = seed.stem.rsplit("-", 1)[0]
        org = load_organisation(ORGS / f"{org_name}.yaml") if (ORGS / f"{org_name}.yaml").exists() else None
        result = import_plan(seed, org=org)  # warm-up
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            import_plan(seed, org=org)
            times.append((time.perf_counter() - start) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        lines = len(seed.read_text(encoding="utf-8").splitlines())
        print(f"{seed.stem:<22}{lines:>7}{len(result.tasks):>7}{median:>11.1f}{min(times):>9.1f}")
    verdict = "OK" if worst < TARGET_MS else "SLOWER THAN TARGET"
    print(f"target < {TARGET_MS:.0f} ms per seed: {verdict}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
