"""Chỉ tiêu in the review file: the owner and area the importer guessed, edited and checked like tasks' units."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.indicators import owner_by_area
from ingest import review_edit
from ingest.importer import import_plan
from ingest.review import check_review, write_review


@pytest.fixture(scope="module")
def cam_xuyen(seeds, org_config, orgs):
    return import_plan(seeds / "cam-xuyen-2021.txt", org=org_config("cam-xuyen"), org_path=orgs / "cam-xuyen.yaml")


@pytest.fixture()
def review_file(tmp_path: Path, cam_xuyen) -> Path:
    return write_review(cam_xuyen, tmp_path / "review" / "cam-xuyen.yaml")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_owner_by_area_is_the_unit_leading_most_tasks_first_seen_on_a_tie() -> None:
    leads = [("tthc", "Văn phòng"), ("tthc", "Tư pháp"), ("tthc", "Tư pháp"), ("so_hoa", "Văn hóa"),
             ("so_hoa", "Văn phòng"), ("the_che", ""), ("", "Tư pháp")]
    assert owner_by_area(leads) == {"tthc": "Tư pháp", "so_hoa": "Văn hóa"}


def test_cam_xuyen_owners_guessed_at_import_are_written_for_the_reviewer(cam_xuyen, review_file: Path) -> None:
    by_line = {i.line_start: i for i in cam_xuyen.indicators}
    # The plan's own task leads, counted here by hand (first lead of each task of the area).
    counts: dict[str, Counter] = {}
    for item in cam_xuyen.tasks:
        counts.setdefault(item.task.area, Counter())[item.task.lead[0]] += 1
    assert counts["tthc"].most_common(1)[0][0] == "Trung tâm Hành chính công huyện"
    online = by_line[144]  # "Tối thiểu 50% thủ tục hành chính ... trực tuyến"
    assert (online.area, online.owner) == ("tthc", "Trung tâm Hành chính công huyện")
    assert (by_line[118].area, by_line[118].owner) == ("the_che", "Phòng Tư pháp")
    assert (by_line[207].area, by_line[207].owner) == ("tai_chinh", "Phòng Tài chính - Kế hoạch")
    assert all(i.owner == counts[i.area].most_common(1)[0][0] for i in cam_xuyen.indicators)
    assert not [w for w in cam_xuyen.warnings if "Chưa rõ đơn vị chủ trì báo cáo chỉ tiêu" in w.message]

    text = review_file.read_text(encoding="utf-8")
    assert "không đôn đốc" not in text  # the old comment said chỉ tiêu were not chased
    assert "owner: đơn vị chủ trì báo cáo số liệu" in text and "area: lĩnh vực" in text
    review, problems = check_review(review_file)  # the seed's tasks lack deadlines: those are its only errors
    assert not [p for p in problems if "Chỉ tiêu" in p.message], problems
    written = {i.source.line_start: i for i in review.indicators}
    assert (written[144].area, written[144].owner) == ("tthc", "Trung tâm Hành chính công huyện")
    assert len(review.indicators) == len(cam_xuyen.indicators)


def test_owner_and_area_round_trip_through_a_browser_edit(review_file: Path) -> None:
    data = review_edit.load_data(review_file)
    index = next(n for n, i in enumerate(data["indicators"]) if i["source"]["line_start"] == 144)
    review_edit.update_indicator(data, index, {"owner": "TT HCC", "area": "so_hoa"})  # an alias, as written
    review_edit.update_indicator(data, 0, {"owner": None})
    review_edit.save_data(data, review_file)
    text = review_file.read_text(encoding="utf-8")
    assert "# owner: đơn vị chủ trì báo cáo số liệu" in text  # the importer's comments survive
    parsed, problems = check_review(review_file)
    assert parsed is not None and not [p for p in problems if "Chỉ tiêu" in p.message], problems
    assert (parsed.indicators[index].owner, parsed.indicators[index].area) == ("TT HCC", "so_hoa")
    assert parsed.indicators[0].owner is None and parsed.indicators[0].area == "chi_dao"
    # Untouched indicators are written back as they were.
    assert review_edit.dump_data(review_edit.load_data(review_file)) == text


def test_unknown_owner_and_area_are_errors_with_their_lines(review_file: Path) -> None:
    text = review_file.read_text(encoding="utf-8")
    text = text.replace('owner: "Phòng Tư pháp"', 'owner: "Phòng Không Tồn Tại"', 1)
    text = text.replace("area: tai_chinh", "area: ngan_sach", 1)
    review_file.write_text(text, encoding="utf-8")
    _, problems = check_review(review_file)
    errors = [p for p in problems if p.severity == "error" and "Chỉ tiêu" in p.message]
    assert len(errors) == 2, errors
    owner_line = _line_of(review_file, "Phòng Không Tồn Tại")
    assert any(p.line == owner_line and p.message == "Chỉ tiêu CT-04: đơn vị 'Phòng Không Tồn Tại' không có trong tệp tổ chức."
               for p in errors), errors
    area_line = _line_of(review_file, "area: ngan_sach")
    assert any(p.line == area_line and "lĩnh vực 'ngan_sach' không hợp lệ" in p.message for p in errors), errors

    # `dondoc plan check` prints them with the file's line and refuses the file.
    from cli.main import app

    result = CliRunner().invoke(app, ["plan", "check", str(review_file)])
    assert result.exit_code == 1
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert f"dòng {owner_line}: Chỉ tiêu CT-04: đơn vị 'Phòng Không Tồn Tại'" in output


def test_an_indicator_without_a_guess_is_a_warning(tmp_path: Path) -> None:
    plan = tmp_path / "ke-hoach.txt"
    plan.write_text("""ỦY BAN NHÂN DÂN
XÃ VĨNH LẬP
Số: 21/KH-UBND
Vĩnh Lập, ngày 05 tháng 01 năm 2026
KẾ HOẠCH
Cải cách hành chính năm 2026 của UBND xã Vĩnh Lập
I. MỤC ĐÍCH, YÊU CẦU
Nâng cao hiệu quả công tác cải cách hành chính.
II. CHỈ TIÊU
- Phấn đấu thu ngân sách đạt trên 5 tỷ đồng.
III. NHIỆM VỤ TRỌNG TÂM
1. Công tác chỉ đạo, điều hành
- Xây dựng kế hoạch kiểm tra cải cách hành chính. Cơ quan chủ trì: Công chức Văn phòng - Thống kê. Thời gian thực hiện: trước 28/02/2026.
""", encoding="utf-8")
    result = import_plan(plan)
    assert [(i.area, i.owner) for i in result.indicators] == [("tai_chinh", None)]
    warning = next(w for w in result.warnings if "Chưa rõ đơn vị chủ trì báo cáo chỉ tiêu" in w.message)
    assert warning.code == "CT-01" and warning.line == result.indicators[0].line_start
    review = write_review(result, tmp_path / "review.yaml")
    assert "owner: null" in review.read_text(encoding="utf-8")


def test_settling_the_last_warnings_keeps_the_indicators_comment(review_file: Path) -> None:
    heading = "# Chỉ tiêu: được theo dõi; mỗi kỳ báo cáo, đơn vị chủ trì được nhắc báo cáo số liệu thực tế"
    data = review_edit.load_data(review_file)
    count = len(data["warnings"])
    review_edit.remove_item(data, "warnings", count - 1)  # the last: ruamel keeps the next comment with it
    review_edit.save_data(data, review_file)
    assert heading in review_file.read_text(encoding="utf-8")
    data = review_edit.load_data(review_file)
    while data["warnings"]:
        review_edit.remove_item(data, "warnings", len(data["warnings"]) - 1)
    review_edit.save_data(data, review_file)
    text = review_file.read_text(encoding="utf-8")
    assert heading in text and "warnings: []" in text
    parsed, _ = check_review(review_file)
    assert parsed is not None and parsed.warnings == [] and len(parsed.indicators) >= 12


def test_a_reimport_lists_the_indicators_added_removed_and_reassigned() -> None:
    from ingest.review_edit import indicator_diff

    before = {"indicators": [{"text": "Tối thiểu 50% hồ sơ trực tuyến", "owner": "vp-tk", "area": "so_hoa"},
                             {"text": "100% TTHC được công khai", "owner": "tp-ht", "area": "tthc"}]}
    after = {"indicators": [{"text": "Tối thiểu  50% hồ sơ trực tuyến", "owner": "tc-kt", "area": "so_hoa"},
                            {"text": "Thu ngân sách đạt trên 5 tỷ đồng", "owner": "tc-kt", "area": "tai_chinh"}]}
    changes = [(c.code, c.kind, c.fields) for c in indicator_diff(before, after)]
    assert changes == [
        ("Chỉ tiêu CT-01", "changed", {"owner": ("vp-tk", "tc-kt")}),  # same text (spaces aside): a new owner
        ("Chỉ tiêu CT-02", "added", {}),
        ("Chỉ tiêu CT-02", "removed", {}),
    ]
    assert indicator_diff(after, after) == []
