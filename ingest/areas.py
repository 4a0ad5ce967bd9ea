"""Reform areas (lĩnh vực cải cách hành chính) and how plans name them.

Keys follow the eight areas of the national programme (Nghị quyết 76/NQ-CP) as plans
group them. Headings name areas with a few stable phrases; the content of a task, of
an officer's duties or of a unit's name gives weaker hints used only when a heading
says nothing (a guess, reported to the reviewer).
"""

from __future__ import annotations

import re

from domain.text import fold
from domain.vocabulary import REFORM_AREAS

AREAS: dict[str, str] = {area.value: area.label for area in REFORM_AREAS}

# Short prefixes for task codes ("TTHC-03").
CODE_PREFIX = {
    "chi_dao": "CDDH", "the_che": "TCHE", "tthc": "TTHC", "to_chuc": "TCBM",
    "cong_vu": "CVU", "tai_chinh": "TCC", "so_hoa": "CQS", "tuyen_truyen": "TTR",
}
REPORT_PREFIX = "BC"

# Phrases a heading uses to name an area (folded).
_HEADING = {
    "the_che": (r"\bthe che\b",),
    "tthc": (r"\bthu tuc hanh chinh\b", r"\btthc\b", r"\bmot cua\b"),
    "to_chuc": (r"\bto chuc bo may\b", r"\bbo may\b"),
    "cong_vu": (r"\bcong vu\b", r"\bcong chuc, vien chuc\b", r"\bdoi ngu can bo\b"),
    "tai_chinh": (r"\btai chinh cong\b", r"\btai chinh\b", r"\bngan sach\b"),
    "so_hoa": (
        r"\bchinh (?:phu|quyen) (?:dien tu|so)\b", r"\bchuyen doi so\b", r"\bhien dai hoa\b",
        r"\bcong nghe thong tin\b", r"\bcntt\b", r"\biso\b",
    ),
    "tuyen_truyen": (r"\btuyen truyen\b", r"\btruyen thong\b"),
    "chi_dao": (r"\bchi dao\b", r"\bdieu hanh\b"),
}

# Phrases in running text (tasks, duties) that point at an area (folded).
_CONTENT = {
    "the_che": (r"\bthe che\b", r"\bvan ban quy pham\b", r"\bqppl\b", r"\bthi hanh phap luat\b", r"\bpho bien, giao duc phap luat\b"),
    "tthc": (r"\bthu tuc hanh chinh\b", r"\btthc\b", r"\bmot cua\b", r"\bphan anh,? kien nghi\b", r"\bdich vu cong\b"),
    "to_chuc": (r"\bbo may\b", r"\bchuc nang,? nhiem vu\b", r"\bsap xep\b", r"\bphan cap\b"),
    "cong_vu": (
        r"\bcong vu\b", r"\bcan bo,? cong chuc\b", r"\bcbcc\b", r"\bbien che\b", r"\bvi tri viec lam\b",
        r"\bdao tao,? boi duong\b", r"\bky luat,? ky cuong\b", r"\bthi dua,? khen thuong\b", r"\btuyen dung\b",
    ),
    "tai_chinh": (r"\btai chinh\b", r"\bngan sach\b", r"\btu chu\b", r"\btai san cong\b", r"\bkinh phi\b", r"\bdau tu cong\b", r"\btiet kiem\b"),
    "so_hoa": (
        r"\bdien tu\b", r"\bcong nghe thong tin\b", r"\bcntt\b", r"\bso hoa\b", r"\btruc tuyen\b",
        r"\biso\b", r"\bchuyen doi so\b", r"\bchinh quyen so\b", r"\bphan mem\b", r"\bky so\b",
    ),
    "tuyen_truyen": (r"\btuyen truyen\b", r"\btruyen thong\b", r"\bpho bien\b", r"\btruyen thanh\b"),
    "chi_dao": (r"\bchi dao\b", r"\bdieu hanh\b", r"\bkiem tra\b", r"\bke hoach\b", r"\bchi so cai cach\b", r"\bbao cao\b"),
}

# Words of a unit's name that say which area it serves by function (folded).
_FUNCTION = {
    "the_che": (r"\btu phap\b",),
    "to_chuc": (r"\bnoi vu\b",),
    "cong_vu": (r"\bnoi vu\b",),
    "tai_chinh": (r"\btai chinh\b", r"\bke toan\b", r"\bngan sach\b"),
    "so_hoa": (r"\bthong tin\b", r"\bkhoa hoc\b", r"\bcntt\b"),
    "tthc": (r"\bhanh chinh cong\b", r"\bmot cua\b", r"\btiep nhan va tra ket qua\b"),
    "tuyen_truyen": (r"\bvan hoa\b", r"\btruyen thanh\b", r"\btruyen thong\b"),
}

_COMPILED = {
    name: {area: [re.compile(p) for p in pats] for area, pats in table.items()}
    for name, table in (("heading", _HEADING), ("content", _CONTENT), ("function", _FUNCTION))
}


def areas_in(text: str) -> list[str]:
    """Areas a heading names, in the order they appear ("chỉ đạo, điều hành, tuyên truyền")."""
    key = fold(text)
    found: list[tuple[int, str]] = []
    for area, patterns in _COMPILED["heading"].items():
        positions = [m.start() for p in patterns for m in [p.search(key)] if m]
        if positions:
            found.append((min(positions), area))
    # "Cải cách thủ tục hành chính" also contains "hành chính"; "tài chính công" is
    # not "công vụ": positions sort it out, but a heading naming both TTHC and one-stop
    # ("một cửa") is one area.
    return [area for _, area in sorted(found)]


def content_scores(text: str) -> dict[str, int]:
    """How often running text mentions each area."""
    key = fold(text)
    scores: dict[str, int] = {}
    for area, patterns in _COMPILED["content"].items():
        count = sum(len(p.findall(key)) for p in patterns)
        if count:
            scores[area] = count
    return scores


def guess_area(text: str, among: list[str] | None = None) -> str | None:
    """The area running text most mentions (optionally only ``among``), or None."""
    scores = content_scores(text)
    if among is not None:
        scores = {a: s for a, s in scores.items() if a in among}
    if not scores:
        return None
    order = list(AREAS)
    return max(scores, key=lambda a: (scores[a], -order.index(a)))


def function_areas(unit_name: str) -> list[str]:
    """Areas a unit serves by the function its name states ("Phòng Tư pháp" → thể chế)."""
    key = fold(unit_name)
    return [area for area, patterns in _COMPILED["function"].items() if any(p.search(key) for p in patterns)]
