"""worker.py: what the worker prepares before it polls."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import workflows.task
from worker import precompile_workflows


def test_workflow_bytecode_is_written_even_when_python_would_not(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The sandbox re-imports workflows/task.py for every workflow it builds: without a
    # .pyc each build compiles it from source again.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path))
    cached = Path(importlib.util.cache_from_source(workflows.task.__file__))
    assert str(cached).startswith(str(tmp_path)) and not cached.exists()
    precompile_workflows()
    assert cached.exists()
