"""From a fresh clone: the install of ``bash scripts/run`` (no test extra), then ``dondoc simulate``.

This builds a new virtual environment from the package index (about a minute with a warm
pip cache). It runs by default; ``DONDOC_SKIP_FRESH_CLONE=1`` skips it for a quick pass.
It clones the committed state of this repository (HEAD), as a new machine would get it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.sqlite_pass_only, pytest.mark.skipif(os.environ.get("DONDOC_SKIP_FRESH_CLONE") == "1",
                                reason="DONDOC_SKIP_FRESH_CLONE=1")]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.skipif(shutil.which("git") is None, reason="git missing")
def test_simulate_works_after_the_install_of_scripts_run(tmp_path: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    clone = tmp_path / "dondoc"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DONDOC_", "VIRTUAL_ENV", "PYTHON")) and k not in ("DATABASE_URL", "TEMPORAL_ADDRESS")}
    _run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], tmp_path, env)
    _run(["git", "checkout", "--quiet", head], clone, env)
    # scripts/run installs with scripts/setup-env and no DONDOC_EXTRAS, then starts the service:
    # the same install, without starting a service that never returns.
    assert "bash scripts/setup-env" in (clone / "scripts" / "run").read_text()
    _run(["bash", "scripts/setup-env"], clone, env)
    python = clone / ".venv" / "bin" / "python"
    assert not (clone / ".venv" / "bin" / "pytest").exists()  # really without the test extra
    assert (clone / ".venv" / "bin" / "temporal-test-server").is_file()  # the runtime dependency
    dondoc = str(clone / ".venv" / "bin" / "dondoc")
    work = tmp_path / "work"
    work.mkdir()
    env = {**env, "DONDOC_DATA_DIR": str(work / "data")}
    _run([dondoc, "import", str(clone / "samples/plans/ngoc-lien-2025.txt"), "--org",
          str(clone / "samples/org/ngoc-lien.yaml"), "--year", "2026", "-o", str(work / "review.yaml")], work, env)
    result = _run([dondoc, "simulate", str(work / "review.yaml"), "--year", "2026", "--json"], work, env)
    data = json.loads(result.stdout)
    assert data["summary"]["tasks"] > 10 and data["timeline"], result.stdout[:2000]
    assert {e["kind"] for e in data["timeline"]} >= {"reminder", "due"}
    assert python.is_file()
