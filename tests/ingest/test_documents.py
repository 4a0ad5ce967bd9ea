"""Word and PDF documents built in the test, and inputs that must fail cleanly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingest.errors import IngestError, NotAPlanError, ReadError
from ingest.importer import import_plan

HEADER = ["STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Sản phẩm"]


def _docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_paragraph("ỦY BAN NHÂN DÂN HUYỆN CẨM XUYÊN")
    doc.add_paragraph("Số: 45/KH-UBND")
    doc.add_paragraph("Cẩm Xuyên, ngày 28 tháng 12 năm 2025")
    doc.add_paragraph("KẾ HOẠCH")
    doc.add_paragraph("Cải cách hành chính năm 2026")
    doc.add_paragraph("I. MỤC ĐÍCH, YÊU CẦU")
    doc.add_paragraph("Nâng cao hiệu quả cải cách hành chính.")
    doc.add_paragraph("II. NHIỆM VỤ TRỌNG TÂM")
    doc.add_paragraph("Các nhiệm vụ cụ thể tại Phụ lục kèm theo.")
    doc.add_paragraph("PHỤ LỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2026")
    table = doc.add_table(rows=1, cols=6)
    for cell, text in zip(table.rows[0].cells, HEADER, strict=False):
        cell.text = text
    rows = [
        ["I", "CẢI CÁCH THỂ CHẾ", "", "", "", ""],
        ["1", "Ban hành kế hoạch rà soát văn bản quy phạm pháp luật năm 2026", "Phòng Tư pháp",
         "Văn phòng HĐND và UBND huyện", "trước 31/3/2026", "Kế hoạch"],
        ["II", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", "", "", "", ""],
        ["1", "Báo cáo tình hình giải quyết thủ tục hành chính", "Trung tâm Hành chính công huyện",
         "Phòng Nội vụ, UBND các xã, thị trấn", "hàng quý", "Báo cáo"],
        ["2", "Niêm yết công khai thủ tục hành chính", "Trung tâm Hành chính công huyện", "", "thường xuyên", ""],
    ]
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=False):
            cell.text = text
    merged = table.rows[1].cells
    merged[0].merge(merged[5])  # the area row spans the table, as in real appendices
    merged[0].text = "I. CẢI CÁCH THỂ CHẾ"
    doc.add_paragraph("Nơi nhận:")
    doc.add_paragraph("TM. ỦY BAN NHÂN DÂN")
    doc.add_paragraph("CHỦ TỊCH")
    doc.add_paragraph("Nguyễn Đức Thịnh")
    doc.save(path)
    return path


def test_docx_appendix_table_row_by_row(tmp_path: Path, org_config) -> None:
    result = import_plan(_docx(tmp_path / "plan.docx"), org=org_config("cam-xuyen"))
    meta = result.meta
    assert meta.number == "45/KH-UBND"
    assert meta.issuer == "UBND huyện Cẩm Xuyên"
    assert meta.place == "Cẩm Xuyên" and meta.issued_on.isoformat() == "2025-12-28"
    assert result.year == 2026  # the plan year, not the issue year
    assert (meta.signer, meta.signer_role) == ("Nguyễn Đức Thịnh", "CHỦ TỊCH")

    tasks = {t.task.title: t for t in result.tasks}
    assert len(tasks) == 3
    first = tasks["Ban hành kế hoạch rà soát văn bản quy phạm pháp luật năm 2026"].task
    assert first.area == "the_che"
    assert first.lead == ["Phòng Tư pháp"]
    assert first.coordinators == ["Văn phòng HĐND và UBND huyện"]
    assert first.deadline == "trước 31/3/2026" and first.product == "Kế hoạch"
    assert tasks["Ban hành kế hoạch rà soát văn bản quy phạm pháp luật năm 2026"].due == ["2026-03-31"]
    report = tasks["Báo cáo tình hình giải quyết thủ tục hành chính"]
    assert report.task.area == "tthc"
    assert report.task.lead == ["Trung tâm Hành chính công huyện"]
    assert report.task.coordinators == ["Phòng Nội vụ", "UBND các xã, thị trấn"]
    assert report.due == ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
    continuous = tasks["Niêm yết công khai thủ tục hành chính"]
    assert continuous.task.deadline == "thường xuyên" and continuous.due == []
    assert continuous.task.coordinators == []
    # Source lines point at the table rows (paragraphs and rows are numbered in order).
    assert first.line_start == first.line_end and first.line_start > 10


def _pdf(path: Path, lines: list[str]) -> Path:
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.exists():
        pytest.skip("no font with Vietnamese glyphs")
    pdfmetrics.registerFont(TTFont("DejaVu", str(font)))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = 800
    for line in lines:
        if line == "<page>":
            pdf.showPage()
            y = 800
            continue
        pdf.setFont("DejaVu", 11)
        pdf.drawString(50, y, line)
        y -= 16
    pdf.save()
    return path


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "plan.pdf", [
        "KẾ HOẠCH",
        "Cải cách hành chính xã Vĩnh Lập năm 2024",
        "I. NHIỆM VỤ",
        "1. Cải cách thể chế",
        "- Rà soát văn bản quy phạm pháp luật do Hội đồng nhân dân và Ủy ban nhân dân xã",
        "ban hành.",
        "Thời gian thực hiện: trước 30/6/2024",
        "<page>",
        "2. Cải cách tài chính công",
        "- Công khai ngân sách xã theo quy định.",
        "Cơ quan chủ trì: Công chức Tài chính - Kế toán",
        "Thời gian hoàn thành: hàng quý",
    ])
    result = import_plan(path)
    assert result.year == 2024 and result.meta.issuer == "UBND xã Vĩnh Lập"
    first, second = result.tasks
    assert first.task.area == "the_che"
    assert first.task.text.endswith("Ủy ban nhân dân xã ban hành.")
    assert first.task.deadline == "trước 30/6/2024" and first.due == ["2024-07-01"]  # 30/6/2024 is a Sunday
    assert second.task.area == "tai_chinh" and second.task.lead == ["Công chức Tài chính - Kế toán"]
    assert len(second.due) == 4


def test_scanned_pdf_without_text(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "scan.pdf", ["", "<page>", ""])
    with pytest.raises(ReadError, match="không có lớp chữ"):
        import_plan(path)


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("empty.txt", b"", ReadError, "rỗng"),
        ("blank.txt", b"  \n\n \n", ReadError, "không có nội dung"),
        ("plan.odt", b"abc", ReadError, "Không hỗ trợ"),
        ("broken.docx", b"PK\x03\x04 not really a zip", ReadError, "bị hỏng"),
        ("broken.pdf", b"%PDF-1.4\n garbage", ReadError, "PDF"),
        ("letter.txt", "Kính gửi anh Nam,\nHẹn gặp lại năm 2025.\n".encode(), NotAPlanError, "Không tìm thấy nhiệm vụ"),
        ("binary.txt", b"\x00\x01\x02\x00" * 10, ReadError, "không phải văn bản"),
    ],
)
def test_bad_inputs_fail_with_a_clear_message(tmp_path: Path, name, content, error, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=message):
        import_plan(path)


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    good = _docx(tmp_path / "good.docx")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]  # truncated XML
            dst.writestr(item, data)
    with pytest.raises(IngestError, match="bị hỏng"):
        import_plan(broken)
