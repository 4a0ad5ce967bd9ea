"""The periodic CCHC report as a Word draft (python-docx), from :class:`reports.data.ReportData`.

Outline of the periodic report (581/BNV-CCHC, as communes write it): the opening that
states the data window; I. chỉ đạo, điều hành and one part per reform area; II. Đánh
giá chung (the Government Office's counting, by unit too, and the indicators); III.
Tồn tại, hạn chế và nguyên nhân; IV. Phương hướng, nhiệm vụ kỳ tới; the appendix table.
"""

from __future__ import annotations

import io
import re
from datetime import date

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from sqlmodel import Session

from domain.completion import rate_text
from domain.text import fold
from persistence.models import Plan
from reports.data import AreaSection, ReportData, collect
from reports.docx_layout import (
    boxed,
    cell_text,
    column_widths,
    heading,
    landscape_section,
    new_document,
    no_borders,
    para,
    repeat_header,
    rule,
    run,
)
from reports.periods import ReportPeriod

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
SECTION_TITLES = (
    "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH VÀ KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH",
    "II. ĐÁNH GIÁ CHUNG",
    "III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI",
)
APPENDIX_HEADERS = ("STT", "Nội dung", "Cơ quan chủ trì", "Thời gian hoàn thành", "Kết quả", "Minh chứng")
APPENDIX_WIDTHS = (1.3, 9.0, 4.2, 3.2, 5.0, 4.5)  # cm, landscape A4 less 35 mm of margins
DRAFT_MARK = "DỰ THẢO"
MAX_LISTED = 8  # tasks named in one sentence before "và N nhiệm vụ khác"


def report_title(period: ReportPeriod) -> str:
    """"Báo cáo kết quả thực hiện công tác cải cách hành chính quý I năm 2026" (without "Báo cáo")."""
    return f"Kết quả thực hiện công tác cải cách hành chính {period.title_phrase}"


def _issuer_lines(issuer: str) -> tuple[str, str]:
    """("ỦY BAN NHÂN DÂN", "XÃ NGỌC LIÊN") from "UBND xã Ngọc Liên"."""
    words = issuer.split()
    head = fold(" ".join(words[:4]))
    if words and fold(words[0]) == "ubnd":
        return "ỦY BAN NHÂN DÂN", " ".join(words[1:]).upper()
    if head.startswith("uy ban nhan dan"):
        return "ỦY BAN NHÂN DÂN", " ".join(words[4:]).upper()
    return issuer.upper(), ""


def _signature_lines(data: ReportData) -> list[str]:
    role = (data.signer_role or "").strip()
    if role:
        lines = [part.strip().upper() for part in role.replace("\n", "/").split("/") if part.strip()]
        if lines and lines[0].startswith(("KT.", "TM.")) is False and len(lines) == 1:
            lines = ["TM. ỦY BAN NHÂN DÂN", *lines]
        return lines
    return ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]


def _listed(names: list[str]) -> str:
    shown = "; ".join(names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += f" và {len(names) - MAX_LISTED} nhiệm vụ khác"
    return shown


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ":", ";")) else text + "."


def write_header(doc, data: ReportData) -> None:
    """Issuer and motto table, number, place and date, the draft stamp, the title."""
    if not data.final:
        stamp = para(doc, "", align=WD_ALIGN_PARAGRAPH.LEFT, indent=False, after=4)
        run(stamp, DRAFT_MARK, bold=True, size=13)
        boxed(stamp)
        stamp.paragraph_format.right_indent = Cm(13.6)
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    widths = [6.2, 10.3]
    column_widths(table, widths)
    left, right = table.rows[0].cells
    top, name = _issuer_lines(data.issuer)
    cell_text(left, top, bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    if name:
        p = left.add_paragraph()
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        run(p, name, bold=True, size=13)
    rule(left, 1.8, widths[0], after=6)
    number = data.final_number or ".../BC-UBND"
    p = left.add_paragraph()
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, f"Số: {number}", size=13)
    cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    p = right.add_paragraph()
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    run(p, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)
    rule(right, 5.6, widths[1], after=6)
    p = right.add_paragraph()
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    when = data.final_date
    day = f"ngày {when.day:02d} tháng {when.month:02d} năm {when.year}" if when else f"ngày     tháng     năm {data.period.year}"
    run(p, f"{data.place}, {day}", italic=True, size=13)

    para(doc, "BÁO CÁO", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, before=18, after=0)
    para(doc, report_title(data.period), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, after=0)
    rule(doc, 4.0, 16.5, after=12)


def write_opening(doc, data: ReportData) -> None:
    plan_ref = f"Kế hoạch số {data.plan_number}" if data.plan_number else "Kế hoạch"
    about = re.sub(r"^kế hoạch\s+", "", data.plan_title.strip(), flags=re.IGNORECASE)
    about = about[:1].lower() + about[1:]
    para(doc, f"Thực hiện {plan_ref} của {data.issuer} về {about}; "
              f"{data.organisation} báo cáo kết quả thực hiện công tác cải cách hành chính {data.period.title_phrase} "
              f"như sau:")
    p = para(doc, "")
    run(p, "Thời gian lấy số liệu: ", italic=True)
    run(p, f"từ ngày {data.window.start:%d/%m/%Y} đến ngày {data.window.end:%d/%m/%Y}.", italic=True)


def write_area(doc, number: int, section: AreaSection) -> None:
    heading(doc, f"{number}. {section.label}", level=2)
    if not section.tasks:
        para(doc, "Kế hoạch không giao nhiệm vụ thuộc lĩnh vực này.")
        return
    if not section.items:
        para(doc, f"Trong kỳ, {section.tasks} nhiệm vụ của lĩnh vực này chưa có kết quả được báo cáo và xác nhận.")
    for item in section.items:
        p = para(doc, "")
        run(p, f"- {item.title}", bold=False)
        run(p, f" ({item.lead}): ", italic=True)
        text = _sentence(item.result)
        if item.figures:
            text += f" Số liệu: {item.figures}."
        if item.evidence:
            text += f" Minh chứng: {item.evidence}."
        run(p, text)
    if section.items and section.not_reported:
        para(doc, f"Các nhiệm vụ chưa có báo cáo kết quả trong kỳ: {_listed(section.not_reported)}.")


def write_assessment(doc, data: ReportData) -> None:
    c = data.counts
    heading(doc, SECTION_TITLES[1])
    para(doc, f"Trong thời gian lấy số liệu ({data.window.text()}), có {c.total} lượt nhiệm vụ đến hạn hoàn thành, trong đó: "
              f"hoàn thành đúng hạn {c.done_on_time}; hoàn thành quá hạn {c.done_late}; "
              f"quá hạn chưa hoàn thành {c.overdue}; đang thực hiện trong hạn {c.on_track}.")
    p = para(doc, "")
    run(p, f"Tỷ lệ hoàn thành: {rate_text(data.rate)} ", bold=True)
    run(p, f"({data.completed}/{data.completed + c.overdue}; tính theo cách của Văn phòng Chính phủ: số nhiệm vụ đã "
           "hoàn thành chia cho tổng số nhiệm vụ đã hoàn thành và quá hạn chưa hoàn thành, không tính nhiệm vụ còn "
           "trong hạn).", italic=True)
    para(doc, f"Nhiệm vụ thường xuyên, báo cáo theo kỳ: {data.continuous_tasks} nhiệm vụ; báo cáo kết quả kỳ này đã được "
              f"thường trực chấp nhận {data.updates_accepted}, chờ xác nhận {data.updates_pending}, "
              f"bị trả lại {data.updates_returned}.")
    if data.by_unit:
        para(doc, "Kết quả theo cơ quan, đơn vị chủ trì:", keep_next=True)
        headers = ("Cơ quan, đơn vị", "Đến hạn", "Đúng hạn", "Quá hạn đã HT", "Quá hạn chưa HT", "Tỷ lệ hoàn thành")
        widths = [6.0, 1.8, 1.9, 2.2, 2.3, 2.3]
        table = doc.add_table(rows=1, cols=len(headers))
        table.style = doc.styles["Table Grid"]
        for cell, text in zip(table.rows[0].cells, headers, strict=False):
            cell_text(cell, text, bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
        repeat_header(table.rows[0])
        for unit in data.by_unit:
            k = unit.counts
            cells = table.add_row().cells
            values = (unit.unit, k.total, k.done_on_time, k.done_late, k.overdue, rate_text(unit.rate))
            for index, (cell, value) in enumerate(zip(cells, values, strict=False)):
                cell_text(cell, str(value), size=12, align=WD_ALIGN_PARAGRAPH.LEFT if index == 0 else WD_ALIGN_PARAGRAPH.CENTER)
        column_widths(table, widths)
        para(doc, "", after=2)
    if data.indicators:
        _write_indicators(doc, data)


def _write_indicators(doc, data: ReportData) -> None:
    reached = sum(1 for line in data.indicators if line.status == "dat")
    para(doc, f"Kết quả thực hiện các chỉ tiêu: {reached}/{len(data.indicators)} chỉ tiêu đạt.", keep_next=True)
    headers = ("STT", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Đánh giá")
    widths = [1.1, 8.4, 2.4, 2.4, 2.2]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, headers, strict=False):
        cell_text(cell, text, bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    repeat_header(table.rows[0])
    for index, line in enumerate(data.indicators, start=1):
        cells = table.add_row().cells
        values = (index, line.name, line.target_text, line.actual_text, line.status_label)
        for col, (cell, value) in enumerate(zip(cells, values, strict=False)):
            cell_text(cell, str(value), size=12, align=WD_ALIGN_PARAGRAPH.LEFT if col == 1 else WD_ALIGN_PARAGRAPH.CENTER)
    column_widths(table, widths)
    para(doc, "", after=2)


def write_shortcomings(doc, data: ReportData) -> None:
    heading(doc, SECTION_TITLES[2])
    if not data.shortcomings:
        para(doc, "Trong kỳ không có nhiệm vụ quá hạn, gặp vướng mắc hoặc có báo cáo bị trả lại.")
        return
    para(doc, "Còn các nhiệm vụ chưa hoàn thành đúng yêu cầu:")
    for item in data.shortcomings:
        p = para(doc, "")
        run(p, f"- {item.title}")
        run(p, f" ({item.lead}): ", italic=True)
        text = _sentence(item.what)
        text += f" Lý do: {_sentence(item.reason)}" if item.reason else " Chưa nêu lý do."
        run(p, text)
    para(doc, "Nguyên nhân chủ yếu là các lý do nêu trên do cơ quan, đơn vị chủ trì báo cáo; người đứng đầu cơ quan, "
              "đơn vị cần tập trung chỉ đạo khắc phục trong kỳ tới.")


def write_next(doc, data: ReportData) -> None:
    heading(doc, SECTION_TITLES[3])
    nxt = data.next_period
    para(doc, f"Trong kỳ tới (báo cáo {nxt.title_phrase}, số liệu đến ngày {nxt.window.end:%d/%m/%Y}), "
              f"{data.organisation} tập trung thực hiện:")
    for item in data.upcoming:
        para(doc, f"- {item.title} ({item.lead}): hoàn thành trước ngày {item.due:%d/%m/%Y}.")
    if data.shortcomings:
        para(doc, "- Khắc phục dứt điểm các nhiệm vụ quá hạn, vướng mắc nêu tại mục III.")
    para(doc, "- Tiếp tục thực hiện các nhiệm vụ thường xuyên theo Kế hoạch; báo cáo kết quả đúng thời hạn.")


def write_closing(doc, data: ReportData) -> None:
    para(doc, f"Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính {data.period.title_phrase} "
              f"của {data.organisation}./.")
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    column_widths(table, [8.0, 8.5])
    left, right = table.rows[0].cells
    cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in ("- UBND tỉnh (Sở Nội vụ);", "- Thường trực Đảng ủy, HĐND;", "- Chủ tịch, các Phó Chủ tịch UBND;",
                 "- Lưu: VT."):
        p = left.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        run(p, line, size=11)
    lines = _signature_lines(data)
    cell_text(right, "\n".join(lines), bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(4):
        right.add_paragraph()
    if data.signer:
        p = right.add_paragraph()
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(p, data.signer, bold=True, size=13)


def write_appendix(doc, data: ReportData) -> None:
    landscape_section(doc)
    para(doc, "PHỤ LỤC", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, after=0)
    para(doc, f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH {data.period.title_phrase.upper()}",
         align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, after=0)
    number = data.final_number or ".../BC-UBND"
    para(doc, f"(Kèm theo Báo cáo số {number} của {data.issuer}; số liệu từ ngày {data.window.start:%d/%m/%Y} "
              f"đến ngày {data.window.end:%d/%m/%Y})", align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, after=8)
    table = doc.add_table(rows=1, cols=len(APPENDIX_HEADERS))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, APPENDIX_HEADERS, strict=False):
        cell_text(cell, text, bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    repeat_header(table.rows[0])
    current, group = None, 0
    labels = {s.area: s.label for s in data.sections}
    for row in data.appendix:
        if row.area != current:
            current = row.area
            cells = table.add_row().cells
            cell_text(cells[0], ROMAN[group] if group < len(ROMAN) else str(group + 1), bold=True, size=12,
                      align=WD_ALIGN_PARAGRAPH.CENTER)
            merged = cells[1].merge(cells[-1])
            cell_text(merged, labels.get(row.area, row.area).upper(), bold=True, size=12)
            group += 1
        cells = table.add_row().cells
        values = (row.number, row.content, row.lead, row.due_text, row.result, row.evidence)
        for col, (cell, value) in enumerate(zip(cells, values, strict=False)):
            cell_text(cell, str(value), size=12, align=WD_ALIGN_PARAGRAPH.CENTER if col in (0, 3) else WD_ALIGN_PARAGRAPH.LEFT)
    column_widths(table, list(APPENDIX_WIDTHS))


def render(data: ReportData) -> bytes:
    """The report of ``data`` as .docx bytes."""
    doc = new_document()
    write_header(doc, data)
    write_opening(doc, data)
    heading(doc, SECTION_TITLES[0])
    for number, section in enumerate(data.sections, start=1):
        write_area(doc, number, section)
    write_assessment(doc, data)
    write_shortcomings(doc, data)
    write_next(doc, data)
    write_closing(doc, data)
    write_appendix(doc, data)
    doc.core_properties.title = f"Báo cáo {report_title(data.period).lower()}"
    doc.core_properties.author = data.organisation
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def draft_report(session: Session, plan: Plan, period: ReportPeriod, tz: str = "Asia/Ho_Chi_Minh") -> tuple[ReportData, bytes]:
    """Collect and render the report of ``plan`` for ``period`` (with its indicators)."""
    data = collect(session, plan, period, tz)
    try:
        from reports.indicators import indicator_lines
    except ImportError:  # pragma: no cover - indicators are optional in the draft
        pass
    else:
        data.indicators = indicator_lines(session, plan, period.key)
    return data, render(data)


def default_filename(plan: Plan, period: ReportPeriod) -> str:
    return f"bao-cao-cchc-{plan.code}-{period.key}.docx"


def today_default() -> date:
    return date.today()
