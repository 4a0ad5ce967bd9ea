"""Owner values are unit names: cut where the sentence runs on; vague collectives are not units."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.deadline_text import find_deadline
from ingest.importer import import_plan
from ingest.units import cut_clause, is_collective, split_units


@pytest.mark.parametrize(("text", "name"), [
    ("Trung tâm Truyền thông huyện tiếp tục đổi mới, đa dạng hóa nội dung", "Trung tâm Truyền thông huyện"),
    ("các đơn vị có liên quan kiểm soát chặt chẽ hồ sơ", "các đơn vị có liên quan"),
    ("Công an xã, tổ chức kiểm tra định kỳ", "Công an xã"),
    ("Phòng Tư pháp thực hiện rà soát văn bản", "Phòng Tư pháp"),
    # Names whose words describe what the body is for stay whole.
    ("Bộ phận tiếp nhận và trả kết quả", "Bộ phận tiếp nhận và trả kết quả"),
    ("Tổ công tác triển khai Đề án 06 của xã", "Tổ công tác triển khai Đề án 06 của xã"),
    ("Ban Quản lý dự án đầu tư xây dựng huyện", "Ban Quản lý dự án đầu tư xây dựng huyện"),
    ("Mặt trận Tổ quốc và các tổ chức chính trị - xã hội", "Mặt trận Tổ quốc và các tổ chức chính trị - xã hội"),
    ("Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Kinh tế, Hạ tầng và Đô thị"),
])
def test_a_name_stops_where_the_predicate_starts(text: str, name: str) -> None:
    assert cut_clause(text) == name


def test_split_units_does_not_keep_the_clause() -> None:
    assert split_units("Phòng Nội vụ, Thanh tra huyện tăng cường kiểm tra công vụ") == ["Phòng Nội vụ", "Thanh tra huyện"]


@pytest.mark.parametrize(("name", "vague"), [
    ("Các cơ quan liên quan", True),
    ("các cơ quan, đơn vị có liên quan", True),
    ("các đơn vị liên quan", True),
    ("Các ngành", True),
    ("các cơ quan, đơn vị, địa phương", True),
    ("các phòng, ban khác của huyện", True),
    ("các sở, ban, ngành liên quan", True),
    # Defined sets of bodies are owners a plan can name.
    ("các sở, ban, ngành", False),
    ("Các phòng chuyên môn", False),
    ("Các ban, ngành, đoàn thể xã", False),
    ("UBND các xã, thị trấn", False),
    ("Phòng Nội vụ", False),
])
def test_vague_collectives(name: str, vague: bool) -> None:
    assert is_collective(name) is vague


def test_a_cited_document_date_is_no_deadline() -> None:
    text = "Thực hiện theo Nghị định số 62/2020/NĐ-CP ngày 01/6/2020 và Kế hoạch 12/KH-UBND, ngày 3/1/2025"
    assert find_deadline(text, 2026) is None
    assert find_deadline("Triển khai Quyết định số 5/QĐ-UBND ngày 2/1/2026, hoàn thành trước 30/6/2026", 2026) \
        == "hoàn thành trước 30/6/2026"


_PLAN = """ỦY BAN NHÂN DÂN
XÃ AN BÌNH
Số: 9/KH-UBND
An Bình, ngày 10 tháng 01 năm 2026
KẾ HOẠCH
Cải cách hành chính năm 2026
I. NHIỆM VỤ
1. Cải cách thể chế
a) Rà soát văn bản của UBND xã ban hành còn hiệu lực.
- Cơ quan chủ trì: Các đơn vị có liên quan.
- Cơ quan phối hợp: Công an xã, các ngành.
- Thời gian hoàn thành: trước 30/9/2026.
{organisation}
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Trần Văn Nam
"""


def _import(tmp_path: Path, organisation: str):
    path = tmp_path / "plan.txt"
    path.write_text(_PLAN.format(organisation=organisation), encoding="utf-8")
    return import_plan(path)


def test_a_collective_only_lead_is_left_for_the_reviewer(tmp_path: Path) -> None:
    result = _import(tmp_path, "")
    task = result.tasks[0]
    assert task.task.lead == [] and task.task.coordinators == ["Công an xã"]
    messages = [w.message for w in result.warnings if w.code == task.code]
    assert any("ghi chung" in m and "để trống" in m and "Các đơn vị" in m for m in messages)
    assert any(m.startswith('Bỏ "Các ngành" khỏi đơn vị phối hợp') for m in messages)


def test_a_collective_only_lead_gives_way_to_the_area_unit(tmp_path: Path) -> None:
    result = _import(tmp_path, "II. TỔ CHỨC THỰC HIỆN\n"
                               "1. Công chức Tư pháp - Hộ tịch: tham mưu cải cách thể chế, rà soát văn bản "
                               "quy phạm pháp luật của xã.")
    task = result.tasks[0]
    assert task.task.lead == ["Công chức Tư pháp - Hộ tịch"]
    messages = [w.message for w in result.warnings if w.code == task.code]
    assert any("ghi chung" in m and "tạm giao Công chức Tư pháp - Hộ tịch" in m for m in messages)
