"""Builds the binary documents of the corpus (.docx, .xlsx) reproducibly.

Run: .venv/bin/python tests/ingest/corpus/make_corpus.py
The outputs are committed; this script is how they were made (python-docx with real
Word numbering definitions in numbering.xml, openpyxl with merged cells and typed cells).
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

HERE = Path(__file__).parent
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# I. / 1. / a) / - : how Vietnamese plans number their sections (Nghị định 30/2020).
_NUMBERING = f"""
<w:abstractNum xmlns:w="{W}" w:abstractNumId="90">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/><w:lvlJc w:val="left"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/><w:lvlJc w:val="left"/></w:lvl>
  <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="-"/><w:lvlJc w:val="left"/></w:lvl>
</w:abstractNum>
"""
_NUM = f'<w:num xmlns:w="{W}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'


def _numbering(doc) -> None:
    from lxml import etree

    numbering = doc.part.numbering_part.element
    numbering.insert(0, etree.fromstring(_NUMBERING))
    numbering.append(etree.fromstring(_NUM))
    # Heading 1 carries level 0 through its style, as Word's outline numbering does.
    style = doc.styles["Heading 1"].element
    ppr = style.get_or_add_pPr()
    ppr.append(etree.fromstring(f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))


def _numbered(doc, text: str, level: int):
    from lxml import etree

    if level == 0:
        return doc.add_paragraph(text, style="Heading 1")
    paragraph = doc.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(etree.fromstring(
        f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    return paragraph


def autonumber_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    _numbering(doc)
    for line in ("ỦY BAN NHÂN DÂN", "XÃ TAM ĐẢO", "Số: 14/KH-UBND", "Tam Đảo, ngày 08 tháng 01 năm 2026",
                 "KẾ HOẠCH", "Cải thiện Chỉ số hài lòng của người dân xã Tam Đảo năm 2026"):
        doc.add_paragraph(line)
    _numbered(doc, "MỤC ĐÍCH, YÊU CẦU", 0)
    doc.add_paragraph("Nâng cao sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính xã.")
    _numbered(doc, "NHIỆM VỤ VÀ PHÂN CÔNG THỰC HIỆN", 0)
    _numbered(doc, "Về thủ tục hành chính", 1)
    _numbered(doc, "Rút ngắn thời gian giải quyết thủ tục hành chính lĩnh vực chứng thực, hộ tịch.", 2)
    _numbered(doc, "Cơ quan chủ trì: Công chức Tư pháp - Hộ tịch.", 3)
    _numbered(doc, "Thời gian hoàn thành: Quý II/2026.", 3)
    _numbered(doc, "Lấy ý kiến đánh giá của người dân sau mỗi lần giải quyết hồ sơ tại Bộ phận Một cửa.", 2)
    _numbered(doc, "Cơ quan chủ trì: Công chức Văn phòng - Thống kê.", 3)
    _numbered(doc, "Thời gian hoàn thành: thường xuyên.", 3)
    _numbered(doc, "Về cơ sở vật chất", 1)
    _numbered(doc, "Cải tạo khu vực chờ của Bộ phận Một cửa xã, bố trí ghế ngồi, nước uống.", 2)
    _numbered(doc, "Cơ quan chủ trì: Công chức Tài chính - Kế toán.", 3)
    _numbered(doc, "Cơ quan phối hợp: Công chức Văn phòng - Thống kê.", 3)
    _numbered(doc, "Thời gian hoàn thành: tháng 4/2026.", 3)
    _numbered(doc, "TỔ CHỨC THỰC HIỆN", 0)
    doc.add_paragraph("Công chức Văn phòng - Thống kê tổng hợp, báo cáo Chủ tịch UBND xã kết quả thực hiện trước ngày 05/12/2026.")
    doc.add_paragraph("Trên đây là Kế hoạch cải thiện Chỉ số hài lòng năm 2026 của UBND xã Tam Đảo./.")
    for line in ("Nơi nhận:", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Đỗ Quang Vinh"):
        doc.add_paragraph(line)
    doc.save(path)


def _row(table, values) -> None:
    cells = table.add_row().cells
    for cell, text in zip(cells, values):
        parts = text.split("\n")
        cell.text = parts[0]
        for part in parts[1:]:
            cell.add_paragraph(part)


def appendix_docx(path: Path) -> None:
    import docx
    from lxml import etree

    doc = docx.Document()
    for line in ("ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "Số: 88/KH-UBND", "Lạng Sơn, ngày 30 tháng 12 năm 2025",
                 "KẾ HOẠCH", "Cải cách hành chính nhà nước tỉnh Lạng Sơn năm 2026",
                 "I. MỤC ĐÍCH, YÊU CẦU", "Thực hiện đồng bộ các nội dung cải cách hành chính trên địa bàn tỉnh.",
                 "II. CHỈ TIÊU, NHIỆM VỤ", "Chỉ tiêu tại Phụ lục I, nhiệm vụ tại Phụ lục II kèm theo.",
                 "Trên đây là Kế hoạch cải cách hành chính năm 2026 của UBND tỉnh Lạng Sơn./.",
                 "Nơi nhận:", "- Bộ Nội vụ;", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Hoàng Văn Nghiệm",
                 "PHỤ LỤC I: CHỈ TIÊU CẢI CÁCH HÀNH CHÍNH NĂM 2026"):
        doc.add_paragraph(line)
    targets = doc.add_table(rows=1, cols=3)
    for cell, text in zip(targets.rows[0].cells, ("STT", "Chỉ tiêu", "Mục tiêu năm 2026")):
        cell.text = text
    _row(targets, ("1", "Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình", "80%"))
    _row(targets, ("2", "Tỷ lệ hồ sơ được số hóa kết quả giải quyết", "100%"))
    doc.add_paragraph("PHỤ LỤC II: NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2026")
    doc.add_paragraph("(Kèm theo Kế hoạch số 88/KH-UBND ngày 30/12/2025 của UBND tỉnh Lạng Sơn)")
    header = ("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Sản phẩm")
    table = doc.add_table(rows=1, cols=6)
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    # Word repeats this row at the top of each page.
    trpr = table.rows[0]._tr.get_or_add_trPr()
    trpr.append(etree.fromstring(f'<w:tblHeader xmlns:w="{W}"/>'))
    _row(table, ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)"))
    _row(table, ("I", "CẢI CÁCH TỔ CHỨC BỘ MÁY", "", "", "", ""))
    _row(table, ("1", "Rà soát chức năng, nhiệm vụ, quyền hạn của các sở, ban, ngành sau sắp xếp", "Sở Nội vụ",
                 "Các sở, ban, ngành", "Quí II-2026", "Báo cáo rà soát"))
    _row(table, ("2", "Kiện toàn tổ chức bộ máy các đơn vị sự nghiệp công lập\ntheo hướng tinh gọn", "Sở Nội vụ",
                 "Sở Tài chính", "6 tháng cuối năm", "Quyết định kiện toàn"))
    _row(table, ("II", "CẢI CÁCH TÀI CHÍNH CÔNG", "", "", "", ""))
    _row(table, ("3", "Giao quyền tự chủ tài chính cho các đơn vị sự nghiệp công lập", "Sở Tài chính",
                 "Các sở, ban, ngành", "Từ 01/7/2026", "Quyết định giao tự chủ"))
    _row(table, header)  # the header again, as printed on the next page
    _row(table, ("4", "Công khai tình hình thực hiện dự toán ngân sách", "Sở Tài chính", "", "15/7 và 15/01 năm sau",
                 "Báo cáo công khai"))
    _row(table, ("5", "Kiểm tra việc quản lý, sử dụng tài sản công tại các cơ quan", "Sở Tài chính",
                 "Thanh tra tỉnh", "từ tháng 8 đến tháng 10/2026", "Kết luận kiểm tra"))
    # Area rows span the whole table; the lead of tasks 4-5 is one merged cell.
    for index in (2, 5):
        cells = table.rows[index].cells
        merged = cells[0].merge(cells[5])
        for paragraph in merged.paragraphs[1:]:
            paragraph._p.getparent().remove(paragraph._p)
        merged.paragraphs[0].text = "I. CẢI CÁCH TỔ CHỨC BỘ MÁY" if index == 2 else "II. CẢI CÁCH TÀI CHÍNH CÔNG"
    lead = table.cell(8, 2).merge(table.cell(9, 2))
    for paragraph in lead.paragraphs[1:]:
        paragraph._p.getparent().remove(paragraph._p)
    doc.add_paragraph("")
    doc.save(path)


def appendix_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    sheet.append(["PHỤ LỤC: NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2026 CỦA UBND XÃ HƯƠNG SƠN"])
    sheet.merge_cells("A1:F1")
    sheet.append(["(Kèm theo Kế hoạch số 05/KH-UBND ngày 06/01/2026 của UBND xã Hương Sơn)"])
    sheet.merge_cells("A2:F2")
    sheet.append([])
    sheet.append(["STT", "Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện", "Sản phẩm"])
    sheet.append(["A", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"])
    sheet.merge_cells("B5:F5")
    sheet.append([1, "Rà soát, cập nhật quy trình nội bộ giải quyết thủ tục hành chính", "Công chức Văn phòng - Thống kê",
                  "Công chức Tư pháp - Hộ tịch", datetime.datetime(2026, 6, 30), "Quy trình nội bộ"])
    sheet.append([2, "Tổ chức đối thoại với người dân về thủ tục hành chính", "Công chức Văn phòng - Thống kê",
                  None, 2026, "Biên bản đối thoại"])
    sheet.append(["B", "XÂY DỰNG CHÍNH QUYỀN SỐ"])
    sheet.merge_cells("B8:F8")
    sheet.append([3, "Hướng dẫn người dân cài đặt, sử dụng ứng dụng VNeID", "Công an xã",
                  "Đoàn Thanh niên xã", "Quý I, Quý II/2026", "Số người được hướng dẫn"])
    sheet.append([4, "Cập nhật thông tin trên Trang thông tin điện tử của xã", "Công chức Văn hóa - Xã hội",
                  None, "hằng tháng", None])
    book.save(path)


def main() -> int:
    autonumber_docx(HERE / "l7-danh-so-tu-dong.docx")
    appendix_docx(HERE / "l5-phu-luc-word.docx")
    appendix_xlsx(HERE / "l5-phu-luc.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
