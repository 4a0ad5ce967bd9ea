import unicodedata

from domain.text import fold, normalise


def test_normalise_dashes_spaces_and_nfd():
    nfd = unicodedata.normalize("NFD", "Công chức Văn phòng – Thống kê")
    assert normalise("  " + nfd + "\u00a0 ") == "Công chức Văn phòng - Thống kê"


def test_fold_removes_diacritics_and_case():
    assert fold("Quý IV – Đảng ủy") == "quy iv - dang uy"


def test_vietnamese_sort_key_orders_letters_then_tones():
    from domain.text import vietnamese_sort_key

    names = ["Vũ", "Đỗ", "Dương", "Giang", "Ân", "Anh", "Ăn", "An", "Ơn", "Ôn", "Ong", "Ưng", "Uyên", "Bắc"]
    assert sorted(names, key=vietnamese_sort_key) == [
        "An", "Anh", "Ăn", "Ân", "Bắc", "Dương", "Đỗ", "Giang", "Ong", "Ôn", "Ơn", "Uyên", "Ưng", "Vũ"]
    # Tones: ngang, huyền, hỏi, ngã, sắc, nặng; only between words spelt alike.
    assert sorted(["ma", "mạ", "má", "mã", "mả", "mà"], key=vietnamese_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(["mạ", "mai"], key=vietnamese_sort_key) == ["mạ", "mai"]
    assert vietnamese_sort_key("Đặng") == vietnamese_sort_key(unicodedata.normalize("NFD", "Đặng"))
    assert sorted(["đa", "Đa", "da"], key=vietnamese_sort_key) == ["da", "Đa", "đa"]


def test_vietnamese_sort_key_orders_people_by_given_name():
    from domain.text import vietnamese_sort_key

    people = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Đỗ Thị Hoa", "Lê Văn Đức", "Phạm Văn Dũng", "Trần Văn An"]
    assert sorted(people, key=lambda n: vietnamese_sort_key(n, given_name_first=True)) == [
        "Trần Văn An", "Phạm Văn Dũng", "Lê Văn Đức", "Đỗ Thị Hoa", "Trần Văn Hùng", "Nguyễn Thị Lan"]
    # Default: the whole text as written (units, titles).
    assert sorted(["Văn phòng", "Địa chính", "Dân số"], key=vietnamese_sort_key) == ["Dân số", "Địa chính", "Văn phòng"]
