"""The Q1 report of a plan with known states, read back from the .docx."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import Session, select

from domain.vocabulary import REFORM_AREAS
from persistence.db import create_schema, make_engine
from persistence.models import Occurrence, OccurrenceStatus, Plan
from reports.draft import APPENDIX_HEADERS, DRAFT_MARK, SECTION_TITLES, draft_report
from reports.periods import PeriodError, parse_period
from tests.database import database_url
from tests.reports import known_plan


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    create_schema(engine)
    yield engine
    engine.dispose()


def _text(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _draft(engine, key="2026-Q1"):
    with Session(engine) as s:
        plan = s.exec(select(Plan)).first()
        data, blob = draft_report(s, plan, parse_period(key))
    return data, Document(io.BytesIO(blob))


def test_q1_draft_reads_back_in_order_with_the_counts(engine) -> None:
    known_plan.build(engine)
    data, doc = _draft(engine)
    paragraphs = _text(doc)
    body = "\n".join(paragraphs)

    # Heading, draft stamp, number, motto, title.
    assert paragraphs[0] == DRAFT_MARK
    header_cells = [c.text for c in doc.tables[0].rows[0].cells]
    assert "ỦY BAN NHÂN DÂN\nXÃ NGỌC LIÊN" in header_cells[0] and "Số: .../BC-UBND" in header_cells[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc" in header_cells[1]
    assert "Ngọc Liên, ngày" in header_cells[1] and "năm 2026" in header_cells[1]
    assert "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026" in paragraphs

    # The data window, stated.
    assert "từ ngày 15/12/2025 đến ngày 14/03/2026" in body

    # Sections in order, every reform area present (numbered under I).
    positions = [paragraphs.index(title) for title in SECTION_TITLES]
    assert positions == sorted(positions)
    area_positions = []
    for number, area in enumerate(REFORM_AREAS, start=1):
        area_positions.append(paragraphs.index(f"{number}. {area.label}"))
    assert positions[0] < min(area_positions) and max(area_positions) < positions[1]
    assert area_positions == sorted(area_positions)

    # Counting as the Government Office does, as of 14/03/2026: the completion of
    # 20/03 is after the window; the cancelled one and the 20/03 report are outside.
    assert data.counts.to_dict() == {"done_on_time": 1, "done_late": 1, "on_track": 1, "overdue": 2,
                                     "awaiting_confirmation": 0, "total": 5}
    assert "có 5 lượt nhiệm vụ đến hạn hoàn thành, trong đó: hoàn thành đúng hạn 1; hoàn thành quá hạn 1; " \
           "quá hạn chưa hoàn thành 2; đang thực hiện trong hạn 1." in body
    assert "Tỷ lệ hoàn thành: 50% (2/4;" in body
    units = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in doc.tables[1].rows[1:]}
    assert units["Công chức Văn phòng - Thống kê"] == ["2", "1", "0", "1", "50%"]
    assert units["Công chức Tư pháp - Hộ tịch"] == ["2", "0", "1", "0", "100%"]
    assert units["Công chức Tài chính - Kế toán"] == ["1", "0", "0", "1", "0%"]

    # Area sections written from completions and accepted updates, with evidence references.
    assert "Minh chứng: Văn bản số 05/KH-UBND ngày 20/01/2026." in body
    assert "Đã cử 2 công chức tham gia lớp bồi dưỡng kỹ năng hành chính. Số liệu: 2 công chức. " \
           "Minh chứng: Văn bản số 15/QĐ-UBND ngày 10/02/2026." in body
    assert "Đang rà soát" not in body.split(SECTION_TITLES[1])[0]  # a pending update is not a result yet

    # III: overdue with the extension's reason, the returned update, the carried-over task.
    part3 = body.split(SECTION_TITLES[2])[1].split(SECTION_TITLES[3])[0]
    assert "Công khai thủ tục hành chính tại Bộ phận Một cửa" in part3
    assert "Quá hạn 4 ngày (hạn 10/03/2026), chưa hoàn thành. Lý do: Chờ tỉnh công bố danh mục thủ tục mới." in part3
    assert "Báo cáo kết quả bị trả lại, chưa bổ sung. Lý do: Thiếu số liệu thu chi quý I." in part3
    assert "Chưa hoàn thành từ kỳ trước (hạn 01/12/2025)" in part3
    assert "Cập nhật Trang thông tin điện tử của xã" in part3  # done after the window: overdue on 14/03

    # IV: what is due in the next period (6 tháng: up to 14/06), not the Q1 report itself.
    part4 = body.split(SECTION_TITLES[3])[1]
    assert "Tuyên truyền cải cách hành chính trên loa truyền thanh (Công chức Văn hóa - Xã hội): " \
           "hoàn thành trước ngày 30/05/2026." in part4
    assert "Báo cáo kết quả thực hiện công tác cải cách hành chính định kỳ (Công chức Văn phòng - Thống kê): " \
           "hoàn thành trước ngày 20/03/2026." in part4

    # The appendix: its header and one row per active task, under area rows.
    appendix = doc.tables[-1]
    assert tuple(c.text for c in appendix.rows[0].cells) == APPENDIX_HEADERS
    rows = [[c.text for c in r.cells] for r in appendix.rows[1:]]
    task_rows = [r for r in rows if r[0].isdigit()]
    assert len(task_rows) == 12
    assert sum(1 for r in rows if r[0] in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")) == 8
    row = next(r for r in task_rows if r[1] == "Rà soát văn bản quy phạm pháp luật của HĐND, UBND xã")
    assert row[2:] == ["Công chức Tư pháp - Hộ tịch", "28/02/2026", "28/02/2026: hoàn thành quá hạn",
                       "Văn bản số 09/BC-UBND ngày 05/03/2026"]
    assert doc.sections[0].page_width.mm == pytest.approx(210, abs=0.5)
    assert doc.sections[-1].page_width.mm == pytest.approx(297, abs=0.5)  # the appendix in landscape
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs}
    assert fonts == {"Times New Roman"}


def test_signed_report_as_evidence_lifts_the_draft_mark(engine) -> None:
    known = known_plan.build(engine)
    with Session(engine) as s:
        occ = s.get(Occurrence, known.report_occurrence_id)
        occ.status = OccurrenceStatus.DONE
        occ.completed_at = known_plan.at(date(2026, 3, 18))
        occ.evidence = {"document_number": "25/BC-UBND", "document_date": "2026-03-18", "file": "1/11/ab-bao-cao.pdf"}
        s.add(occ)
        s.commit()
    data, doc = _draft(engine)
    assert data.final and DRAFT_MARK not in "\n".join(_text(doc))
    header = doc.tables[0].rows[0].cells
    assert "Số: 25/BC-UBND" in header[0].text and "Ngọc Liên, ngày 18 tháng 03 năm 2026" in header[1].text


def test_other_periods_and_bad_keys() -> None:
    assert parse_period("2026-H1").window.text() == "15/12/2025 – 14/06/2026"
    assert parse_period("2026-Q3").window.text() == "15/06/2026 – 14/09/2026"
    assert parse_period("2026-Y").title_phrase == "năm 2026"
    with pytest.raises(PeriodError, match="2026-Q2"):
        parse_period("2026-Q2")


def test_a_task_done_early_is_a_result_of_the_period_but_not_in_the_rate(engine) -> None:
    from persistence.models import Task
    from reports.data import collect
    from tests.reports.known_plan import at, build

    build(engine)
    with Session(engine) as s:
        plan = s.exec(select(Plan)).one()
        before = collect(s, plan, parse_period("2026-Q1"))
        task = Task(organisation_id=plan.organisation_id, plan_id=plan.id, code="TCBM-09", area="to_chuc",
                    title="Sắp xếp lại bộ phận một cửa", lead_units=["vp-tk"], deadline_text="trước 30/04/2026")
        s.add(task)
        s.flush()
        s.add(Occurrence(organisation_id=plan.organisation_id, task_id=task.id, key="2026-04-30", period="30/04/2026",
                         nominal=date(2026, 4, 30), due=date(2026, 4, 30), status=OccurrenceStatus.DONE,
                         completed_at=at(date(2026, 3, 2)), evidence={"document_number": "15/QĐ-UBND",
                                                                      "document_date": "2026-03-02"}))
        s.commit()
        after = collect(s, plan, parse_period("2026-Q1"))
    row = next(r for r in after.appendix if r.content == "Sắp xếp lại bộ phận một cửa")
    assert "hoàn thành trước hạn" in row.result and "15/QĐ-UBND" in row.evidence
    assert after.counts.done_on_time == before.counts.done_on_time  # due after the window: not in the rate
