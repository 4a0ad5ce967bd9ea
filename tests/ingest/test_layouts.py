"""Layouts of issue 13 and bounds of issue 17 (item 9), each on a document built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import limits, readers
from ingest.importer import import_plan
from ingest.limits import PlanTooLargeError
from tests.ingest.corpus_score import CORPUS

HEAD = """ỦY BAN NHÂN DÂN XÃ AN BÌNH
Số: 03/KH-UBND
An Bình, ngày 02 tháng 01 năm 2026

KẾ HOẠCH
Cải cách hành chính xã An Bình năm 2026

I. NHIỆM VỤ
"""
TAIL = """
Trên đây là Kế hoạch của UBND xã An Bình./.
Nơi nhận:
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Trần Văn Bình
"""


def _txt(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(HEAD + body + TAIL, encoding="utf-8")
    return path


def test_word_numbering_is_computed_from_numbering_xml() -> None:
    lines = [line.text for line in readers.read_document(CORPUS / "l7-danh-so-tu-dong.docx").lines]
    # Heading 1 is numbered through its style; "1." restarts under each "I."; "a)" under each "1.".
    assert "I. MỤC ĐÍCH, YÊU CẦU" in lines and "II. NHIỆM VỤ VÀ PHÂN CÔNG THỰC HIỆN" in lines
    assert "III. TỔ CHỨC THỰC HIỆN" in lines
    assert "1. Về thủ tục hành chính" in lines and "2. Về cơ sở vật chất" in lines
    assert any(line.startswith("b) Lấy ý kiến") for line in lines)
    assert any(line.startswith("a) Cải tạo khu vực chờ") for line in lines)  # restarted after "2."
    assert "- Cơ quan chủ trì: Công chức Tư pháp - Hộ tịch." in lines


def test_nested_level_text_and_start_override(tmp_path: Path) -> None:
    import docx
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    doc = docx.Document()
    numbering = doc.part.numbering_part.element
    numbering.insert(0, etree.fromstring(
        f'<w:abstractNum xmlns:w="{w}" w:abstractNumId="77">'
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
        f'<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/></w:lvl>'
        f'</w:abstractNum>'))
    numbering.append(etree.fromstring(
        f'<w:num xmlns:w="{w}" w:numId="77"><w:abstractNumId w:val="77"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/></w:lvlOverride></w:num>'))
    for text, level in (("Ba", 0), ("Ba một", 1), ("Ba hai", 1), ("Bốn", 0), ("Bốn một", 1)):
        p = doc.add_paragraph(text)
        p._p.get_or_add_pPr().append(etree.fromstring(
            f'<w:numPr xmlns:w="{w}"><w:ilvl w:val="{level}"/><w:numId w:val="77"/></w:numPr>'))
    doc.save(tmp_path / "n.docx")
    lines = [line.text for line in readers.read_document(tmp_path / "n.docx").lines]
    assert lines == ["3. Ba", "3.1. Ba một", "3.2. Ba hai", "4. Bốn", "4.1. Bốn một"]


def test_xlsx_appendix_dates_and_bare_years() -> None:
    result = import_plan(CORPUS / "l5-phu-luc.xlsx")
    by_text = {t.task.text[:20]: t for t in result.tasks}
    assert by_text["Rà soát, cập nhật qu"].task.deadline == "30/06/2026"
    assert by_text["Tổ chức đối thoại vớ"].due == ["2026-12-31"]
    assert result.meta.number == "05/KH-UBND" and result.meta.issuer == "UBND xã Hương Sơn"


def test_decision_articles_are_not_tasks() -> None:
    result = import_plan(CORPUS / "l4-quyet-dinh-kem-ke-hoach.txt")
    assert not any("Quyết định này" in t.task.text for t in result.tasks)
    assert result.meta.title == "Kế hoạch chuyển đổi số xã Đông Hưng năm 2026"


def test_unit_report_date_is_not_pasted_onto_continuous_tasks() -> None:
    result = import_plan(CORPUS / "l3-che-do-bao-cao.txt")
    task = next(t for t in result.tasks if t.task.text.startswith("Rà soát văn bản quy phạm"))
    assert task.task.deadline == "thường xuyên" and task.due == []
    untimed = next(t for t in result.tasks if t.task.text.startswith("Tổ chức tự đánh giá"))
    assert untimed.task.deadline is None  # the unit's quarterly report is not its deadline


def test_no_date_wording_is_continuous_with_a_warning() -> None:
    result = import_plan(CORPUS / "l9-cach-ghi-thoi-han.txt")
    task = next(t for t in result.tasks if t.task.text.startswith("Bồi dưỡng kỹ năng số"))
    assert task.task.deadline == "thường xuyên" and task.due == []
    assert any('"theo kế hoạch hằng năm"' in w.message and w.code == task.code for w in result.warnings)


def test_blank_number_is_unknown_not_an_error() -> None:
    result = import_plan(CORPUS / "l8-thong-tin-dau-van-ban.txt")
    assert result.meta.number is None
    assert any("để trống" in w.message for w in result.warnings)
    assert result.year == 2026  # the title's year, not 2030 or 2021-2025 from the legal bases


def test_unplaced_section_is_reported_with_its_line(tmp_path: Path) -> None:
    body = """- Rà soát thủ tục hành chính. Chủ trì: Công chức Văn phòng - Thống kê. Thời gian: Quý II/2026.
II. NHỮNG VIỆC KHÁC CỦA XÃ
- Sửa chữa trụ sở. Chủ trì: Công chức Tài chính - Kế toán. Thời gian: Quý III/2026.
"""
    result = import_plan(_txt(tmp_path, body))
    warned = [w for w in result.warnings if "NHỮNG VIỆC KHÁC" in w.message]
    assert warned and warned[0].line == 10


def test_too_many_tasks_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    body = "".join(f"- Nhiệm vụ số {i} của xã. Chủ trì: Công chức Văn phòng - Thống kê.\n" for i in range(limits.MAX_TASKS + 5))
    with pytest.raises(PlanTooLargeError) as info:
        import_plan(_txt(tmp_path, body))
    assert str(info.value).startswith("kế hoạch quá lớn: 2.005 nhiệm vụ (tối đa 2.000 nhiệm vụ)")


def test_too_many_paragraphs_stops_while_reading(tmp_path: Path, monkeypatch) -> None:
    import docx

    doc = docx.Document()
    for i in range(60):
        doc.add_paragraph(f"Đoạn {i}")
    doc.save(tmp_path / "many.docx")
    monkeypatch.setattr(readers, "MAX_LINES", 50)
    with pytest.raises(PlanTooLargeError, match="kế hoạch quá lớn: hơn 50 đoạn văn"):
        readers.read_document(tmp_path / "many.docx")


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path, monkeypatch) -> None:
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<a>" + " " * 2_000_000 + "</a>")
    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 1024 * 1024)
    with pytest.raises(PlanTooLargeError, match="MB dữ liệu giải nén"):
        readers.read_document(path)


def test_pdf_page_bound(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("pdfplumber")
    from tests.ingest.test_documents import _pdf  # noqa: PLC0415 - the PDF builder of that module

    path = _pdf(tmp_path / "p.pdf", ["KẾ HOẠCH", "Cải cách hành chính năm 2026"])
    monkeypatch.setattr(readers, "MAX_PAGES", 0)
    with pytest.raises(PlanTooLargeError, match="trang"):
        readers.read_document(path)


def test_issuers_of_other_levels() -> None:
    from ingest.metadata import header_issuer
    from ingest.normalise import Para

    def head(*lines: str) -> list[Para]:
        return [Para(line, i, i, lines=[line]) for i, line in enumerate(lines, start=1)]

    assert header_issuer(head("THỦ TƯỚNG CHÍNH PHỦ", "Số: 12/QĐ-TTg")) == "Thủ tướng Chính phủ"
    assert header_issuer(head("UBND TỈNH BẮC NINH", "SỞ TƯ PHÁP", "Số: /KH-STP")) == "Sở Tư pháp tỉnh Bắc Ninh"
    assert header_issuer(head("ỦY BAN NHÂN DÂN", "XÃ PHÚ LỘC", "Số: 18/KH-UBND")) == "UBND xã Phú Lộc"
    assert header_issuer(head("UBND PHƯỜNG HÒA KHÁNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) == "UBND phường Hòa Khánh"
