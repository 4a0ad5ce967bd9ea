"""The worker as a separate OS process (crash tests kill it; the benchmark measures its RSS)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkerProcess:
    """``python -m worker`` joined to ``address`` and writing to ``database_url``."""

    address: str
    database_url: str
    data_dir: Path
    task_queue: str = "dondoc-tasks"
    log_file: Path | None = None
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            DONDOC_TEMPORAL_ADDRESS=self.address,
            DONDOC_DATABASE_URL=self.database_url,
            DONDOC_DATA_DIR=str(self.data_dir),
            DONDOC_TASK_QUEUE=self.task_queue,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        log = open(self.log_file or self.data_dir / "worker.log", "ab")  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker"], cwd=ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        finally:
            log.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, in-flight activities and workflow tasks are abandoned."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (graceful worker shutdown), SIGKILL after ``timeout``."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) of the worker process in MB, from /proc."""
        assert self.process is not None
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
