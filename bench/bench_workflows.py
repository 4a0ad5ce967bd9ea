"""Benchmark dondoc's task workflows on the embedded dev server (with a database file).

Prints, from one run:
  1. the raw engine: empty workflows started per second (same server, same concurrency);
  2. workflow starts per second when activating N tasks (target: >= 60% of 1.);
  3. with M open task workflows whose timers fire in a window, the lateness of the
     timer-driven activities (target p99 < 2 s) and the worker's RSS (target < 500 MB).

Phases 2-3 (bench/task_phases.py) use the real activation code and the real worker
(``python -m worker``) in its own process, on SQLite files; the Temporal dev server keeps
its state in a file too. Each prints its figures; a PASS/FAIL line per target and a JSON
dict of every figure close the run. The default run takes about 15 minutes.

Usage: .venv/bin/python bench/bench_workflows.py [--tasks 1000] [--open 5000] [--window 300] [--raw 1000]
Quick run (about a minute): .venv/bin/python bench/bench_workflows.py --raw 50 --tasks 50 --open 50 --window 20
Phases 2-3 need the task workflow (workflows/task.py); without it only 1. runs.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.raw_engine import raw_start_rate  # noqa: E402
from runtime.devserver import DevServer, free_port  # noqa: E402


def _have_task_workflow() -> bool:
    return all(importlib.util.find_spec(m) for m in ("workflows.task", "activities.task_activities", "domain.policy"))


async def main(args: argparse.Namespace) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-") as tmp:
        server = DevServer(db_file=Path(tmp) / "temporal.db", port=free_port())
        server.start()
        try:
            client = await server.wait_ready()
            raw = await raw_start_rate(client, args.raw, args.concurrency)
            results["raw_empty_starts_per_s"] = round(raw, 1)
            print(f"Raw engine: {raw:.1f} empty workflow starts/s ({args.raw} starts, concurrency {args.concurrency})")
            if not _have_task_workflow():
                print("Task workflow not present yet (workflows/task.py): activation and timer phases skipped.")
                results["skipped"] = ["activation", "timers", "rss"]
                return results
            from bench.task_phases import (  # needs the workflow side
                LAST_ACTIVATION,
                TARGET_ACTIVATION_VS_RAW,
                TARGET_P99_S,
                TARGET_RSS_MB,
                activation_phase,
                timer_phase,
            )

            bytecode = not args.worker_no_bytecode
            rate = await activation_phase(client, server, Path(tmp), args.tasks, args.concurrency,
                                          worker_in_process=args.worker_in_process, bytecode=bytecode)
            results["activation_starts_per_s"] = round(rate, 1)
            results["activation_vs_raw"] = round(rate / raw, 2)
            results.update(LAST_ACTIVATION)
            print(f"Activation: {rate:.1f} task workflow starts/s = {rate / raw:.0%} of raw (target >= 60%)")
            results.update(await timer_phase(client, server, Path(tmp), args.open, args.window, args.concurrency,
                                             init_rate=LAST_ACTIVATION.get("workflow_init_per_s"), bytecode=bytecode))
            checks = {
                "activation_vs_raw": (results["activation_vs_raw"] >= TARGET_ACTIVATION_VS_RAW,
                                      f"activation {results['activation_vs_raw']:.0%} of raw (target >= 60%)"),
                "lateness_p99": (results["timer_actions_missing"] == 0
                                 and results.get("lateness_p99_s", float("inf")) < TARGET_P99_S,
                                 f"timer-driven activities p99 {results.get('lateness_p99_s', float('nan')):.3f} s, "
                                 f"{results['timer_actions_missing']} missing (target p99 < 2 s, none missing)"),
                "worker_rss": (results["worker_rss_peak_mb"] < TARGET_RSS_MB,
                               f"worker peak RSS {results['worker_rss_peak_mb']:.0f} MB with {args.open} open "
                               f"workflows (target < 500 MB)"),
            }
            for _name, (passed, text) in checks.items():
                print(f"{'PASS' if passed else 'FAIL'}: {text}")
            results["pass"] = {name: passed for name, (passed, _) in checks.items()}
        finally:
            server.stop()
            print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=int, default=1000, help="empty workflows for the raw figure")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks activated in the start-rate phase")
    parser.add_argument("--open", type=int, default=5000, help="open task workflows in the timer phase")
    parser.add_argument("--window", type=int, default=300, help="seconds over which their timers fire")
    parser.add_argument("--concurrency", type=int, default=32, help="client RPCs in flight")
    parser.add_argument("--worker-in-process", action="store_true",
                        help="activation phase: run the worker in the benchmark's process (as the raw figure's), "
                             "not in its own")
    parser.add_argument("--worker-no-bytecode", action="store_true",
                        help="run the workers in the environment as it is (PYTHONDONTWRITEBYTECODE=1 here), relying "
                             "on worker.precompile_workflows for the .pyc the sandbox needs")
    started = time.perf_counter()
    asyncio.run(main(parser.parse_args()))
    print(f"Total {time.perf_counter() - started:.0f} s")
