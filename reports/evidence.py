"""The evidence pack (tài liệu kiểm chứng) of a plan's year: a zip by reform area and task, with an index.

Every completion and progress update of the year with evidence: uploaded files are
copied from the data folder's uploads; references (document number and date, link)
are listed in the index workbook (STT, Nhiệm vụ, Kỳ, Số/ngày văn bản, Tệp) and in a
short text file in the task's folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, col, select

from domain.text import fold
from domain.vocabulary import Area, ReviewStatus
from persistence.models import Indicator, IndicatorValue, Occurrence, OccurrenceStatus, Plan, ProgressUpdate, Task
from reports.data import REPORT_AREAS, evidence_reference

INDEX_HEADERS = ("STT", "Nhiệm vụ", "Kỳ", "Số/ngày văn bản", "Tệp")
INDEX_NAME = "muc-luc-minh-chung.xlsx"


def slug(text: str, limit: int = 60) -> str:
    """An ASCII folder name: "Cải cách thủ tục hành chính" -> "cai-cach-thu-tuc-hanh-chinh"."""
    value = re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")
    if len(value) > limit:  # cut between words, not inside one
        cut = value.rfind("-", 0, limit + 1)
        value = value[:cut if cut > 0 else limit]
    return value.rstrip("-") or "khac"


@dataclass
class PackEntry:
    area: str
    task_code: str
    task_title: str
    period: str
    reference: str
    file: str | None  # path relative to the upload folder
    file_name: str | None


def _in_year(year: int, *keys: str | None) -> bool:
    return any(k and str(k).startswith(str(year)) for k in keys)


def collect_entries(session: Session, plan: Plan, year: int) -> list[PackEntry]:
    """Evidence of ``year``: confirmed completions due that year, accepted updates of its periods, indicator values."""
    tasks = {t.id: t for t in session.exec(select(Task).where(Task.plan_id == plan.id))}
    entries: list[PackEntry] = []
    for occ in session.exec(select(Occurrence).join(Task, col(Task.id) == Occurrence.task_id)
                            .where(Task.plan_id == plan.id, Occurrence.status == OccurrenceStatus.DONE)
                            .order_by(col(Occurrence.due))):
        if occ.evidence and occ.due.year == year:
            task = tasks[occ.task_id]
            entries.append(PackEntry(task.area, task.code, task.title, occ.period, _reference(occ.evidence),
                                     occ.evidence.get("file"), occ.evidence.get("file_name")))
    for update in session.exec(select(ProgressUpdate).join(Task, col(Task.id) == ProgressUpdate.task_id)
                               .where(Task.plan_id == plan.id, ProgressUpdate.review_status == ReviewStatus.ACCEPTED.value)
                               .order_by(col(ProgressUpdate.submitted_at))):
        if update.evidence and _in_year(year, update.period_key):
            task = tasks[update.task_id]
            entries.append(PackEntry(task.area, task.code, task.title, update.period_key,
                                     _reference(update.evidence), update.evidence.get("file"),
                                     update.evidence.get("file_name")))
    for value, ind in session.exec(select(IndicatorValue, Indicator).join(Indicator, col(Indicator.id) == IndicatorValue.indicator_id)
                                   .where(Indicator.plan_id == plan.id)):
        if value.evidence and _in_year(year, value.period_key):
            entries.append(PackEntry(ind.area or Area.KHAC.value, ind.code, f"Chỉ tiêu: {ind.text}", value.period_key,
                                     _reference(value.evidence), value.evidence.get("file"),
                                     value.evidence.get("file_name")))
    order = {a: i for i, a in enumerate(REPORT_AREAS)}
    entries.sort(key=lambda e: (order.get(e.area, len(order)), e.task_code, e.period))
    return entries


def build_pack(session: Session, plan: Plan, year: int, upload_dir: Path) -> tuple[bytes, list[PackEntry]]:
    """The zip (bytes) and what it holds. A file missing from the uploads is noted in the index."""
    entries = collect_entries(session, plan, year)
    buffer = io.BytesIO()
    wb = Workbook()
    ws = wb.active
    ws.title = "Mục lục minh chứng"
    ws.append([f"MỤC LỤC TÀI LIỆU KIỂM CHỨNG NĂM {year} — {plan.issuer}: {plan.title}"])
    ws["A1"].font = Font(bold=True)
    ws.append(list(INDEX_HEADERS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (6, 60, 16, 40, 60), strict=False):
        ws.column_dimensions[column].width = width
    upload_root = Path(upload_dir).resolve()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        notes: dict[str, list[str]] = {}
        for number, entry in enumerate(entries, start=1):
            area_label = Area.label_of(entry.area)
            area_folder = f"{REPORT_AREAS.index(entry.area) + 1 if entry.area in REPORT_AREAS else 9:02d}-{slug(area_label, 40)}"
            folder = f"{area_folder}/{slug(entry.task_code, 20)}-{slug(entry.task_title, 50)}"
            shown_file = ""
            if entry.file:
                source = (upload_root / entry.file).resolve()
                name = Path(entry.file_name or entry.file).name
                if source.is_file() and upload_root in source.parents:
                    target = f"{folder}/{slug(entry.period, 20)}-{name}"
                    archive.write(source, target)
                    shown_file = target
                else:
                    shown_file = f"(không tìm thấy tệp {name})"
            notes.setdefault(folder, []).append(f"{entry.period}: {entry.reference or '(không có số văn bản)'}")
            ws.append([number, f"{entry.task_code} — {entry.task_title}", entry.period, entry.reference, shown_file])
            for cell in ws[ws.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for folder, lines in notes.items():
            archive.writestr(f"{folder}/van-ban.txt", "\n".join(lines) + "\n")
        index = io.BytesIO()
        wb.save(index)
        archive.writestr(INDEX_NAME, index.getvalue())
    return buffer.getvalue(), entries


def default_filename(plan: Plan, year: int) -> str:
    return f"minh-chung-{plan.code}-{year}.zip"


def today() -> date:
    return date.today()


def _reference(evidence: dict) -> str:
    # The file has its own column (and its own place in the zip).
    return evidence_reference({k: v for k, v in evidence.items() if k not in ("file", "file_name")})
