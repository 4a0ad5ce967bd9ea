"""Deadline engine: Vietnamese deadline phrases → schedules → dated occurrences.

A phrase is parsed by a small grammar over its folded form (lower case, no
diacritics, see ``domain.text.fold``). Ordered rules each *consume* one component
(an explicit date, a quarter, a cadence such as "hàng quý", a modifier such as
"05 ngày sau khi kết thúc tháng"...). Whatever the rules leave behind must be
filler words ("trước", "chậm nhất", "báo cáo"...); any other leftover word makes
the whole phrase an error that quotes the text — never a silent default.

A schedule is a set of items, each one occurrence per plan year: the period it
stands for (a quarter, a month, a half, the year, or a plain date) and how its
nominal date is found (a day of a month, 0 meaning the month's last day, plus a
number of days after it). Explicit years are stored relative to the plan year so a
plan can be re-based onto a later year.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Literal

from domain.calendar import Shift, WorkCalendar
from domain.text import fold, normalise

Kind = Literal["once", "recurring", "continuous"]
PeriodKind = Literal["Y", "H", "Q", "M", "D"]

# When several items fall on the same nominal date the widest period wins:
# one report for "6 tháng" on 30/6 instead of a quarter report and a half report.
_RANK = {"Y": 4, "H": 3, "Q": 2, "M": 1, "D": 0}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ROMAN_OUT = {1: "I", 2: "II", 3: "III", 4: "IV"}


class DeadlineError(ValueError):
    """A deadline phrase that cannot be understood; the message quotes it."""

    def __init__(self, text: str, reason: str | None = None) -> None:
        self.text = text
        self.reason = reason
        message = f'Không hiểu thời hạn: "{text}"'
        if reason:
            message += f" ({reason})"
        super().__init__(message)


@dataclass(frozen=True)
class Item:
    """One occurrence per year: a period and the rule for its nominal date.

    Attributes:
        period: "Y" year, "H" half, "Q" quarter, "M" month, "D" plain date.
        index: half 1-2, quarter 1-4, month 1-12; 0 for "Y" and "D".
        month: month of the anchor day.
        day: day of the anchor (0 = last day of ``month``); clamped to the month.
        year_offset: the period's year minus the plan year.
        after_days: calendar days added to the anchor ("05 ngày sau khi kết thúc").
    """

    period: PeriodKind
    index: int
    month: int
    day: int
    year_offset: int = 0
    after_days: int = 0

    def nominal(self, year: int) -> date:
        """The nominal date of this item in plan year ``year``."""
        y = year + self.year_offset
        last = _calendar.monthrange(y, self.month)[1]
        day = last if self.day == 0 else min(self.day, last)
        return date(y, self.month, day) + timedelta(days=self.after_days)

    def key_and_label(self, year: int) -> tuple[str, str]:
        """Machine key and Vietnamese period label in plan year ``year``."""
        y = year + self.year_offset
        if self.period == "Y":
            return f"{y}-Y", f"Năm {y}"
        if self.period == "H":
            half = "đầu" if self.index == 1 else "cuối"
            return f"{y}-H{self.index}", f"6 tháng {half} năm {y}"
        if self.period == "Q":
            return f"{y}-Q{self.index}", f"Quý {_ROMAN_OUT[self.index]}/{y}"
        if self.period == "M":
            return f"{y}-M{self.index:02d}", f"Tháng {self.index}/{y}"
        nominal = self.nominal(year)
        return nominal.isoformat(), f"Hạn {nominal:%d/%m/%Y}"


@dataclass(frozen=True)
class DueDate:
    """One dated occurrence of a schedule."""

    key: str
    period: str
    nominal: date
    due: date


@dataclass(frozen=True)
class Schedule:
    """A parsed deadline phrase.

    Attributes:
        text: the phrase as written.
        kind: "once" (one date), "recurring" (several per year or every year),
            "continuous" (no due date: "thường xuyên").
        repeats_yearly: the text names a cadence or "và những năm tiếp theo".
        items: the occurrences of one year (empty when continuous).
    """

    text: str
    kind: Kind
    repeats_yearly: bool
    items: tuple[Item, ...] = field(default=())

    def to_dict(self) -> dict:
        """A JSON-safe dict that ``from_dict`` turns back into an equal schedule."""
        return {
            "text": self.text,
            "kind": self.kind,
            "repeats_yearly": self.repeats_yearly,
            "items": [asdict(item) for item in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Schedule:
        """Rebuild a schedule written by ``to_dict``."""
        return cls(
            text=data["text"],
            kind=data["kind"],
            repeats_yearly=bool(data["repeats_yearly"]),
            items=tuple(Item(**item) for item in data.get("items", ())),
        )


# --- grammar -------------------------------------------------------------------

_YEAR = r"(\d{4})"
_SEP = r"[/.\-]"
_UNIT = r"(?:6 thang|sau thang|quy|thang|nam(?! \d))"
_QUARTER = r"(iv|iii|ii|i|[1-4])"
_YEAR_SUFFIX = rf"(?:\s*[/-]\s*|\s+nam\s+){_YEAR}"
# Words that carry no date information once the components are consumed.
_FILLER = frozenset(
    """truoc cham nhat han hoan thanh thuc hien thoi gian bao cao nop gui hop to chuc
    dinh ky trong vao cua va hoac den theo ngay cuoi - / .""".split()
)


@dataclass
class _Parse:
    """Components collected while consuming a folded phrase."""

    rest: str
    plan_year: int
    items: list[Item] = field(default_factory=list)
    cadences: set[str] = field(default_factory=set)  # "M", "Q", "H", "Y"
    scope_offset: int | None = None  # "(trong) năm 2025" next to other components
    continuous: bool = False
    repeats: bool = False
    after: tuple[int, str] | None = None  # days, unit ("M", "Q", "Y", "*")
    quarter_day: int | None = None  # "ngày 20 của tháng cuối quý"
    month_day: int | None = None  # "ngày 05 của các tháng ..." / "ngày 25 hàng tháng"
    listed: bool = False  # a list of months is a cadence too

    def take(self, pattern: str) -> list[re.Match[str]]:
        """Remove every match of ``pattern`` from the rest; return the matches."""
        found = list(re.finditer(pattern, self.rest))
        if found:
            self.rest = re.sub(pattern, " ", self.rest)
        return found

    def offset(self, year: str | None) -> int:
        return 0 if year is None else int(year) - self.plan_year


_UNIT_CODE = {"thang": "M", "quy": "Q", "nam": "Y", "6 thang": "H", "sau thang": "H", "ky": "*"}


def _canonical(text: str, plan_year: int | None = None) -> str:
    folded = fold(text)
    folded = re.sub(r"[(),;:\[\]\"'“”*]", " ", folded)
    folded = re.sub(r"\s*/\s*", "/", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    # Spelling variants: "Quí" (old spelling), "tháng cuối cùng", "cả năm".
    folded = re.sub(r"\bqui\b", "quy", folded)
    # "theo quy định" (as the rules say) names no period: it is not "theo quý".
    folded = re.sub(r"\btheo quy dinh\b", "theo-quy-dinh", folded)
    folded = re.sub(r"\bcuoi cung\b", "cuoi", folded)
    if plan_year is not None:
        # "15/01 năm sau", "Quý I năm tiếp theo": the year after the plan's.
        folded = re.sub(
            r"(\b\d{1,2}/\d{1,2}|\bquy (?:iv|iii|ii|i|[1-4])|\bthang \d{1,2}) nam (?:sau|tiep theo)\b",
            lambda m: f"{m[1]}/{plan_year + 1}", folded)
    return folded.rstrip(" .,;")


def _original_words(text: str, folded_words: list[str]) -> str:
    """The leftover words as the text wrote them (with diacritics), for the message."""
    originals: dict[str, str] = {}
    for word in re.split(r"[\s(),;:\[\]\"'“”/]+", normalise(text)):
        originals.setdefault(fold(word).strip(".,;"), word.strip(".,;"))
    originals.setdefault("theo-quy-dinh", "theo quy định")
    return " ".join(originals.get(w, w) for w in folded_words)


def _check_date(p: _Parse, text: str, day: int, month: int, year_offset: int) -> Item:
    try:
        date(p.plan_year + year_offset, month, day)
    except ValueError:
        raise DeadlineError(text, f"ngày {day}/{month} không có thật") from None
    return Item("D", 0, month, day, year_offset)


def _consume(p: _Parse, text: str) -> None:
    """Apply the ordered rules; each one removes what it understood."""
    if p.take(r"\bva (?:nhung|cac) nam (?:tiep theo|sau)\b"):
        p.repeats = True
    # "Từ 01/7/2025", "từ tháng 4/2026": a start and no end, a duty from then on.
    if re.match(r"^(?:bat dau |ke )?tu (?:ngay |thang |quy |nam )?[\divx]", p.rest) and not re.search(r"\b(?:den|toi)\b| - ", p.rest):
        p.rest = ""
        p.continuous = True
        return
    # Month ranges end with their last month: "từ tháng 3 đến tháng 6/2026", "Tháng 11 - 12/2025".
    for m in p.take(rf"\b(?:tu )?thang (\d{{1,2}})(?:/\d{{4}})? ?(?:-|den(?: het)?|toi) ?(?:thang )?(\d{{1,2}})\b(?:{_YEAR_SUFFIX})?(?!/\d)"):
        p.items.append(_month_item(text, int(m[2]), p.offset(m[3])))
    # A range of years ends with its last year: "năm 2026 - 2027", "giai đoạn 2026-2027".
    for m in p.take(r"\b(?:nam |giai doan )?(\d{4}) ?(?:-|den) ?(?:nam )?(\d{4})\b"):
        p.items.append(Item("Y", 0, 12, 0, p.offset(m[2])))
    for m in p.take(r"\b(\d{1,3}) ngay (?:sau (?:khi )?|ke tu (?:khi |ngay )?)ket thuc (thang|quy|nam|ky)(?: bao cao)?\b"):
        p.after = (int(m[1]), _UNIT_CODE[m[2]])
    for m in p.take(r"\bngay (\d{1,2}) (?:cua )?thang cuoi (?:cua )?(?:moi )?quy\b"):
        p.quarter_day = int(m[1])
    for _m in p.take(r"\bthuong xuyen\b|\blien tuc\b"):
        p.continuous = True
    # Full dates first, so their month and year are not read as "tháng 6", "năm 2024".
    for m in p.take(rf"\b(?:ngay )?(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}{_YEAR}\b"):
        p.items.append(_check_date(p, text, int(m[1]), int(m[2]), p.offset(m[3])))
    for m in p.take(r"\bngay (\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?\b(?! (?:va )?(?:thang )?\d)"):
        p.items.append(_check_date(p, text, int(m[1]), int(m[2]), p.offset(m[3])))
    for m in p.take(r"\b(\d{1,2}|sau) thang (dau|cuoi)(?: cua)? nam(?:(?:/| )(\d{4}))?\b"):
        months = 6 if m[1] == "sau" else int(m[1])
        if not 1 <= months <= 12:
            raise DeadlineError(text, f"không có {months} tháng trong năm")
        if months == 6:
            half = 1 if m[2] == "dau" else 2
            p.items.append(Item("H", half, 6 * half, 0, p.offset(m[3])))
        elif m[2] == "dau":  # "9 tháng đầu năm": the report of the first nine months
            p.items.append(Item("M", months, months, 0, p.offset(m[3])))
        else:  # "3 tháng cuối năm" ends with the year
            p.items.append(Item("Y", 0, 12, 0, p.offset(m[3])))
    for m in p.take(r"\bca nam(?: (\d{4}))?\b"):
        p.items.append(Item("Y", 0, 12, 0, p.offset(m[1])))
    for m in p.take(rf"\bquy {_QUARTER}\b(?:{_YEAR_SUFFIX})?"):
        q = _ROMAN.get(m[1]) or int(m[1])
        p.items.append(Item("Q", q, 3 * q, 0, p.offset(m[2])))
    # A cadence list: "hàng quý", "định kỳ hàng quý, 6 tháng, năm", "mỗi quý một lần".
    cadence = rf"\b(?:(?:dinh ky|hang|moi|theo) )+({_UNIT}(?:(?: va| hoac)? {_UNIT})*)(?: mot lan)?\b|\b({_UNIT}) mot lan\b"
    for m in p.take(cadence):
        units = m[1] or m[2]
        for unit in re.findall(_UNIT, units):
            p.cadences.add(_UNIT_CODE[unit])
    for m in p.take(r"\bngay (\d{1,2})\b(?!/)(?: (?:cua|hang|moi))?"):
        p.month_day = int(m[1])
    # A list of months: "các tháng 3, tháng 6, tháng 9, tháng 12", "tháng 3, 6, 9 và 12".
    for m in p.take(r"\b(?:cac )?thang \d{1,2}(?:(?: va)?(?: thang)? \d{1,2}\b(?!/))+"):
        p.listed = True
        for number in re.findall(r"\d{1,2}", m[0]):
            p.items.append(_month_item(text, int(number), 0))
    for m in p.take(rf"\bthang (\d{{1,2}})\b(?:{_YEAR_SUFFIX})?"):
        p.items.append(_month_item(text, int(m[1]), p.offset(m[2])))
    for _ in p.take(r"\bcuoi nam\b(?! \d)"):
        p.items.append(Item("Y", 0, 12, 0))
    for m in p.take(r"\b(cuoi )?nam (\d{4})\b"):
        if m[1]:
            p.items.append(Item("Y", 0, 12, 0, p.offset(m[2])))
        else:
            p.scope_offset = p.offset(m[2])
    for m in p.take(r"(?<![/\d])(\d{1,2})/(\d{1,2})\b(?!/)"):
        p.items.append(_check_date(p, text, int(m[1]), int(m[2]), 0))
    # A bare year, as in a table cell ("2026"): the year's end, or the scope of the rest.
    for m in p.take(r"(?<![/\d])((?:19|20)\d{2})\b(?!/)"):
        p.scope_offset = p.offset(m[1])


def _month_item(text: str, month: int, year_offset: int) -> Item:
    if not 1 <= month <= 12:
        raise DeadlineError(text, f"không có tháng {month}")
    return Item("M", month, month, 0, year_offset)


def _cadence_items(unit: str) -> list[Item]:
    if unit == "M":
        return [Item("M", m, m, 0) for m in range(1, 13)]
    if unit == "Q":
        return [Item("Q", q, 3 * q, 0) for q in range(1, 5)]
    if unit == "H":
        return [Item("H", h, 6 * h, 0) for h in (1, 2)]
    return [Item("Y", 0, 12, 0)]


def _dedupe(items: list[Item]) -> tuple[Item, ...]:
    """One item per nominal date, the widest period winning; sorted by date."""
    by_anchor: dict[tuple[int, int, int, int], Item] = {}
    for item in items:
        anchor = (item.year_offset, item.month, item.day, item.after_days)
        kept = by_anchor.get(anchor)
        if kept is None or _RANK[item.period] > _RANK[kept.period]:
            by_anchor[anchor] = item
    return tuple(sorted(by_anchor.values(), key=lambda i: (i.year_offset, i.month, i.day, i.after_days)))


def parse_deadline(text: str, plan_year: int) -> Schedule:
    """Parse a deadline phrase written in a plan for ``plan_year``.

    Args:
        text: the phrase as written ("theo Quý trước ngày 20 của tháng cuối Quý").
        plan_year: the year of the plan the phrase comes from; explicit years in the
            text are stored relative to it.

    Returns:
        The schedule; ``expand`` turns it into dated occurrences.

    Raises:
        DeadlineError: the phrase (or part of it) is not understood.
    """
    if not isinstance(text, str) or not normalise(text):
        raise DeadlineError(text if isinstance(text, str) else repr(text), "trống")
    p = _Parse(rest=_canonical(text, plan_year), plan_year=plan_year)
    _consume(p, text)
    leftover = [word for word in p.rest.split() if word not in _FILLER]
    if leftover:
        raise DeadlineError(text, "không rõ: " + _original_words(text, leftover))

    items = list(p.items)
    # A yearly cadence next to dated items only says "every year" ("15/12 hằng năm").
    cadences = set(p.cadences)
    if "Y" in cadences and items:
        cadences.discard("Y")
    # Modifiers imply their cadence when nothing else names the periods.
    if p.quarter_day is not None and not items and not cadences:
        cadences.add("Q")
    if p.after and not items and not cadences and p.after[1] != "*":
        cadences.add(p.after[1])
    for unit in sorted(cadences):
        items.extend(_cadence_items(unit))

    if p.scope_offset is not None and not items and not cadences and not p.continuous:
        items.append(Item("Y", 0, 12, 0, p.scope_offset))  # "Năm 2025", "trong năm 2025"
    if p.continuous and not items:
        if p.month_day is not None or p.after or p.quarter_day is not None:
            raise DeadlineError(text, "nhiệm vụ thường xuyên không có kỳ hạn")
        return Schedule(text=text, kind="continuous", repeats_yearly=p.repeats)
    if not items:
        raise DeadlineError(text, "không thấy ngày, tháng, quý hay năm")

    items = [_apply_modifiers(p, text, item) for item in items]
    if p.scope_offset is not None:
        items = [
            item if item.year_offset else _with(item, year_offset=p.scope_offset) for item in items
        ]
    final = _dedupe(items)
    repeats = p.repeats or bool(p.cadences) or bool(cadences) or p.listed
    if p.scope_offset is not None and not p.repeats:
        repeats = False  # "hàng quý năm 2025" is bounded to that year
    kind: Kind = "recurring" if repeats or len(final) > 1 else "once"
    return Schedule(text=text, kind=kind, repeats_yearly=repeats, items=final)


def _with(item: Item, **changes: int) -> Item:
    return Item(**{**asdict(item), **changes})


def _apply_modifiers(p: _Parse, text: str, item: Item) -> Item:
    if p.quarter_day is not None:
        if item.period != "Q":
            raise DeadlineError(text, "“tháng cuối quý” chỉ dùng cho quý")
        item = _with(item, day=p.quarter_day)
    if p.month_day is not None:
        if item.period != "M":
            raise DeadlineError(text, f"không rõ ngày {p.month_day} của kỳ nào")
        item = _with(item, day=p.month_day)
    if p.after is not None:
        days, unit = p.after
        if unit not in ("*", item.period) or item.period == "D" or item.day != 0:
            raise DeadlineError(text, "“sau khi kết thúc” không khớp với kỳ")
        item = _with(item, after_days=days)
    return item


def expand(
    schedule: Schedule,
    year: int,
    calendar: WorkCalendar,
    shift: Shift = Shift.NEXT,
) -> list[DueDate]:
    """The dated occurrences of ``schedule`` for plan year ``year``.

    Dates that spill past the year (the December meeting on 5/1, the yearly report
    on 10/1) still belong to ``year``'s occurrences.

    Args:
        schedule: a parsed schedule.
        year: the plan year to expand for (explicit years are re-based onto it).
        calendar: the organisation's working days.
        shift: what to do with a nominal date on a day off (default: next working
            day, Civil Code 2015 Art. 148).

    Returns:
        Occurrences sorted by due date; ``[]`` for a continuous duty.
    """
    out: list[DueDate] = []
    for item in schedule.items:
        nominal = item.nominal(year)
        key, label = item.key_and_label(year)
        out.append(DueDate(key=key, period=label, nominal=nominal, due=calendar.shift(nominal, shift)))
    return sorted(out, key=lambda d: (d.due, d.nominal, d.key))
