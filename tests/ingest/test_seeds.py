"""The three real plans: facts a careful reader finds in them.

Counts per area were made by reading each plan: one task per bullet, lettered item or
stand-alone paragraph under a reform-area heading; percentage targets are indicators.
"""

from __future__ import annotations

from collections import Counter

import pytest

from ingest.importer import import_plan


def _areas(result) -> Counter:
    return Counter(t.task.area for t in result.tasks if t.task.kind == "task")


def _reports(result):
    return [t for t in result.tasks if t.task.kind == "report"]


def _task(result, start: str):
    matches = [t for t in result.tasks if t.task.text.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


@pytest.fixture(scope="module")
def vinh_lap(seeds, org_config):
    return import_plan(seeds / "vinh-lap-2021.txt", org=org_config("vinh-lap"))


@pytest.fixture(scope="module")
def ngoc_lien(seeds, org_config):
    return import_plan(seeds / "ngoc-lien-2025.txt", org=org_config("ngoc-lien"))


@pytest.fixture(scope="module")
def cam_xuyen(seeds, org_config):
    return import_plan(seeds / "cam-xuyen-2021.txt", org=org_config("cam-xuyen"))


def test_vinh_lap_metadata(vinh_lap) -> None:
    meta = vinh_lap.meta
    assert meta.issuer == "UBND xã Vĩnh Lập"
    assert vinh_lap.year == vinh_lap.source_year == 2021
    assert meta.signer == "Nguyễn Văn Khoa"
    assert meta.signer_role == "CHỦ TỊCH"
    assert meta.title == "Kế hoạch cải cách hành chính nhà nước xã Vĩnh Lập năm 2021"


def test_vinh_lap_tasks_per_area(vinh_lap) -> None:
    assert _areas(vinh_lap) == {
        "chi_dao": 6, "the_che": 4, "tthc": 5, "to_chuc": 4,
        "cong_vu": 6, "tai_chinh": 6, "so_hoa": 5, "tuyen_truyen": 3,
    }
    # Purpose and requirements are not tasks; the group line "Nội dung tuyên truyền:" is not either.
    texts = [t.task.text for t in vinh_lap.tasks]
    assert not any(t.startswith(("Tiếp tục thực hiện có hiệu quả các mục tiêu", "Nội dung tuyên truyền")) for t in texts)
    # A paragraph whose bullet was lost in extraction is still its own task.
    assert _task(vinh_lap, "Thực hiện nghiêm các quy định về chế độ báo cáo định kỳ").task.area == "chi_dao"
    # The page break inside a sentence is joined back.
    assert "công khai ngân sách đảm bảo tính ổn định" in _task(vinh_lap, "Đẩy mạnh công tác CCHC trong quản lý").task.text


def test_vinh_lap_owners_from_the_officers_section(vinh_lap) -> None:
    lead = {t.task.area: t.task.lead for t in vinh_lap.tasks if t.task.kind == "task"}
    assert lead["the_che"] == ["Công chức Tư pháp - Hộ tịch"]
    assert lead["tthc"] == ["Công chức Văn phòng - Thống kê"]
    assert lead["tai_chinh"] == ["Công chức Tài chính - Kế toán"]
    assert lead["tuyen_truyen"] == ["Công chức Văn hóa - Thông tin"]
    assert lead["so_hoa"] == ["Công chức Văn hóa - Thông tin"]
    assert lead["to_chuc"] == lead["cong_vu"] == ["Cán bộ Văn phòng Đảng ủy - Nội vụ"]
    tuyen_truyen = next(t for t in vinh_lap.tasks if t.task.area == "tuyen_truyen")
    assert tuyen_truyen.task.coordinators == ["Các ban, ngành, đoàn thể xã"]
    # Each officer's "Định kỳ báo cáo ..." duty is a reporting task of its own.
    reports = _reports(vinh_lap)
    assert {r.task.lead[0] for r in reports} == {
        "Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch", "Công chức Tài chính - Kế toán",
        "Công chức Văn hóa - Thông tin", "Cán bộ Văn phòng Đảng ủy - Nội vụ",
    }
    # The plan gives no dates: nothing is invented, the reviewer is told.
    assert all(t.task.deadline in (None, "thường xuyên") for t in vinh_lap.tasks)
    assert any("Chưa có thời hạn" in w.message for w in vinh_lap.warnings)


def test_ngoc_lien_metadata(ngoc_lien) -> None:
    meta = ngoc_lien.meta
    assert meta.issuer == "UBND xã Ngọc Liên"
    assert ngoc_lien.year == 2025
    # Approved by the chairman's decision; the document carries no signature name.
    assert meta.signer is None and meta.signer_role == "CHỦ TỊCH"
    assert any("người ký" in w.message for w in ngoc_lien.warnings)
    assert ngoc_lien.standing_coordinator == "Công chức Văn phòng - Thống kê"


def test_ngoc_lien_tasks_per_area(ngoc_lien) -> None:
    areas = _areas(ngoc_lien)
    assert areas["the_che"] == 4
    assert areas["tthc"] == 12  # a), b) and its second paragraph, d), two bullets, đ), e), g), h), i), 2.2
    assert areas["to_chuc"] == 6
    assert areas["tai_chinh"] == 5
    assert areas["so_hoa"] == 6
    assert areas["chi_dao"] + areas["tuyen_truyen"] == 6  # "7. chỉ đạo, điều hành, tuyên truyền"
    assert areas["tuyen_truyen"] == 1
    # Section 4 has 7 bullets; the one task among the targets of section 1 is guessed (and flagged).
    assert areas["cong_vu"] == 8
    guessed = [t for t in ngoc_lien.tasks if t.task.area_guessed]
    assert len(guessed) == 1 and guessed[0].task.text.startswith("Tiếp tục triển khai hiệu quả tinh giản biên chế")
    # Percentage targets are indicators, not tasks.
    assert len(ngoc_lien.indicators) == 7
    assert not any(t.task.text.startswith(("100%", "90%", "Mức độ hài lòng")) for t in ngoc_lien.tasks)


def test_ngoc_lien_owners_and_officer_deadlines(ngoc_lien) -> None:
    lead = {t.task.area: t.task.lead for t in ngoc_lien.tasks if t.task.kind == "task" and not t.task.area_guessed}
    assert lead["the_che"] == ["Công chức Tư pháp - Hộ tịch"]
    assert lead["tthc"] == lead["to_chuc"] == lead["cong_vu"] == ["Công chức Văn phòng - Thống kê"]
    assert lead["tai_chinh"] == ["Công chức Tài chính - Kế toán"]
    assert lead["so_hoa"] == ["Công chức Văn hóa - Xã hội"]
    # Every officer's summary report is due "trước 15/10/2025".
    summaries = [r for r in _reports(ngoc_lien) if r.task.title == "Tổng hợp kết quả thực hiện và báo cáo Chủ tịch UBND xã"]
    assert {r.task.lead[0] for r in summaries} == {
        "Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch",
        "Công chức Tài chính - Kế toán", "Công chức Văn hóa - Xã hội",
    }
    for report in summaries:
        assert report.task.deadline == "trước 15/10/2025"
        assert report.due == ["2025-10-15"]
    # Tasks follow their officer's reporting deadline (the plan gives no other).
    assert _task(ngoc_lien, "Xây dựng Kế hoạch đầu tư công của xã năm 2026").task.deadline == "trước 15/10/2025"


def test_cam_xuyen_metadata(cam_xuyen) -> None:
    meta = cam_xuyen.meta
    assert meta.issuer == "UBND huyện Cẩm Xuyên"
    assert cam_xuyen.year == 2021
    assert meta.signer == "Phạm Hoàng Anh"
    assert meta.signer_role == "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert cam_xuyen.standing_coordinator == "Phòng Nội vụ"


def test_cam_xuyen_targets_are_not_tasks(cam_xuyen) -> None:
    assert _areas(cam_xuyen) == {
        "chi_dao": 6, "the_che": 4, "tthc": 7, "to_chuc": 5, "cong_vu": 5, "tai_chinh": 5, "so_hoa": 12,
    }
    assert len(cam_xuyen.indicators) >= 12
    indicator_lines = {i.line_start for i in cam_xuyen.indicators}
    assert all(not (98 <= t.task.line_start < 211) for t in cam_xuyen.tasks)  # section II
    assert {100, 112, 144, 207} <= indicator_lines
    # The URLs and the page number between two bullets of 7.1 are gone.
    assert not any("http" in t.task.text for t in cam_xuyen.tasks)


def test_cam_xuyen_reporting_every_quarter_half_and_year(cam_xuyen) -> None:
    reports = _reports(cam_xuyen)
    heads = next(r for r in reports if "UBND các xã, thị trấn" in r.task.lead)
    assert heads.task.deadline == "định kỳ hàng qúy, 6 tháng, năm"
    assert heads.due == ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]
    listed = next(r for r in reports if len(r.task.lead) >= 5)
    assert {"Phòng Tư pháp", "Phòng Tài chính - Kế hoạch", "Phòng Kinh tế - Hạ tầng"} <= set(listed.task.lead)
    assert listed.task.deadline == "định kỳ hàng quý, 6 tháng và năm"
    lead = {t.task.area: t.task.lead for t in cam_xuyen.tasks if t.task.kind == "task"}
    assert lead["tthc"] == ["Trung tâm Hành chính công huyện"]
    assert lead["the_che"] == ["Phòng Tư pháp"]  # by function: the plan lists the leading offices
    assert lead["chi_dao"] == ["Phòng Nội vụ"]


def test_rebase_onto_a_later_year(seeds, org_config) -> None:
    result = import_plan(seeds / "ngoc-lien-2025.txt", year=2026, org=org_config("ngoc-lien"))
    assert (result.year, result.source_year) == (2026, 2025)
    report = next(r for r in _reports(result) if r.task.deadline == "trước 15/10/2025")
    assert report.due == ["2026-10-15"]


def test_without_organisation_file_units_stay_as_written(seeds) -> None:
    result = import_plan(seeds / "vinh-lap-2021.txt")
    leads = {u for t in result.tasks for u in t.task.lead}
    assert "Công chức Tư pháp - Hộ tịch" in leads
    assert "Công chức VHTT và đài truyền thanh" in leads
