"""Organisation files: loading, errors with line numbers, unit matching, calendar."""

from __future__ import annotations

import textwrap
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from persistence.models import Delivery, Role
from domain.organisation import OrganisationConfig, OrganisationError, OrganisationInfo, UnitConfig, load_organisation

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "org"

GOOD = """\
organisation: {code: xa-thu, name: "UBND xã Thử", level: xã}
calendar:
  extra_days_off: [2026-01-02, "05/01/2026"]
  makeup_working_days: [2026-01-10]
units:
  - {code: vp-tk, name: "Công chức Văn phòng - Thống kê", aliases: ["CC VP-TK", "Văn phòng - Thống kê"]}
  - {code: tp-ht, name: "Công chức Tư pháp - Hộ tịch"}
officers:
  - {username: chutich, name: "Nguyễn Văn Chủ", email: chu@thu.example, role: chairman}
  - {username: pct, name: "Lê Thị Phó", email: pho@thu.example, role: vice-chairman}
  - {username: dieuphoi, name: "Trần Điều Phối", email: dp@thu.example, role: coordinator, units: [vp-tk]}
  - {username: vana, name: "Nguyễn Văn A", email: a@thu.example, units: [vp-tk, tp-ht], delivery: daily}
  - {username: cu, name: "Người Cũ", email: cu@thu.example, units: [tp-ht], active: false}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(OrganisationError) as info:
        load_organisation(write(tmp_path, text))
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize("name", ["vinh-lap", "ngoc-lien", "cam-xuyen"])
def test_samples_load(name):
    config = load_organisation(SAMPLES / f"{name}.yaml")
    assert config.chairman.role == Role.CHAIRMAN
    assert 1 <= len(config.vice_chairmen) <= 2
    assert config.coordinators
    assert all(o.email.endswith(".example") for o in config.officers)
    # Every unit a sample declares has somebody to remind.
    assert all(config.officers_for_unit(u.code) for u in config.units)
    # Each unit resolves from its own name, code and every alias.
    for unit in config.units:
        for text in [unit.code, *unit.names]:
            assert config.resolve_unit(text) is unit, text


def test_sample_vinh_lap_details():
    config = load_organisation(SAMPLES / "vinh-lap.yaml")
    assert config.organisation.code == "xa-vinh-lap"
    assert config.organisation.parent == "huyen-thanh-ha"
    assert config.chairman.username == "tranvanhung"
    assert [o.username for o in config.officers_for_unit("vp-tk")] == ["phamthulan", "nguyenvanbinh"]
    assert config.officer("PhamThuLan").units == ["vp-tk"]
    assert config.officer("nobody") is None


# --------------------------------------------------------------------------- a good file


def test_good_file(tmp_path):
    config = load_organisation(write(tmp_path, GOOD))
    assert config.organisation.name == "UBND xã Thử"
    assert config.calendar.extra_days_off == [date(2026, 1, 2), date(2026, 1, 5)]
    assert [o.username for o in config.vice_chairmen] == ["pct"]
    assert [o.username for o in config.coordinators] == ["dieuphoi"]
    assert config.officer("vana").delivery == Delivery.DAILY
    # The inactive officer is kept in the file but nobody reminds them.
    assert [o.username for o in config.officers_for_unit("tp-ht")] == ["vana"]
    assert config.unit("tp-ht").name == "Công chức Tư pháp - Hộ tịch"


def test_work_calendar_uses_the_file(tmp_path):
    calendar = load_organisation(write(tmp_path, GOOD)).work_calendar()
    assert not calendar.is_working_day(date(2026, 1, 2))  # Friday, extra day off
    assert not calendar.is_working_day(date(2026, 1, 5))  # Monday, extra day off (dd/mm/yyyy)
    assert calendar.is_working_day(date(2026, 1, 10))  # Saturday, make-up day
    assert not calendar.is_working_day(date(2026, 1, 17))  # an ordinary Saturday
    assert calendar.next_working_day(date(2026, 1, 1)) == date(2026, 1, 6)


def test_model_validate_without_file_still_checks_consistency():
    with pytest.raises(ValueError, match="chưa có Chủ tịch"):
        OrganisationConfig.model_validate(
            {"organisation": {"code": "x", "name": "UBND xã X"}, "units": [{"code": "a", "name": "A"}], "officers": []}
        )


# --------------------------------------------------------------------------- errors with lines


def test_bad_email_names_line_and_field(tmp_path):
    text = GOOD.replace("email: a@thu.example", "email: a-at-thu.example")
    assert problems_of(tmp_path, text) == ["dòng 12: officers[4].email: địa chỉ thư 'a-at-thu.example' không hợp lệ"]


def test_block_style_line_is_the_field_line(tmp_path):
    text = """\
    organisation:
      code: xa-thu
      name: "UBND xã Thử"
    units:
      - code: vp-tk
        name: "Văn phòng"
    officers:
      - username: chutich
        name: "Chủ Tịch"
        email: chu@thu.example
        role: chairman
      - username: vana
        name: "A"
        email: "khong co"
        role: boss
        units: [vp-tk, ke-toan]
    """
    assert problems_of(tmp_path, text) == [
        "dòng 14: officers[2].email: địa chỉ thư 'khong co' không hợp lệ",
        "dòng 15: officers[2].role: vai trò 'boss' không hợp lệ; chọn một trong: "
        "officer, coordinator, vice_chairman, chairman, admin, province",
    ]


def test_unknown_unit_and_duplicates(tmp_path):
    text = """\
    organisation: {code: xa-thu, name: "UBND xã Thử"}
    units:
      - {code: vp-tk, name: "Công chức Văn phòng - Thống kê"}
      - {code: vp-tk, name: "Công chức Tư pháp - Hộ tịch"}
    officers:
      - {username: chutich, name: "Chủ Tịch", email: chu@thu.example, role: chairman}
      - {username: vana, name: "A", email: a@thu.example, units: [vp-tk, ke-toan]}
      - {username: vana, name: "A bis", email: a2@thu.example}
    """
    assert problems_of(tmp_path, text) == [
        "dòng 4: units[2].code: mã đơn vị 'vp-tk' bị trùng (đã dùng ở units[1])",
        "dòng 7: officers[2].units[2]: đơn vị 'ke-toan' không có trong danh sách units",
        "dòng 8: officers[3].username: tên đăng nhập 'vana' bị trùng (đã dùng ở officers[2])",
    ]


def test_no_chairman_and_two_chairmen(tmp_path):
    none = """\
    organisation: {code: xa-thu, name: "UBND xã Thử"}
    units: [{code: vp, name: "Văn phòng"}]
    officers:
      - {username: vana, name: "A", email: a@thu.example, role: officer}
      - {username: cu, name: "Cũ", email: cu@thu.example, role: chairman, active: false}
    """
    assert problems_of(tmp_path, none) == [
        "dòng 3: officers: chưa có Chủ tịch (cần đúng một người có role: chairman)"
    ]
    two = none.replace("role: officer", "role: chairman").replace("active: false", "active: true")
    assert problems_of(tmp_path, two) == [
        "dòng 5: officers[2].role: chỉ được có một Chủ tịch; 'vana' đã là chairman"
    ]


def test_missing_and_unknown_fields(tmp_path):
    text = """\
    organisation: {code: Xã Thử, name: "UBND xã Thử", level: làng}
    units: [{code: vp, name: "Văn phòng", alias: ["VP"]}]
    officers:
      - {username: chutich, name: "Chủ Tịch", role: chairman, delivery: weekly}
    """
    found = problems_of(tmp_path, text)
    assert found == [
        "dòng 1: organisation.code: mã 'Xã Thử' chỉ được gồm chữ thường không dấu, số và dấu '-' (ví dụ: xa-vinh-lap)",
        "dòng 1: organisation.level: cấp 'làng' không hợp lệ; chọn một trong: "
        "xã, phường, thị trấn, huyện, quận, thị xã, thành phố, tỉnh",
        "dòng 2: units[1].alias: trường không được hỗ trợ (gõ sai tên?)",
        "dòng 4: officers[1].email: thiếu trường bắt buộc",
        "dòng 4: officers[1].delivery: cách nhận thư 'weekly' không hợp lệ; chọn một trong: immediate, hourly, daily",
    ]


def test_alias_claimed_by_two_units(tmp_path):
    text = """\
    organisation: {code: xa-thu, name: "UBND xã Thử"}
    units:
      - {code: vp-tk, name: "Công chức Văn phòng - Thống kê", aliases: ["VP"]}
      - code: vp-du
        name: "Văn phòng Đảng ủy"
        aliases: ["Văn phòng", "CC Văn phòng – Thống kê"]
    officers:
      - {username: chutich, name: "Chủ Tịch", email: chu@thu.example, role: chairman}
    """
    assert problems_of(tmp_path, text) == [
        "dòng 6: units[2].aliases[2]: tên 'CC Văn phòng - Thống kê' trùng với đơn vị 'vp-tk' khi so khớp; "
        "hãy bỏ bớt một bên"
    ]


def test_calendar_errors(tmp_path):
    text = GOOD.replace('"05/01/2026"', '"31/02/2026"').replace("[2026-01-10]", "[2026-01-02, 2026-01-10]")
    assert problems_of(tmp_path, text) == [
        "dòng 3: calendar.extra_days_off[2]: ngày '31/02/2026' không tồn tại",
    ]
    text = GOOD.replace("[2026-01-10]", "[2026-01-10, 2026-01-02]")
    assert problems_of(tmp_path, text) == [
        "dòng 4: calendar.makeup_working_days[2]: ngày 02/01/2026 vừa là ngày nghỉ vừa là ngày làm bù"
    ]


def test_yaml_syntax_error_and_duplicate_key(tmp_path):
    broken = problems_of(tmp_path, 'organisation: {code: x, name: "UBND\nunits: [\n')
    assert len(broken) == 1 and broken[0].startswith("dòng ") and "lỗi cú pháp YAML (cột " in broken[0]
    dup = GOOD.replace('level: xã}', 'level: xã, code: xa-khac}')
    assert problems_of(tmp_path, dup) == [
        "dòng 1: organisation.code: khóa 'code' bị khai báo hai lần (lần đầu ở dòng 1): xoá hoặc gộp một lần"]


def test_empty_missing_and_non_mapping(tmp_path):
    assert problems_of(tmp_path, "") == ["tệp rỗng"]
    assert problems_of(tmp_path, "- a\n- b\n")[0].startswith("dòng 1: tệp phải là một bảng")
    with pytest.raises(OrganisationError, match="không tìm thấy tệp"):
        load_organisation(tmp_path / "khong-co.yaml")


def test_error_message_lists_every_problem(tmp_path):
    text = GOOD.replace("chu@thu.example", "chu").replace("dp@thu.example", "dp")
    with pytest.raises(OrganisationError) as info:
        load_organisation(write(tmp_path, text))
    message = str(info.value)
    assert "có 2 lỗi" in message
    assert "dòng 9: officers[1].email" in message and "dòng 11: officers[3].email" in message


# --------------------------------------------------------------------------- resolve_unit


@pytest.fixture(scope="module")
def vinh_lap() -> OrganisationConfig:
    return load_organisation(SAMPLES / "vinh-lap.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "Công chức Văn phòng - Thống kê",  # exact name
        "vp-tk",  # code
        "CC VP-TK",  # alias
        "cc vp-tk",
        "C.C VP - TK",
        "c.c. vp–tk",
        "Công chức Văn phòng – thống kê",  # en dash
        "Công chức Văn phòng — Thống kê",  # em dash
        "CÔNG CHỨC VĂN PHÒNG-THỐNG KÊ",
        "  Công chức   Văn phòng -   Thống kê  ",
        unicodedata.normalize("NFD", "Công chức Văn phòng - Thống kê"),
        "Cong chuc Van phong - Thong ke",
        "Văn phòng - Thống kê xã",
        "Công chức Văn phòng - Thống kê xã Vĩnh Lập",
        "Công chức Văn phòng - Thống kê xã:",
        "VP - TK;",
        "Văn phòng Thống kê",
    ],
)
def test_resolve_noisy_variants(vinh_lap, text):
    assert vinh_lap.resolve_unit(text).code == "vp-tk"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Văn phòng",  # a part of a name is not a match
        "Công chức",
        "UBND huyện",  # the district, not the commune's leadership
        "Phòng Tư pháp huyện",
        "Công chức Văn phòng - Thống kê huyện",
        "Công chức Địa chính - Xây dựng",  # not configured
        "VP-TK-TP",
    ],
)
def test_resolve_never_guesses(vinh_lap, text):
    assert vinh_lap.resolve_unit(text) is None


def test_resolve_prefers_exact_then_refuses_ambiguity(tmp_path):
    text = """\
    organisation: {code: xa-thu, name: "UBND xã Thử"}
    units:
      - {code: a, name: "Tổ một cửa"}
      - {code: b, name: "Tổ Một Cửa xã"}
    officers:
      - {username: chutich, name: "Chủ Tịch", email: chu@thu.example, role: chairman}
    """
    # Declaring two units with the same matching key is refused up front...
    assert problems_of(tmp_path, text)[0].startswith("dòng 4: units[2].name: tên 'Tổ Một Cửa xã' trùng với đơn vị 'a'")
    # ...and a configuration built in code with such units gets no guess at the loose stage.
    config = OrganisationConfig.model_construct(
        organisation=OrganisationInfo(code="xa-thu", name="UBND xã Thử"),
        units=[UnitConfig(code="a", name="Tổ một cửa"), UnitConfig(code="b", name="Tổ Một Cửa xã")],
        officers=[],
    )
    assert config.resolve_unit("Tổ một cửa").code == "a"  # exact
    assert config.resolve_unit("Tổ Một Cửa xã").code == "b"  # exact
    assert config.resolve_unit("tổ một cửa xã thử") is None  # loose: both, so neither
