"""Word layout of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).

A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; body 14 pt,
justified, first-line indent 1 cm, 6 pt between paragraphs; the header is a borderless
two-column table (issuer | national motto), each with a short rule under it.
"""

from __future__ import annotations

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
BODY_PT = 14


def new_document() -> DocxDocument:
    """An empty A4 document with the decree's margins and Times New Roman everywhere."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    for name in ("Normal", "Table Grid"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        _east_asian(style.element, FONT)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_before, normal.space_after = Pt(0), Pt(6)
    normal.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    normal.line_spacing = 1.1
    return doc


def _east_asian(element, font: str) -> None:
    # Word picks the font per script: set every slot so Vietnamese never falls back.
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)


def run(paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None, underline: bool = False):
    r = paragraph.add_run(text)
    r.bold, r.italic, r.underline = bold or None, italic or None, underline or None
    r.font.name = FONT
    if size:
        r.font.size = Pt(size)
    _east_asian(r._element, FONT)
    return r


def para(container, text: str = "", *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, bold: bool = False, italic: bool = False,
         size: float | None = None, indent: bool = True, before: float = 0, after: float = 6, keep_next: bool = False):
    """A body paragraph (justified, first-line indent) or a centred line."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.first_line_indent = Cm(1) if indent and align == WD_ALIGN_PARAGRAPH.JUSTIFY else None
    fmt.keep_with_next = keep_next or None
    if text:
        run(p, text, bold=bold, italic=italic, size=size)
    return p


def heading(doc, text: str, *, level: int = 1):
    """A report heading: I., II. bold upper case; 1., 2. bold; a), b) italic bold."""
    p = para(doc, "", before=6 if level == 1 else 3, after=4, keep_next=True)
    run(p, text, bold=True, italic=level == 3)
    return p


def rule(cell_or_doc, width_cm: float, column_cm: float, after: float = 0):
    """A short centred horizontal line (the rule under the issuer and the motto)."""
    p = cell_or_doc.add_paragraph()
    side = max(0.0, (column_cm - width_cm) / 2)
    fmt = p.paragraph_format
    fmt.left_indent, fmt.right_indent = Cm(side), Cm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(after)
    fmt.line_spacing = Pt(3)
    ppr = p._p.get_or_add_pPr()
    # A tiny paragraph mark: otherwise its 14 pt height pushes the rule into the line above.
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    mark.append(size)
    ppr.append(mark)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)
    return p


def no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def boxed(paragraph) -> None:
    """A border round a paragraph (the "DỰ THẢO" stamp)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "2"), ("w:color", "000000")):
            element.set(qn(key), value)
        borders.append(element)
    ppr.append(borders)


def column_widths(table, widths_cm: list[float]) -> None:
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(width)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=False):
        col.set(qn("w:w"), str(int(Cm(width).twips)))


def cell_text(cell, text: str, *, bold: bool = False, italic: bool = False, size: float = 12,
              align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    """Fill a table cell (first paragraph reused; each line its own paragraph)."""
    lines = str(text).split("\n") if text else [""]
    first = cell.paragraphs[0]
    for index, line in enumerate(lines):
        p = first if index == 0 else cell.add_paragraph()
        p.paragraph_format.alignment = align
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.first_line_indent = None
        p.paragraph_format.line_spacing = 1.0
        if line:
            run(p, line, bold=bold, italic=italic, size=size)


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def landscape_section(doc):
    """A new landscape A4 section (for the appendix table)."""
    from docx.enum.section import WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    return section
