"""A small plan with known states around the Q1/2026 data window (15/12/2025 – 14/03/2026)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from persistence.models import Event, Occurrence, OccurrenceStatus, Organisation, Plan, PlanStatus, ProgressUpdate, Task, Unit

UNITS = {"vp-tk": "Công chức Văn phòng - Thống kê", "tp-ht": "Công chức Tư pháp - Hộ tịch",
         "tc-kt": "Công chức Tài chính - Kế toán", "vh-xh": "Công chức Văn hóa - Xã hội"}


def at(day: date, hour: int = 9) -> datetime:
    """A UTC timestamp at ``hour`` local time on ``day``."""
    return datetime.combine(day, time(hour), ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)


@dataclass
class KnownPlan:
    plan_id: int
    organisation_id: int
    tasks: dict[str, int] = field(default_factory=dict)
    report_occurrence_id: int = 0


def build(engine: Engine) -> KnownPlan:
    with Session(engine, expire_on_commit=False) as s:
        org = Organisation(code="xa-ngoc-lien", name="UBND xã Ngọc Liên")
        s.add(org)
        s.flush()
        for code, name in UNITS.items():
            s.add(Unit(organisation_id=org.id, code=code, name=name))
        plan = Plan(organisation_id=org.id, code="kh-2026-12", number="12/KH-UBND", year=2026, status=PlanStatus.ACTIVE,
                    title="Kế hoạch cải cách hành chính năm 2026", issuer="UBND xã Ngọc Liên",
                    signer="Nguyễn Văn An", signer_role="CHỦ TỊCH")
        s.add(plan)
        s.flush()
        known = KnownPlan(plan.id, org.id)

        def task(code, area, title, lead, deadline="Thường xuyên"):
            row = Task(organisation_id=org.id, plan_id=plan.id, code=code, area=area, title=title, lead_units=[lead],
                       deadline_text=deadline)
            s.add(row)
            s.flush()
            known.tasks[code] = row.id
            return row

        def occ(row, due, status=OccurrenceStatus.OPEN, done=None, evidence=None, key=None):
            o = Occurrence(organisation_id=org.id, task_id=row.id, key=key or due.isoformat(), period=f"{due:%d/%m/%Y}",
                           nominal=due, due=due, status=status, completed_at=at(done) if done else None, evidence=evidence)
            s.add(o)
            s.flush()
            return o

        def update(row, review, result, figures=None, evidence=None, reason=None, status="in_progress"):
            s.add(ProgressUpdate(organisation_id=org.id, task_id=row.id, period_key="2026-Q1", status=status,
                                 result=result, figures=figures or {}, evidence=evidence, submitted_by="u",
                                 submitted_at=at(date(2026, 3, 16)), review_status=review, review_reason=reason,
                                 idempotency_key=f"pu-{row.code}"))

        t1 = task("CDDH-01", "chi_dao", "Ban hành Kế hoạch kiểm tra công tác cải cách hành chính", "vp-tk", "trước 31/01/2026")
        occ(t1, date(2026, 1, 31), OccurrenceStatus.DONE, date(2026, 1, 20),
            {"document_number": "05/KH-UBND", "document_date": "2026-01-20"})
        t2 = task("TCHE-01", "the_che", "Rà soát văn bản quy phạm pháp luật của HĐND, UBND xã", "tp-ht", "trước 28/02/2026")
        occ(t2, date(2026, 2, 28), OccurrenceStatus.DONE, date(2026, 3, 5),
            {"document_number": "09/BC-UBND", "document_date": "2026-03-05"})
        t3 = task("TTHC-01", "tthc", "Công khai thủ tục hành chính tại Bộ phận Một cửa", "vp-tk", "trước 10/03/2026")
        o3 = occ(t3, date(2026, 3, 10))
        s.add(Event(organisation_id=org.id, task_id=t3.id, occurrence_id=o3.id, at=at(date(2026, 3, 8)),
                    kind="extension_requested", actor="u", data={"reason": "Chờ tỉnh công bố danh mục thủ tục mới"},
                    idempotency_key="ext-1"))
        t4 = task("TTHC-02", "tthc", "Số hoá kết quả giải quyết thủ tục hành chính", "tp-ht", "trước 14/03/2026")
        occ(t4, date(2026, 3, 14))
        t5 = task("CQS-01", "so_hoa", "Cập nhật Trang thông tin điện tử của xã", "tc-kt", "trước 01/03/2026")
        occ(t5, date(2026, 3, 1), OccurrenceStatus.DONE, date(2026, 3, 20), {"link": "https://ngoclien.gov.vn/tin"})
        t6 = task("CVU-01", "cong_vu", "Cử công chức tham gia bồi dưỡng kỹ năng", "vp-tk")
        update(t6, "accepted", "Đã cử 2 công chức tham gia lớp bồi dưỡng kỹ năng hành chính", {"công chức": 2},
               {"document_number": "15/QĐ-UBND", "document_date": "2026-02-10"})
        t7 = task("TCC-01", "tai_chinh", "Công khai dự toán ngân sách xã", "tc-kt")
        update(t7, "returned", "Đã công khai", reason="Thiếu số liệu thu chi quý I")
        t8 = task("TCBM-01", "to_chuc", "Rà soát vị trí việc làm", "vp-tk")
        update(t8, "pending", "Đang rà soát")
        t9 = task("TTR-01", "tuyen_truyen", "Tuyên truyền cải cách hành chính trên loa truyền thanh", "vh-xh", "trước 30/05/2026")
        occ(t9, date(2026, 5, 30))
        t10 = task("TCHE-02", "the_che", "Kiện toàn đội ngũ báo cáo viên pháp luật", "tp-ht", "trước 01/12/2025")
        occ(t10, date(2025, 12, 1))
        t11 = task("BC-01", "chi_dao", "Báo cáo kết quả thực hiện công tác cải cách hành chính định kỳ", "vp-tk",
                   "theo Quý trước ngày 20 của tháng cuối Quý")
        known.report_occurrence_id = occ(t11, date(2026, 3, 20)).id
        occ(t11, date(2026, 6, 20))
        t12 = task("TTHC-03", "tthc", "Niêm yết số điện thoại đường dây nóng", "vp-tk", "trước 10/02/2026")
        occ(t12, date(2026, 2, 10), OccurrenceStatus.CANCELLED)
        s.commit()
        return known
