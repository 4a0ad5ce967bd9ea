import unicodedata

from domain.text import fold, normalise


def test_normalise_dashes_spaces_and_nfd():
    nfd = unicodedata.normalize("NFD", "Công chức Văn phòng – Thống kê")
    assert normalise("  " + nfd + "\u00a0 ") == "Công chức Văn phòng - Thống kê"


def test_fold_removes_diacritics_and_case():
    assert fold("Quý IV – Đảng ủy") == "quy iv - dang uy"
