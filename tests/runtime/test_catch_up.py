"""runtime.catch_up on a stored plan (SQLite, no workflow): preview, apply, idempotence."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from domain.catch_up import CatchUpChoice
from domain.organisation import load_organisation
from persistence.db import create_schema, make_engine
from persistence.models import Event, Occurrence, OccurrenceStatus, Task
from runtime.activation import store
from runtime.catch_up import CatchUp, apply, preview
from tests.web.test_e2e_browser import ORG_FILE, _review

TODAY = date(2026, 7, 15)


def test_preview_apply_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_schema(engine)
    org = load_organisation(ORG_FILE)
    review = _review(TODAY)  # 1.2 and 2.1 are due 25 days before TODAY, 1.1 and 2.2 after
    past = preview(engine, review, org, TODAY)
    assert sorted(p.task_code for p in past) == ["1.2", "2.1"]
    _, _, stored = store(engine, review, org, ORG_FILE)
    ids = [s.task_id for s in stored]
    choices = {("1.2", past[0].occurrence_key if past[0].task_code == "1.2" else past[1].occurrence_key):
               (CatchUpChoice.DONE, "Đã làm: Báo cáo 3/BC-UBND")}
    counts = apply(engine, ids, CatchUp(today=TODAY, choices=choices), org.work_calendar())
    # The four tasks' progress updates of quý I and 6 tháng were reported by hand: not chased.
    assert counts == {"done": 1, "todo": 1, "progress_cancelled": 8}
    with Session(engine) as db:
        progress = db.exec(select(Occurrence).where(Occurrence.kind == "progress")).all()
        assert {o.key[:7] for o in progress if o.status == OccurrenceStatus.CANCELLED} == {"2026-Q1", "2026-H1"}
        assert {o.status for o in progress if o.key[:7] in ("2026-Q3", "2026-Y.")} == {OccurrenceStatus.OPEN}
        rows = {code: occ for code, occ in db.exec(select(Task.code, Occurrence).join(Occurrence, Occurrence.task_id == Task.id)
                                                   .where(Occurrence.kind == "deadline"))}
        assert rows["1.2"].status == OccurrenceStatus.DONE and rows["1.2"].evidence == {"note": "Đã làm: Báo cáo 3/BC-UBND"}
        assert rows["2.1"].status == OccurrenceStatus.OPEN and rows["2.1"].extended_due == date(2026, 7, 22)
        assert rows["1.1"].extended_due is None
    assert apply(engine, ids, CatchUp(today=TODAY), org.work_calendar()) == {}
    assert preview(engine, review, org, TODAY) == []  # settled periods are not asked about again
    with Session(engine) as db:
        assert len(db.exec(select(Event).where(Event.kind == "catch_up")).all()) == 2 + 8
