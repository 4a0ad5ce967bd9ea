"""The plan's status as an Excel workbook in the appendix layout officials use.

Columns: STT, Nội dung, Cơ quan chủ trì, Cơ quan phối hợp, Thời gian hoàn thành,
Tình trạng, Minh chứng; tasks grouped under their reform area (I, II, ...), the status
cell coloured like the dashboard's bucket.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from domain.models import Occurrence, OccurrenceStatus, Plan, Task, TaskStatus, Unit
from domain.status import COLOURS, LABELS, Bucket, Counts, bucketed, classify, local_date

HEADERS = ("STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Tình trạng", "Minh chứng")
WIDTHS = (6, 60, 28, 28, 24, 30, 40)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# The most worrying bucket decides a task's colour.
SEVERITY = (Bucket.OVERDUE, Bucket.DONE_LATE, Bucket.ON_TRACK, Bucket.DONE_ON_TIME)


def evidence_text(evidence: dict | None) -> str:
    """One line of evidence: "Số 45/BC-UBND ngày 10/03/2026; https://...; tệp bao-cao.pdf"."""
    if not evidence:
        return ""
    parts = []
    if evidence.get("document_number"):
        text = f"Số {evidence['document_number']}"
        if evidence.get("document_date"):
            try:
                text += f" ngày {date.fromisoformat(str(evidence['document_date'])):%d/%m/%Y}"
            except ValueError:
                text += f" ngày {evidence['document_date']}"
        parts.append(text)
    if evidence.get("link"):
        parts.append(str(evidence["link"]))
    if evidence.get("file"):
        parts.append(f"tệp {evidence.get('file_name') or evidence['file']}")
    if evidence.get("note"):
        parts.append(str(evidence["note"]))
    return "; ".join(parts)


AWAITING_LABEL = "Đã báo cáo, chờ xác nhận"


def shown_label(occurrence: Occurrence, bucket: Bucket | None) -> str:
    """The bucket's label; a report not yet confirmed is not "hoàn thành" (counted apart)."""
    if occurrence.status == OccurrenceStatus.SUBMITTED:
        return AWAITING_LABEL
    return LABELS[bucket] if bucket else "Đã huỷ"


def task_status(occurrences: list[Occurrence], today: date, tz: str) -> tuple[str, Bucket | None, str]:
    """(status text, worst bucket, evidence text) of a task from its occurrences."""
    live = [o for o in occurrences if o.status != OccurrenceStatus.CANCELLED]
    if not live:
        return ("Thường xuyên" if not occurrences else "Đã huỷ"), None, ""
    buckets = [classify(o.status, o.effective_due, local_date(o.completed_at, tz), today) for o in live]
    worst = next((b for b in SEVERITY if b in buckets), None)
    if len(live) == 1:
        o, b = live[0], buckets[0]
        return shown_label(o, b), worst, evidence_text(o.evidence)
    lines = [f"{o.period}: {shown_label(o, b)}" for o, b in zip(live, buckets)]
    ev = [f"{o.period}: {evidence_text(o.evidence)}" for o in live if o.evidence]
    return "\n".join(lines), worst, "\n".join(ev)


def due_text(task: Task, occurrences: list[Occurrence]) -> str:
    """The deadline as written, plus each occurrence's effective date."""
    live = [o for o in occurrences if o.status != OccurrenceStatus.CANCELLED]
    dates = []
    for o in live:
        text = f"{o.effective_due:%d/%m/%Y}"
        if o.extended_due:
            text += f" (gia hạn từ {o.due:%d/%m/%Y})"
        dates.append(text)
    head = task.deadline_text or ""
    if dates and len(dates) <= 4:
        return f"{head}\n" + ", ".join(dates) if head else ", ".join(dates)
    return head


def plan_workbook(session: Session, plan: Plan, today: date, tz: str = "Asia/Ho_Chi_Minh") -> Workbook:
    """Build the workbook of one plan (tasks of its organisation only)."""
    units = dict(session.exec(select(Unit.code, Unit.name).where(Unit.organisation_id == plan.organisation_id)).all())
    tasks = list(session.exec(
        select(Task).where(Task.plan_id == plan.id, Task.organisation_id == plan.organisation_id, Task.status == TaskStatus.ACTIVE)
        .order_by(Task.id)
    ).all())
    occ_by_task: dict[int, list[Occurrence]] = {}
    for occ in session.exec(select(Occurrence).where(Occurrence.organisation_id == plan.organisation_id)
                            .join(Task, Task.id == Occurrence.task_id).where(Task.plan_id == plan.id, bucketed())
                            .order_by(Occurrence.due)):
        occ_by_task.setdefault(occ.task_id, []).append(occ)

    wb = Workbook()
    ws = wb.active
    ws.title = "Tình hình thực hiện"
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ncol = len(HEADERS)
    last = get_column_letter(ncol)

    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = "PHỤ LỤC: TÌNH HÌNH THỰC HIỆN NHIỆM VỤ"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = f"(Kèm theo Kế hoạch số {plan.number or plan.code} của {plan.issuer}: {plan.title})"
    ws["A2"].alignment = Alignment(horizontal="center", wrap_text=True)
    ws.row_dimensions[2].height = 32
    ws.merge_cells(f"A3:{last}3")
    ws["A3"] = f"Số liệu đến ngày {today:%d/%m/%Y}"
    ws["A3"].alignment = Alignment(horizontal="center")
    ws["A3"].font = Font(italic=True)

    header_row = 5
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
        cell = ws.cell(row=header_row, column=col, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="E7E9EC")
        cell.border = border
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)

    counts = Counts()
    row = header_row + 1
    areas: dict[str, list[Task]] = {}
    for task in tasks:
        areas.setdefault(task.area, []).append(task)
    for index, (area, area_tasks) in enumerate(areas.items()):
        label = area_tasks[0].area_label or area
        ws.cell(row=row, column=1, value=ROMAN[index] if index < len(ROMAN) else str(index + 1)).font = Font(bold=True)
        ws.cell(row=row, column=2, value=label.upper()).font = Font(bold=True)
        for col in range(1, ncol + 1):
            ws.cell(row=row, column=col).border = border
        row += 1
        for number, task in enumerate(area_tasks, start=1):
            occurrences = occ_by_task.get(task.id, [])
            status, worst, evidence = task_status(occurrences, today, tz)
            for o in occurrences:
                counts.add(classify(o.status, o.effective_due, local_date(o.completed_at, tz), today),
                           submitted=o.status == OccurrenceStatus.SUBMITTED)
            values = (
                number,
                task.text or task.title,
                "; ".join(units.get(c, c) for c in task.lead_units),
                "; ".join(units.get(c, c) for c in task.coordinating_units),
                due_text(task, occurrences),
                status,
                evidence,
            )
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col, value=value)
                cell.alignment = wrap
                cell.border = border
            if worst is not None:
                status_cell = ws.cell(row=row, column=6)
                status_cell.font = Font(bold=True, color=COLOURS[worst].lstrip("#"))
            row += 1

    row += 1
    ws.cell(row=row, column=2, value="Tổng hợp (theo kỳ thực hiện)").font = Font(bold=True)
    for bucket in (Bucket.DONE_ON_TIME, Bucket.DONE_LATE, Bucket.ON_TRACK, Bucket.OVERDUE):
        row += 1
        ws.cell(row=row, column=2, value=LABELS[bucket]).font = Font(color=COLOURS[bucket].lstrip("#"))
        ws.cell(row=row, column=3, value=counts.get(bucket))
    row += 1
    ws.cell(row=row, column=2, value=AWAITING_LABEL)
    ws.cell(row=row, column=3, value=counts.awaiting_confirmation)
    row += 1
    ws.cell(row=row, column=2, value="Tổng số").font = Font(bold=True)
    ws.cell(row=row, column=3, value=counts.total).font = Font(bold=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    return wb


def plan_workbook_bytes(session: Session, plan: Plan, today: date, tz: str = "Asia/Ho_Chi_Minh") -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    plan_workbook(session, plan, today, tz).save(buffer)
    return buffer.getvalue()
