"""Every unit name the seed plans write resolves in the matching sample organisation.

The strings are copied from /work/shared/seeds (lines joined where the PDF broke them),
with the unit each one means. The importer relies on exactly this.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.organisation import load_organisation

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "org"

SEED_UNITS = {
    "vinh-lap": [
        # III. TỔ CHỨC THỰC HIỆN
        ("Công chức Văn phòng – thống kê", "vp-tk"),
        ("Công chức Tư pháp - Hộ tịch", "tp-ht"),
        ("Công chức Tài chính kế toán xã", "tc-kt"),
        ("Công chức VHTT và đài truyền thanh", "vh-tt"),
        ("Cán bộ Văn phòng đảng ủy - nội vụ", "vpdu-nv"),
        ("Các ban, ngành, đoàn thể xã", "ban-nganh"),
        ("Các ngành, đoàn thể", "ban-nganh"),  # Nơi nhận
        # Tasks and the closing paragraph
        ("Bộ phận một cửa", "mot-cua"),
        ("Bộ phận một cửa xã", "mot-cua"),
        ("UBND xã", "lanh-dao"),
        ("UBND xã Vĩnh Lập", "lanh-dao"),
    ],
    "ngoc-lien": [
        ("công chức văn phòng - Thống kê xã", "vp-tk"),  # Theo đề nghị của ...
        ("Công chức Tư pháp-Hộ tịch", "tp-ht"),  # III. Phụ lục số 01
        ("Công chức Văn phòng-Thống kê", "vp-tk"),  # Phụ lục số 02
        ("Công chức Văn phòng-Thống kê", "vp-tk"),  # Phụ lục số 03 ("Văn phòng-Thống \nkê")
        ("Công chức Tài chính - Kế hoạch", "tc-kt"),  # Phụ lục số 05
        ("Công chức Văn hóa –Xã hội", "vh-xh"),  # Phụ lục số 06 ("Văn hóa –\nXã hội")
        ("Công chức Văn phòng – Thống kê", "vp-tk"),  # Phụ lục số 07
        ("UBND xã", "lanh-dao"),  # V.1
        ("Chủ tịch UBND xã", "lanh-dao"),
        ("Công chức Văn phòng - Thống kê xã", "vp-tk"),  # V.2
        ("Công chức Tư pháp-Hộ tịch", "tp-ht"),  # V.3
        ("Công chức Tài chính - ngân sách", "tc-kt"),  # V.4
        ("Công chức Văn hóa – Xã hội phụ trách thông tin, TDTT", "vh-xh"),  # V.5
        ("công chức Văn phòng-Thống kê", "vp-tk"),  # closing sentence
        ("Mặt trận Tổ quốc Việt Nam xã", "mttq"),  # 7. giám sát
        ("bộ phận một cửa", "mot-cua"),
    ],
    "cam-xuyen": [
        ("Phòng Nội vụ - Cơ quan thường trực công tác CCHC của huyện", "noi-vu"),  # VI.1.b, VI.2.a
        ("Phòng Nội vụ", "noi-vu"),
        ("Văn phòng HĐND-UBND", "vp-hdnd-ubnd"),  # VI.2.b: "Văn phòng HĐND-UBND và các Phòng: ..."
        ("Nội vụ", "noi-vu"),
        ("Tài chính – Kế hoạch", "tc-kh"),
        ("Kinh tế - Hạ tầng", "kt-ht"),
        ("Tư pháp", "tu-phap"),
        ("Văn hóa -Thông tin", "vh-tt"),
        ("Trung tâm Hành chính công huyện", "tt-hcc"),  # VI.3
        ("Phòng Văn hóa-Thông tin huyện", "vh-tt"),  # VI.4
        ("Trung tâm Văn hóa – Truyền thông huyện", "tt-vhtt"),
        ("Ủy ban Mặt trận Tổ quốc và các đoàn thể huyện", "mttq"),  # VI.5
        ("Thủ trưởng các cơ quan, đơn vị", "cac-co-quan"),  # VI.1
        ("Chủ tịch Ủy ban nhân dân các xã, thị trấn", "ubnd-xa"),
        ("UBND các xã, thị trấn", "ubnd-xa"),  # Nơi nhận
        ("Các phòng, đơn vị trực thuộc UBND huyện", "cac-co-quan"),  # Nơi nhận
        ("Chủ tịch, các PCT UBND huyện", "lanh-dao"),  # Nơi nhận
        ("UBND huyện", "lanh-dao"),
        ("Ủy ban nhân dân huyện", "lanh-dao"),
    ],
}

CASES = [(org, text, code) for org, pairs in SEED_UNITS.items() for text, code in pairs]


@pytest.fixture(scope="module")
def configs():
    return {org: load_organisation(SAMPLES / f"{org}.yaml") for org in SEED_UNITS}


@pytest.mark.parametrize(("org", "text", "code"), CASES, ids=[f"{o}:{t}" for o, t, _ in CASES])
def test_seed_unit_names_resolve(configs, org, text, code):
    unit = configs[org].resolve_unit(text)
    assert unit is not None, f"{org}: '{text}' không khớp đơn vị nào"
    assert unit.code == code


def test_every_sample_unit_is_named_by_its_seed():
    # The samples hold the seeds' units, not invented ones: each unit appears above.
    for org, pairs in SEED_UNITS.items():
        config = load_organisation(SAMPLES / f"{org}.yaml")
        assert {u.code for u in config.units} == {code for _, code in pairs}, org


def test_other_levels_do_not_leak():
    # In a commune, the district's bodies are not the commune's own units, and vice versa.
    vinh_lap = load_organisation(SAMPLES / "vinh-lap.yaml")
    cam_xuyen = load_organisation(SAMPLES / "cam-xuyen.yaml")
    assert vinh_lap.resolve_unit("UBND huyện") is None
    assert vinh_lap.resolve_unit("Phòng Nội vụ") is None
    assert cam_xuyen.resolve_unit("UBND xã") is None
    assert cam_xuyen.resolve_unit("Công chức Tư pháp - Hộ tịch") is None
