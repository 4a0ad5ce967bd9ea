"""``dondoc simulate`` on a real seed plan, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, time
from pathlib import Path

import pytest

from demo.plans import SAMPLES, prepare_review
from domain.calendar import WorkCalendar
from domain.organisation import load_organisation

DONDOC = Path(sys.executable).parent / "dondoc"
# `dondoc simulate` always runs on a temporary SQLite file of its own: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only


def test_simulate_a_year_of_the_ngoc_lien_plan(tmp_path: Path) -> None:
    org_file = SAMPLES / "org" / "ngoc-lien.yaml"
    plan = prepare_review(SAMPLES / "plans" / "ngoc-lien-2025.txt", org_file, 2026, tmp_path / "review.yaml")
    out = subprocess.run(
        [str(DONDOC), "simulate", str(plan.review), "--year", "2026", "--json", "--complete-on-time", "0.6"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    timeline, summary = result["timeline"], result["summary"]
    assert summary["tasks"] == plan.tasks
    outcomes = summary["occurrences"]
    assert set(outcomes) <= {"on_time", "late", "never"} and outcomes["on_time"] > outcomes["never"] > 0
    assert summary["actions"] == len(timeline)
    assert summary["notices"] == sum(len(e["to"]) for e in timeline)
    assert Counter(e["kind"] for e in timeline) == Counter(
        {k: v for k, v in summary["by_kind"].items() if v})
    calendar = load_organisation(org_file).work_calendar()
    assert isinstance(calendar, WorkCalendar)
    for entry in timeline:
        at = datetime.fromisoformat(entry["at"])
        assert at.year == 2026 and calendar.is_working_day(at.date()), entry
        assert time(7, 30) <= at.time() < time(17, 0), entry
        assert entry["kind"] in ("reminder", "due", "overdue", "escalation") and entry["to"]
    # Occurrences nobody finishes climb to the chairman (level 3).
    assert any(e["kind"] == "escalation" and e["level"] == 3 for e in timeline)
    # The plan's chỉ tiêu are reported each period by the simulated owners too; those never
    # reported are chased like tasks (entries named by the indicator's code).
    indicators = summary["indicators"]
    assert sum(indicators.values()) % 4 == 0 and indicators["on_time"] > indicators.get("never", 0) > 0
    chased = [e for e in timeline if e["task"].startswith("CT-")]
    assert chased and any(e["kind"] == "escalation" for e in chased)


def test_simulate_refuses_a_review_with_errors(tmp_path: Path) -> None:
    broken = tmp_path / "review.yaml"
    broken.write_text("plan: {title: x, year: 2026}\ntasks:\n  - code: 1\n", encoding="utf-8")
    out = subprocess.run([str(DONDOC), "simulate", str(broken), "--year", "2026"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert "lỗi" in out.stderr and "dòng" in out.stderr
