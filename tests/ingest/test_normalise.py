"""Normalisation and section markers on small hand-written texts."""

from __future__ import annotations

from pathlib import Path

from ingest.normalise import marker_of, paragraphs
from ingest.readers import read_document
from ingest.sections import build_tree, classify


def _paras(tmp_path: Path, text: str):
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    return paragraphs(read_document(path))


def test_wrapped_lines_join_and_noise_is_dropped(tmp_path: Path) -> None:
    text = (
        "II. NHIỆM VỤ\n"
        "1. Cải cách thể chế\n"
        "- Rà soát các văn bản quy phạm pháp luật do Hội đồng nhân dân và Ủy ban nhân\n"
        "\n"
        "dân xã ban hành để kịp thời đề xuất sửa đổi, bổ sung theo đúng quy định hiện \n"
        "https://thuvienphapluat.vn/van-ban/abc.aspx\n"
        "12\n"
        "hành.\n"
        "- Theo dõi thi hành pháp luật.\n"
    )
    paras = _paras(tmp_path, text)
    texts = [p.text for p in paras]
    assert texts[2].startswith("- Rà soát") and texts[2].endswith("theo đúng quy định hiện hành.")
    assert "http" not in texts[2] and " 12 " not in texts[2]
    assert (paras[2].line_start, paras[2].line_end) == (3, 8)
    assert texts[3] == "- Theo dõi thi hành pháp luật."


def test_markers() -> None:
    assert marker_of("II. NHIỆM VỤ").kind == "roman"
    assert marker_of("2.1. Hoàn thiện").label == "2.1"
    assert marker_of("đ) Rà soát").kind == "letter"
    assert marker_of("-Theo dõi").kind == "dash"
    assert marker_of("+ Ý kiến").kind == "plus"
    assert marker_of("1. 100% các cơ quan").kind == "decimal"
    assert marker_of("2021. UBND xã") is None  # a wrapped year, not an item
    assert marker_of("1.600 tỷ đồng") is None


def test_sections_roles(tmp_path: Path) -> None:
    text = (
        "I. MỤC ĐÍCH, YÊU CẦU\n- Nâng cao chất lượng.\n"
        "II. CHỈ TIÊU\n1. 100% hồ sơ đúng hạn.\n"
        "III. NHIỆM VỤ\n1. Cải cách công vụ\n- Đào tạo cán bộ.\n"
        "IV. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ: theo dõi.\n"
        "Trên đây là Kế hoạch./.\n"
    )
    root, closing = build_tree(_paras(tmp_path, text))
    classify(root)
    assert [n.role for n in root.children] == ["skip", "targets", "tasks", "organisation"]
    assert closing and closing[0].text.startswith("Trên đây")
