"""Stopping the child processes dondoc starts (the embedded Temporal server, the dashboard)."""

from __future__ import annotations

import contextlib
import signal
import subprocess


def terminate(proc: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM (the child finishes what it is doing), then SIGKILL if it has not exited after ``timeout`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)
