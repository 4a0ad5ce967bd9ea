"""Cẩm Xuyên's chỉ tiêu become indicators with parsed targets; reported values decide đạt / chưa đạt."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, select

from domain.indicators import parse_target, split_targets
from exports.excel import plan_workbook_bytes
from persistence.db import create_schema, make_engine
from persistence.models import Indicator, Plan
from reports.draft import draft_report
from reports.indicators import IndicatorError, indicator_lines, report_value
from reports.periods import parse_period
from tests.database import database_url
from tests.reports.demo_plan import build_demo


@pytest.mark.parametrize("text, expected", [
    ("100% TTHC được công khai", (">=", 100, "%")),
    ("tỷ lệ hồ sơ trực tuyến đạt tối thiểu 50%", (">=", 50, "%")),
    ("chuyển đổi vị trí công tác đạt trên 90%", (">", 90, "%")),
    ("Phấn đấu thu ngân sách đạt trên 305,5 tỷ đồng", (">", 305.5, "tỷ đồng")),
    ("tỷ lệ hồ sơ trễ hạn không quá 2%", ("<=", 2, "%")),
    ("Tổ chức tập huấn ít nhất 2 lớp", (">=", 2, "lớp")),
])
def test_targets_parsed(text, expected) -> None:
    target = parse_target(text)
    assert (target.comparator, target.value, target.unit) == expected


def test_no_number_no_target_and_splitting() -> None:
    assert parse_target("Rà soát chức năng, nhiệm vụ của 06 phòng theo Thông tư 03/2014/TT-BTTTT") is None
    assert split_targets("Tối thiểu 35% cơ quan được kiểm tra; 100% đơn vị ban hành kế hoạch kiểm tra.") == [
        "Tối thiểu 35% cơ quan được kiểm tra", "100% đơn vị ban hành kế hoạch kiểm tra"]


def test_cam_xuyen_indicators_tracked_reported_and_shown(tmp_path: Path) -> None:
    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    create_schema(engine)
    plan = build_demo(engine, tmp_path, name="cam-xuyen")
    with Session(engine, expire_on_commit=False) as s:
        rows = list(s.exec(select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.id)))
        by_code = {r.code: r for r in rows}
        assert len({r.code[:5] for r in rows}) == 15  # the seed's fifteen chỉ tiêu items
        assert (by_code["CT-01"].comparator, by_code["CT-01"].target_value, by_code["CT-01"].unit) == (">=", 100, "%")
        assert by_code["CT-03a"].text.startswith("Tối thiểu 35% cơ quan đơn vị được kiểm tra")
        assert (by_code["CT-03a"].comparator, by_code["CT-03a"].target_value) == (">=", 35)
        assert (by_code["CT-03b"].comparator, by_code["CT-03b"].target_value) == (">=", 100)
        online = next(r for r in rows if r.text.startswith("Tối thiểu 50% thủ tục hành chính"))
        assert (online.comparator, online.target_value, online.unit) == (">=", 50, "%")
        budget = next(r for r in rows if "305,5" in r.text)
        assert (budget.comparator, budget.target_value, budget.unit) == (">", 305.5, "tỷ đồng")
        qualitative = next(r for r in rows if r.text.startswith("Thực hiện rà soát chức năng"))
        assert qualitative.comparator is None and qualitative.target_value is None
        assert sum(1 for r in rows if r.owner_unit) >= len(rows) // 2  # owners from the area mapping

        lines = {line.code: line for line in indicator_lines(s, plan, "2026-H1")}
        assert {line.status for line in lines.values()} == {"chua_bao_cao"}
        report_value(s, online, "2026-H1", value=62.5, evidence={"document_number": "31/BC-UBND", "document_date": "2026-06-10"})
        report_value(s, by_code["CT-03a"], "2026-H1", value=20)
        report_value(s, qualitative, "2026-H1", achieved=True)
        with pytest.raises(IndicatorError, match="cần ghi số liệu"):
            report_value(s, budget, "2026-H1", achieved=True)
        with pytest.raises(IndicatorError, match="từ 0 đến 100"):
            report_value(s, online, "2026-H1", value=150)
        s.commit()
        lines = {line.code: line for line in indicator_lines(s, plan, "2026-H1")}
        assert (lines[online.code].status, lines[online.code].actual_text) == ("dat", "62,5%")
        assert lines["CT-03a"].status == "chua_dat"
        assert lines[qualitative.code].status == "dat"
        assert lines[budget.code].status == "chua_bao_cao"
        # Correcting a value changes the verdict.
        report_value(s, by_code["CT-03a"], "2026-H1", value=40)
        s.commit()
        assert {line.code: line for line in indicator_lines(s, plan, "2026-H1")}["CT-03a"].status == "dat"

        _, blob = draft_report(s, s.get(Plan, plan.id), parse_period("2026-H1"))
        workbook = plan_workbook_bytes(s, s.get(Plan, plan.id), parse_period("2026-H1").window.end)
    engine.dispose()
    doc = Document(io.BytesIO(blob))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert f"Kết quả thực hiện các chỉ tiêu: 3/{len(rows)} chỉ tiêu đạt." in body
    table = next(t for t in doc.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    row = next(r for r in table.rows if r.cells[1].text == online.text)
    assert [c.text for c in row.cells[2:]] == ["≥ 50%", "62,5%", "Đạt"]
    ws = load_workbook(io.BytesIO(workbook))["Chỉ tiêu"]
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert len(values) == len(rows)
    row = next(r for r in values if r[1] == online.code)
    assert row[4:9] == ["≥ 50%", "2026-H1", "62,5%", "Đạt", "Số 31/BC-UBND ngày 10/06/2026"]
    assert next(r for r in values if r[1] == budget.code)[7] == "Chưa báo cáo"


def test_owner_written_in_the_review_wins_over_the_guess(tmp_path: Path) -> None:
    from demo.plans import SAMPLES, prepare_review
    from ingest import review_edit
    from runtime.activation import load_inputs, store

    org_file = (SAMPLES / "org" / "cam-xuyen.yaml").resolve()
    review_path = prepare_review(SAMPLES / "plans" / "cam-xuyen-2021.txt", org_file, 2026,
                                 tmp_path / "cam-xuyen.review.yaml").review.resolve()
    data = review_edit.load_data(review_path)
    items = data["indicators"]
    online = next(n for n, i in enumerate(items) if str(i["text"]).startswith("Tối thiểu 50% thủ tục hành chính"))
    budget = next(n for n, i in enumerate(items) if "305,5" in str(i["text"]))
    assert (items[online]["area"], items[online]["owner"]) == ("tthc", "Trung tâm Hành chính công huyện")  # the guess
    review_edit.update_indicator(data, online, {"owner": "Phòng NV"})  # corrected by the reviewer (an alias)
    review_edit.update_indicator(data, budget, {"owner": None, "area": "so_hoa"})  # emptied: the area's owner
    for key in ("area", "owner"):  # a review file written before owners existed
        del items[0][key]
    review_edit.save_data(data, review_path)

    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    create_schema(engine)
    review, org_config, _ = load_inputs(review_path, org_file)
    _, plan, _ = store(engine, review, org_config, review_path)
    with Session(engine) as s:
        rows = {r.code: r for r in s.exec(select(Indicator).where(Indicator.plan_id == plan.id))}
    engine.dispose()
    def of(number: int) -> set[tuple]:  # an item stating several targets is CT-09a, CT-09b...
        return {(r.area, r.owner_unit) for code, r in rows.items() if code.startswith(f"CT-{number:02d}")}

    assert of(online + 1) == {("tthc", "noi-vu")}  # not tt-hcc, the guess
    assert of(budget + 1) == {("so_hoa", "vh-tt")}
    assert of(1) == {("chi_dao", "noi-vu")}  # guessed at activation
