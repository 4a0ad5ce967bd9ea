"""A small synthetic commune for the web tests, the benchmark and screenshots.

Rows are written directly (no workflow): the occurrences are spread over the four
status buckets relative to ``today`` so every part of the overview has something to
show. Passwords are set for every account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from persistence.models import Occurrence, OccurrenceStatus, Officer, Role, Unit
from tests import factories
from web.auth import hash_password

UNITS = (
    ("vp-tk", "Công chức Văn phòng - Thống kê"),
    ("tp-ht", "Công chức Tư pháp - Hộ tịch"),
    ("tc-kt", "Công chức Tài chính - Kế toán"),
    ("dc-xd", "Công chức Địa chính - Xây dựng"),
    ("vh-xh", "Công chức Văn hóa - Xã hội"),
)
AREAS = (
    ("chi_dao", "Công tác chỉ đạo, điều hành"),
    ("the_che", "Cải cách thể chế"),
    ("tthc", "Cải cách thủ tục hành chính"),
    ("so_hoa", "Xây dựng chính quyền điện tử, chính quyền số"),
)
TITLES = (
    "Rà soát, đánh giá thủ tục hành chính thuộc thẩm quyền giải quyết của UBND xã",
    "Công khai thủ tục hành chính tại Bộ phận tiếp nhận và trả kết quả",
    "Báo cáo kết quả thực hiện công tác cải cách hành chính",
    "Tự kiểm tra, rà soát văn bản quy phạm pháp luật do HĐND, UBND xã ban hành",
    "Số hoá hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Tuyên truyền về cải cách hành chính trên hệ thống truyền thanh xã",
)
PASSWORD = "matkhau-demo"


@dataclass
class Seeded:
    """IDs of what :func:`seed` wrote."""

    organisation_id: int
    plan_id: int
    plan_code: str
    other_organisation_id: int
    other_task_id: int
    tasks: dict[str, int] = field(default_factory=dict)  # task code -> id
    expected: dict[str, int] = field(default_factory=dict)  # bucket value -> count


def _utc_noon(day: date) -> datetime:
    return datetime.combine(day, time(5, 0), tzinfo=UTC)  # 12:00 in Vietnam


_HASH: list[str] = []


def _password_hash() -> str:
    # argon2 is slow on purpose; one hash serves every sample account.
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def _officer(session: Session, org_id: int, username: str, name: str, role: Role, units: list[Unit]) -> Officer:
    return factories.officer(session, org_id, username, name, role, units, password_hash=_password_hash())


def seed(engine: Engine, today: date, *, tasks: int = 12, org_code: str = "xa-mau", workflow_prefix: str = "wf") -> Seeded:
    """Write the sample commune with ``tasks`` tasks of up to 4 occurrences each.

    Accounts (password ``matkhau-demo``): ``vanphong`` (officer, Văn phòng - Thống kê),
    ``tuphap`` (officer, Tư pháp - Hộ tịch), ``thuongtruc`` (coordinator),
    ``chutich`` (chairman), ``phochutich`` (vice-chairman); in a second organisation
    ``khac`` (coordinator) with one task.
    """
    with Session(engine, expire_on_commit=False) as session:
        org = factories.organisation(session, org_code, "UBND xã Mẫu")
        other = factories.organisation(session, f"{org_code}-khac", "UBND xã Khác")
        units = factories.units(session, org.id, dict(UNITS))
        other_unit = factories.units(session, other.id, {"vp-tk": "Công chức Văn phòng - Thống kê (xã Khác)"})["vp-tk"]
        _officer(session, org.id, "vanphong", "Nguyễn Văn Phong", Role.OFFICER, [units["vp-tk"]])
        _officer(session, org.id, "tuphap", "Trần Thị Pháp", Role.OFFICER, [units["tp-ht"]])
        _officer(session, org.id, "taichinh", "Lê Văn Chính", Role.OFFICER, [units["tc-kt"], units["dc-xd"]])
        _officer(session, org.id, "thuongtruc", "Phạm Thị Trực", Role.COORDINATOR, [units["vp-tk"]])
        _officer(session, org.id, "chutich", "Hoàng Văn Chủ", Role.CHAIRMAN, [])
        _officer(session, org.id, "phochutich", "Đỗ Thị Phó", Role.VICE_CHAIRMAN, [])
        _officer(session, other.id, "khac", "Vũ Văn Khác", Role.COORDINATOR, [other_unit])

        plan = factories.plan(session, org.id, f"kh-{today.year}-1", f"Kế hoạch cải cách hành chính năm {today.year}",
                              today.year, number="01/KH-UBND", issuer="UBND xã Mẫu")
        other_plan = factories.plan(session, other.id, f"kh-{today.year}-9", "Kế hoạch CCHC xã Khác", today.year,
                                    issuer="UBND xã Khác")
        seeded = Seeded(org.id, plan.id, plan.code, other.id, 0)
        expected = {"done_on_time": 0, "done_late": 0, "on_track": 0, "overdue": 0}
        unit_codes = list(units)
        for i in range(tasks):
            area, area_label = AREAS[i % len(AREAS)]
            code = f"{i // len(AREAS) + 1}.{i % len(AREAS) + 1}" if tasks <= 100 else f"T{i + 1}"
            lead = unit_codes[i % len(unit_codes)]
            coord = unit_codes[(i + 1) % len(unit_codes)]
            title = f"{TITLES[i % len(TITLES)]}" + (f" (đợt {i // len(TITLES) + 1})" if i >= len(TITLES) else "")
            task = factories.task(session, plan, code, title, area=area, area_label=area_label,
                                  text=f"{title}, báo cáo kết quả về cơ quan thường trực.", lead_units=[lead],
                                  coordinating_units=[coord], deadline_text="theo Quý trước ngày 20 của tháng cuối Quý",
                                  workflow_id=f"{workflow_prefix}-{org_code}-{plan.code}-{code}", product="Báo cáo")
            seeded.tasks[code] = task.id
            # Four occurrences per task rotating through the buckets; the pattern shifts by task.
            for j in range(4):
                kind = (i + j) % 4
                key = f"{today.year}-P{j + 1}"
                if kind == 0:  # done on time
                    due = today - timedelta(days=10 + j)
                    occ = Occurrence(status=OccurrenceStatus.DONE, due=due, completed_at=_utc_noon(due - timedelta(days=2)),
                                     evidence={"document_number": f"{10 + i}/BC-UBND", "document_date": (due - timedelta(days=2)).isoformat()})
                    expected["done_on_time"] += 1
                elif kind == 1:  # done late
                    due = today - timedelta(days=20 + j)
                    occ = Occurrence(status=OccurrenceStatus.DONE, due=due, completed_at=_utc_noon(due + timedelta(days=3)),
                                     evidence={"note": "Đã hoàn thành muộn"})
                    expected["done_late"] += 1
                elif kind == 2:  # open, due later
                    due = today + timedelta(days=3 + (i % 20) + 30 * j)
                    occ = Occurrence(status=OccurrenceStatus.OPEN, due=due)
                    expected["on_track"] += 1
                else:  # overdue
                    due = today - timedelta(days=1 + (i % 30))
                    occ = Occurrence(status=OccurrenceStatus.OPEN, due=due)
                    expected["overdue"] += 1
                occ.organisation_id = org.id
                occ.task_id = task.id
                occ.key = key
                occ.period = f"Đợt {j + 1}/{today.year}"
                occ.nominal = due
                session.add(occ)
        other_task = factories.task(session, other_plan, "1.1", "Nhiệm vụ của xã khác", lead_units=["vp-tk"],
                                    workflow_id=f"{workflow_prefix}-other-1")
        factories.occurrence(session, other_task, f"{today.year}-Y", "Năm", today, flush=False)
        session.commit()
        seeded.other_task_id = other_task.id
        seeded.expected = expected
        return seeded
