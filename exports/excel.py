"""The plan's status as an Excel workbook in the appendix layout officials use.

Columns: STT, Nội dung, Cơ quan chủ trì, Cơ quan phối hợp, Thời gian hoàn thành,
Tình trạng, Minh chứng; tasks grouped under their reform area (I, II, ...), the status
cell coloured like the dashboard's bucket.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from domain.evidence import describe_evidence
from domain.status import COLOURS, LABELS, Bucket, Counts, classify, local_date
from persistence.models import Occurrence, OccurrenceStatus, Plan, Task, TaskStatus, Unit, bucketed, stored_id

HEADERS = ("STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Tình trạng", "Minh chứng")
WIDTHS = (6, 60, 28, 28, 24, 30, 40)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# The most worrying bucket decides a task's colour.
SEVERITY = (Bucket.OVERDUE, Bucket.DONE_LATE, Bucket.ON_TRACK, Bucket.DONE_ON_TIME)


def plan_label(plan: Plan) -> str:
    """How people name a plan: its number ("Kế hoạch số 12/KH-UBND"), else its title."""
    return f"Kế hoạch số {plan.number}" if plan.number else plan.title


def workbook_filename(plan: Plan) -> str:
    """The file name of a plan's workbook, after its number and year: "ke-hoach-12-KH-UBND-2026.xlsx".

    ASCII only (diacritics folded, "/" and spaces become "-"): the name survives every
    mail client, file system and USB stick it travels on.
    """
    from domain.text import fold

    def ascii_part(text: str, lower: bool) -> str:
        folded = fold(text) if lower else "".join(
            c for c in unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
            if not unicodedata.combining(c))
        return re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")

    name = ascii_part(plan.number, lower=False) if plan.number else ascii_part(plan.title, lower=True)[:60]
    return f"ke-hoach-{name or plan.code}-{plan.year}.xlsx"


def evidence_text(evidence: dict | None) -> str:
    """One line of evidence: "Số 45/BC-UBND ngày 10/03/2026; https://...; tệp bao-cao.pdf"."""
    return describe_evidence(evidence, with_note=True)


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
    lines = [f"{o.period}: {shown_label(o, b)}" for o, b in zip(live, buckets, strict=False)]
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
        .order_by(col(Task.id))
    ).all())
    occ_by_task: dict[int, list[Occurrence]] = {}
    for occ in session.exec(select(Occurrence).where(Occurrence.organisation_id == plan.organisation_id)
                            .join(Task, col(Task.id) == Occurrence.task_id).where(Task.plan_id == plan.id, bucketed())
                            .order_by(col(Occurrence.due))):
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
    ws["A1"] = "PHỤ LỤC: TÌNH HÌNH THỰC HIỆN " + (f"KẾ HOẠCH SỐ {plan.number}" if plan.number else plan.title.upper())
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A2:{last}2")
    issued = f" ngày {plan.issued_on:%d/%m/%Y}" if plan.number and plan.issued_on else ""
    about = f"Kế hoạch số {plan.number}{issued} của {plan.issuer}: {plan.title}" if plan.number else \
        f"{plan.title} của {plan.issuer}"
    ws["A2"] = f"({about})"
    ws["A2"].alignment = Alignment(horizontal="center", wrap_text=True)
    ws.row_dimensions[2].height = 32
    ws.merge_cells(f"A3:{last}3")
    ws["A3"] = f"Số liệu đến ngày {today:%d/%m/%Y}"
    ws["A3"].alignment = Alignment(horizontal="center")
    ws["A3"].font = Font(italic=True)

    header_row = 5
    for column, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=False), start=1):
        cell = ws.cell(row=header_row, column=column, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="E7E9EC")
        cell.border = border
        ws.column_dimensions[get_column_letter(column)].width = width
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
        for column in range(1, ncol + 1):
            ws.cell(row=row, column=column).border = border
        row += 1
        for number, task in enumerate(area_tasks, start=1):
            occurrences = occ_by_task.get(stored_id(task), [])
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
            for column, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=column, value=value)
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
    # Printed for meetings: A4 landscape, every column on the page, the header row on each page.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "Trang &P/&N"
    add_indicator_sheet(wb, session, plan)
    return wb


def plan_workbook_bytes(session: Session, plan: Plan, today: date, tz: str = "Asia/Ho_Chi_Minh") -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    plan_workbook(session, plan, today, tz).save(buffer)
    return buffer.getvalue()


INDICATOR_HEADERS = ("STT", "Mã", "Chỉ tiêu", "Cơ quan chủ trì", "Mục tiêu", "Kỳ báo cáo", "Kết quả", "Đánh giá", "Minh chứng")
INDICATOR_WIDTHS = (6, 8, 60, 28, 14, 12, 14, 14, 36)


def add_indicator_sheet(wb: Workbook, session: Session, plan: Plan) -> None:
    """A second sheet "Chỉ tiêu": each indicator with its latest reported period (nothing if the plan has none)."""
    from persistence.models import Indicator, IndicatorValue
    from reports.indicators import IndicatorLine, indicator_lines

    ids = list(session.exec(select(Indicator.id).where(Indicator.plan_id == plan.id, Indicator.active == True)))  # noqa: E712
    if not ids:
        return
    periods = sorted(set(session.exec(select(IndicatorValue.period_key).where(col(IndicatorValue.indicator_id).in_(ids)))))
    latest: dict[str, tuple[str, IndicatorLine]] = {}
    order = {"Q1": 1, "H1": 2, "Q3": 3, "Y": 4}  # "2026-H1" sorts before "2026-Q1" as text
    periods.sort(key=lambda k: (k[:4], order.get(k[5:], 9)))
    lines = indicator_lines(session, plan, periods[-1] if periods else "")
    for key in periods:
        for line in indicator_lines(session, plan, key):
            if line.status != "chua_bao_cao":
                latest[line.code] = (key, line)
    ws = wb.create_sheet("Chỉ tiêu")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(f"A1:{get_column_letter(len(INDICATOR_HEADERS))}1")
    ws["A1"] = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center")
    for column, (title, width) in enumerate(zip(INDICATOR_HEADERS, INDICATOR_WIDTHS, strict=False), start=1):
        cell = ws.cell(row=3, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E7E9EC")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    colours = {"dat": COLOURS[Bucket.DONE_ON_TIME], "chua_dat": COLOURS[Bucket.OVERDUE], "chua_bao_cao": "#555555"}
    for number, line in enumerate(lines, start=1):
        key, shown = latest.get(line.code, ("", line))
        values = (number, line.code, line.name, line.owner, line.target_text, key, shown.actual_text, shown.status_label,
                  evidence_text(shown.evidence))
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=3 + number, column=column, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = border
        ws.cell(row=3 + number, column=8).font = Font(bold=True, color=colours[shown.status].lstrip("#"))
