"""Indicators (chỉ tiêu): the targets of a plan read from their text, and whether they are met (pure).

"100% TTHC được công khai" -> ≥ 100 %; "tối thiểu 50%" -> ≥ 50 %; "trên 90%" -> > 90 %;
"thu ngân sách đạt trên 305,5 tỷ đồng" -> > 305.5 tỷ đồng; "không quá 5%" -> ≤ 5 %.
An item naming several targets ("...; 100% ...") is split into one indicator per target.
A target without a number is judged reached or not by whoever reports it. Unless the
review file names it, the unit that reports an area's chỉ tiêu is the one leading most of
the plan's tasks in that area (``owner_by_area``: the importer and activation both use it).
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from domain.text import fold


class IndicatorStatus(str, enum.Enum):
    REACHED = "dat"
    NOT_REACHED = "chua_dat"
    NOT_REPORTED = "chua_bao_cao"


STATUS_LABELS = {
    IndicatorStatus.REACHED: "Đạt",
    IndicatorStatus.NOT_REACHED: "Chưa đạt",
    IndicatorStatus.NOT_REPORTED: "Chưa báo cáo",
}
COMPARATOR_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}

# Count units that a target may be stated in (folded); a bare number is not a target
# ("06 lĩnh vực", "Thông tư 03/2014") unless followed by % or one of these.
_UNITS = ("ty dong", "trieu dong", "ho so", "thu tuc", "tthc", "van ban", "lop", "cuoc", "nguoi", "don vi",
          "co quan", "cong chuc", "tin bai", "bai", "luot")
_NUMBER = r"(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)"
# Folded comparators before the number: at least / above / at most / below.
_BEFORE = (
    ("<=", r"(?:khong qua|toi da|khong vuot qua)"),
    ("<", r"(?:duoi|it hon)"),
    (">=", r"(?:toi thieu|it nhat|khong duoi|khong thap hon|tu)"),
    (">", r"(?:tren|hon|vuot)"),
)
_TARGET = re.compile(
    r"(?:(?P<cmp>khong qua|toi da|khong vuot qua|duoi|it hon|toi thieu|it nhat|khong duoi|khong thap hon|tu|tren|hon|vuot)\s+)?"
    + _NUMBER + r"\s*(?P<unit>%|" + "|".join(rf"{u}\b" for u in _UNITS) + r")(?P<after>\s+tro len)?"
)


@dataclass(frozen=True)
class Target:
    comparator: str  # ">=", ">", "<=", "<"
    value: float
    unit: str  # "%" or the unit as written ("tỷ đồng")

    def text(self) -> str:
        shown = f"{self.value:g}".replace(".", ",")
        sign = COMPARATOR_TEXT[self.comparator]
        return f"{sign} {shown}{self.unit}" if self.unit == "%" else f"{sign} {shown} {self.unit}"

    def met_by(self, actual: float) -> bool:
        # Float tolerance: "100%" met by 99.99999 from a division is still met.
        eps = 1e-9
        return {">=": actual >= self.value - eps, ">": actual > self.value + eps,
                "<=": actual <= self.value + eps, "<": actual < self.value - eps}[self.comparator]


def target_phrase(comparator: str | None, value: float | None, unit: str | None) -> str:
    """A stored target as people read it ("≥ 50%"); "Hoàn thành" for a target without a number."""
    if comparator and value is not None:
        return Target(comparator, value, unit or "").text()
    return "Hoàn thành"


def _number(text: str) -> float:
    if "." in text and "," not in text and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return float(text.replace(".", ""))  # "1.600" is one thousand six hundred
    return float(text.replace(",", "."))


# A number as people type it: "95", "95,5", "95.5", "1.600", "1.600,5", "-2" (a trailing "%" is allowed).
_TYPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?")


def parse_number(text: str) -> float:
    """A reported actual value typed in a form: "95,5" -> 95.5; "1.600" -> 1600.

    Raises:
        ValueError: not a number (message in Vietnamese, naming what was typed).
    """
    cleaned = (text or "").strip().replace(" ", "").removesuffix("%")
    sign = -1.0 if cleaned.startswith("-") else 1.0
    digits = cleaned.lstrip("-")
    if not _TYPED.fullmatch(digits):
        raise ValueError(f"«{text.strip()}» không phải là một số: ghi ví dụ 95 hoặc 95,5.")
    if "," in digits and "." in digits:  # "1.600,5": dots group thousands
        digits = digits.replace(".", "")
    return sign * _number(digits)


def parse_target(text: str) -> Target | None:
    """The first target stated in ``text``, or None when it states no number."""
    folded = fold(text)
    match = _TARGET.search(folded)
    if match is None:
        return None
    word = match.group("cmp")
    comparator = ">="  # "100% ...", "đạt 95%": at least that much
    for sign, pattern in _BEFORE:
        if word and re.fullmatch(pattern, word):
            comparator = sign
    unit = match.group("unit")
    if unit != "%":
        # The unit as written (with its diacritics): same length in the original text.
        start, end = match.span("unit")
        unit = text[start:end] if fold(text[start:end]) == unit else unit
    return Target(comparator, _number(match.group(2)), unit)


def split_targets(text: str) -> list[str]:
    """One clause per target: "Tối thiểu 35% ...; 100% ..." -> two clauses.

    A clause without a target stays with the one before it; a text without any target
    is one (qualitative) clause.
    """
    parts = [p.strip(" ;.") for p in re.split(r";\s+|\.\s+(?=[A-ZĐÂ0-9À-Ỹ])", text) if p.strip(" ;.")]
    clauses: list[str] = []
    for part in parts:
        if clauses and parse_target(part) is None:
            clauses[-1] = f"{clauses[-1]}; {part}"
        elif not clauses and parse_target(part) is None:
            clauses.append(part)
        else:
            if clauses and parse_target(clauses[-1]) is None:
                clauses[-1] = f"{clauses[-1]}; {part}"  # a lead-in clause joins the first target
            else:
                clauses.append(part)
    return clauses or [text.strip()]


def status_of(target: Target | None, value: float | None, achieved: bool | None, reported: bool) -> IndicatorStatus:
    """Đạt / chưa đạt / chưa báo cáo for one period's reported value."""
    if not reported:
        return IndicatorStatus.NOT_REPORTED
    if target is not None and value is not None:
        return IndicatorStatus.REACHED if target.met_by(value) else IndicatorStatus.NOT_REACHED
    if achieved is not None:
        return IndicatorStatus.REACHED if achieved else IndicatorStatus.NOT_REACHED
    return IndicatorStatus.NOT_REPORTED


def value_text(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    shown = f"{value:g}".replace(".", ",")
    return f"{shown}%" if unit == "%" else f"{shown} {unit or ''}".strip()


def indicator_code(number: int, index: int = 0, count: int = 1) -> str:
    """The code of a plan's ``number``-th chỉ tiêu item (1-based); its ``index``-th target of ``count``.

    "CT-01"; an item stating several targets gives "CT-03a", "CT-03b".
    """
    return f"CT-{number:02d}" + (chr(ord("a") + index) if count > 1 else "")


def owner_by_area(leads: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The unit that reports an area's chỉ tiêu: the one leading most of the plan's tasks in that area.

    Args:
        leads: (area, lead unit) of each task, in the plan's order (a task's first lead
            unit); a tie goes to the unit seen first.

    Returns:
        The owner of each area that has at least one task with a lead.
    """
    counts: dict[str, Counter] = {}
    for area, unit in leads:
        if area and unit:
            counts.setdefault(area, Counter())[unit] += 1
    return {area: counter.most_common(1)[0][0] for area, counter in counts.items()}
