"""Owners from the closing "Tổ chức thực hiện" section.

Plans assign owners there in three ways, all handled:
- per area: "- Cải cách thể chế: Phụ lục 01 - Công chức Tư pháp-Hộ tịch chịu trách nhiệm ...";
- per unit: "2. Công chức Tư pháp - Hộ tịch: tham mưu ... cải cách thể chế ..." — the
  areas a unit's duties mention make it the lead of those areas (most mentions wins,
  the others coordinate);
- as a list: "Các cơ quan chủ trì ... gồm: Văn phòng ... và các Phòng: Nội vụ, Tư pháp"
  — then each area goes to the listed unit whose name states that function
  (Tư pháp → thể chế, Nội vụ → bộ máy, công vụ...), a guess the reviewer is told about.
Sentences that give a unit a report to make ("tổng hợp ... báo cáo ... trước 15/10")
become reporting duties, and their deadline is the unit's reporting deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.text import fold
from ingest.areas import AREAS, areas_in, function_areas
from ingest.deadline_text import find_deadline, strip_deadline
from ingest.extract import coordinated_with
from ingest.sections import Node
from ingest.units import UnitResolver, clean_unit, is_collective, looks_like_unit, split_units

_STRONG = {
    "the_che": (r"\bthe che\b", r"\bvan ban quy pham\b", r"\bqppl\b"),
    "tthc": (r"\bthu tuc hanh chinh\b", r"\btthc\b", r"\bmot cua\b"),
    "to_chuc": (r"\bbo may\b",),
    "cong_vu": (r"\bcong vu\b", r"\bcan bo,? cong chuc\b", r"\bcbcc\b"),
    "tai_chinh": (r"\btai chinh\b", r"\bngan sach\b"),
    "so_hoa": (r"\bdien tu\b", r"\bchinh quyen so\b", r"\bchuyen doi so\b", r"\bcong nghe thong tin\b", r"\bcntt\b"),
    "tuyen_truyen": (r"\btuyen truyen\b", r"\btruyen thong\b"),
}
_STRONG_RE = {a: [re.compile(p) for p in ps] for a, ps in _STRONG.items()}
_RESPONSIBLE = re.compile(
    r"\s+(?:chịu trách nhiệm|có trách nhiệm|chủ trì|là cơ quan|là đầu mối|tham mưu|tổng hợp|theo dõi|"
    r"hướng dẫn|đôn đốc|căn cứ|bố trí|thực hiện|triển khai|gửi|báo cáo)\b",
    re.IGNORECASE,
)
# "Công chức Văn hóa - Xã hội: chủ trì, phối hợp với X tổ chức thực hiện các nhiệm vụ của Kế hoạch":
# the unit that leads the whole plan's tasks where nothing else names a lead.
_PLAN_LEAD = re.compile(r"\bchủ trì\b.{0,120}?\b(?:thực hiện|triển khai)\b.{0,60}?\bkế hoạch\b", re.IGNORECASE)
_LIST = re.compile(r"\bgồm\s*:?\s*(?P<list>.+?)\s+(?:chịu trách nhiệm|có trách nhiệm|chủ trì)\b", re.IGNORECASE)
_APPENDIX_REF = re.compile(r"^\s*(?:theo\s+)?phụ lục(?: số)?\s*[0-9IVX]+\s*[-:]?\s*", re.IGNORECASE)
_STANDING = re.compile(r"thường trực", re.IGNORECASE)


@dataclass
class Duty:
    """What the section says about one unit (or list of units)."""

    units: list[str]
    text: str
    line_start: int
    line_end: int
    areas: list[str] = field(default_factory=list)  # explicit "area: unit" item


@dataclass
class Report:
    """A reporting duty found in the section."""

    units: list[str]
    title: str
    text: str
    deadline: str | None
    line_start: int
    line_end: int


@dataclass
class OwnerMap:
    """Owners by area, reporting deadlines, reporting duties."""

    leads: dict[str, list[str]] = field(default_factory=dict)
    coordinators: dict[str, list[str]] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)  # area -> "area", "duties", "function", "standing"
    unit_deadline: dict[str, str] = field(default_factory=dict)  # unit key -> deadline text
    plan_deadline: str | None = None
    standing: str | None = None
    reports: list[Report] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    plan_lead: list[str] = field(default_factory=list)
    unit_coordinators: dict[str, list[str]] = field(default_factory=dict)  # unit key -> units it works with
    unit_final_deadline: dict[str, str] = field(default_factory=dict)  # unit key -> one-off results report


def _subject(text: str, known) -> tuple[list[str], str] | None:
    """Units a duty item is about, and the rest of its text."""
    listed = _LIST.search(text)
    if listed:
        return split_units(listed["list"], known), text[listed.end("list"):].strip()
    head, sep, body = text.partition(":")
    if sep and len(head) <= 90 and looks_like_unit(head) and not areas_in(head.split()[0]):
        return split_units(head, known) or [clean_unit(head)], body.strip()
    responsible = _RESPONSIBLE.search(text)
    if responsible and responsible.start() <= 100 and looks_like_unit(text[: responsible.start()]):
        return [clean_unit(text[: responsible.start()])], text[responsible.start():].strip()
    return None


def _area_item(text: str, known) -> tuple[list[str], list[str]] | None:
    """An "area: ... unit chịu trách nhiệm" item → (areas, units)."""
    head, sep, body = text.partition(":")
    if not sep or len(head) > 90 or looks_like_unit(head):
        return None
    areas = areas_in(head)
    if not areas:
        return None
    body = _APPENDIX_REF.sub("", body.strip())
    responsible = _RESPONSIBLE.search(body)
    names = body[: responsible.start()] if responsible else body.split(";")[0]
    units = split_units(names, known)
    return (areas, units) if units else None


def _duties(section: Node, known) -> list[Duty]:
    duties: list[Duty] = []

    def visit(node: Node, inherited: list[str]) -> None:
        for child in node.children:
            text = child.text
            if child.kind in ("letter", "dash", "plus") and text.endswith(":") and child.children:
                # A list broken over several items ("gồm:" then the names): read as one.
                parts = [text]
                for grand in child.walk():
                    if grand is child:
                        continue
                    sep = " - " if grand.kind == "dash" and not parts[-1].endswith((".", ";", ":", ",")) else " "
                    parts.append(sep + grand.text)
                text = "".join(parts)
                flat = True
            else:
                flat = False
            area_item = _area_item(text, known)
            if area_item is not None:
                areas, units = area_item
                duties.append(Duty(units, text, child.line_start, child.line_end, areas=areas))
                continue
            subject = _subject(text, known)
            if child.is_heading and subject is None and looks_like_unit(text.rstrip(":")):
                subject = (split_units(text.rstrip(":"), known) or [clean_unit(text.rstrip(":"))], "")
            units, body = subject if subject else (inherited, text)
            if body and units:
                end = child.line_end if flat else child.source.line_end
                duties.append(Duty(units, body, child.line_start, end))
            if not flat:
                visit(child, units if subject else inherited)

    visit(section, [])
    return duties


def _clauses(text: str) -> list[str]:
    # Split on sentence ends and semicolons, but not inside brackets; "... trước 30/11
    # và báo cáo ... hằng quý" holds two duties.
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth <= 0 and (ch == ";" or (ch == "." and (i + 1 == len(text) or text[i + 1] == " "))):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    out: list[str] = []
    for part in parts:
        out.extend(re.split(r"\s+và\s+(?=(?:gửi\s+)?báo cáo\b(?!\s+(?:UBND|Chủ tịch|Ủy ban)))", part))
    return [p.strip() for p in out if p.strip()]


def _report_clause(clause: str, year: int) -> tuple[str, str | None] | None:
    key = fold(clause)
    if "bao cao" not in key:
        return None
    deadline = find_deadline(clause, year)
    at = key.find("bao cao")
    summary = key.find("tong hop")
    starts = key.startswith(("bao cao", "dinh ky bao cao", "tong hop", "gui bao cao"))
    if not (starts or deadline or (0 <= summary < at)):
        return None
    begin = summary if 0 <= summary < at else (0 if starts else at)
    title = strip_deadline(clause[begin:], deadline)
    title = re.sub(r"\s*\(\s*\)", "", title).strip(" ,.;")
    return (title[:1].upper() + title[1:], deadline)


def _final_report(clause: str, deadline: str, year: int) -> bool:
    """A one-off report of the plan's results ("tổng hợp kết quả thực hiện ... trước 15/10"):
    its date is, in effect, when the unit's tasks must be done. A recurring report or a
    report on one subject is a duty of its own, not the tasks' deadline."""
    from domain.deadlines import DeadlineError, parse_deadline

    if "ket qua thuc hien" not in fold(clause):
        return False
    try:
        return parse_deadline(deadline, year).kind == "once"
    except DeadlineError:
        return False


def build_owner_map(sections: list[Node], resolver: UnitResolver, year: int) -> OwnerMap:
    """Read every "Tổ chức thực hiện" section of the plan."""
    result = OwnerMap()
    known = resolver.known if resolver.org is not None else None

    def vague(unit: str) -> bool:
        return is_collective(unit) and not resolver.known(unit)

    duties = [d for section in sections for d in _duties(section, known)]
    seen: dict[str, str] = {}
    for duty in duties:
        for unit in duty.units:
            seen.setdefault(resolver.key(unit), unit)
    result.units = list(seen.values())

    # Reporting duties and each unit's reporting deadline.
    for duty in duties:
        if duty.areas:
            continue
        for clause in _clauses(duty.text):
            found = _report_clause(clause, year)
            if found is None:
                continue
            title, deadline = found
            result.reports.append(Report(list(duty.units), title, clause, deadline, duty.line_start, duty.line_end))
            if deadline:
                for unit in duty.units:
                    result.unit_deadline.setdefault(resolver.key(unit), deadline)
                if _final_report(clause, deadline, year):
                    for unit in duty.units:
                        result.unit_final_deadline.setdefault(resolver.key(unit), deadline)
    for duty in duties:
        if duty.areas or not duty.units:
            continue
        partners = coordinated_with(duty.text)
        if partners:
            for unit in duty.units:
                result.unit_coordinators.setdefault(resolver.key(unit), partners)
        if not result.plan_lead and len(duty.units) == 1 and not vague(duty.units[0]) and _PLAN_LEAD.search(duty.text):
            result.plan_lead = list(duty.units)
    deadlines = [r.deadline for r in result.reports if r.deadline]
    recurring = [d for d in deadlines if re.search(r"hàng|hằng|định kỳ|mỗi", d, re.IGNORECASE)]
    result.plan_deadline = next(iter(recurring or deadlines), None)
    for report in result.reports:  # a report without its own deadline follows the unit's
        if report.deadline is None:
            keys = [resolver.key(u) for u in report.units]
            report.deadline = next((result.unit_deadline[k] for k in keys if k in result.unit_deadline), None)

    for duty in duties:
        if any(vague(u) for u in duty.units):
            continue
        if _STANDING.search(" ".join(duty.units)) or _STANDING.search(duty.text[:160]) and len(duty.units) == 1:
            result.standing = duty.units[0]
            break

    # 1. Explicit "area: unit" items.
    for duty in duties:
        for area in duty.areas:
            if area not in result.leads:
                result.leads[area] = list(duty.units)
                result.how[area] = "area"
    # 2. Areas the units' duties mention.
    scores: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for duty in duties:
        if duty.areas or len(duty.units) != 1 or vague(duty.units[0]):
            continue  # "Các cơ quan, đơn vị liên quan: ..." leads no area
        key = resolver.key(duty.units[0])
        names.setdefault(key, duty.units[0])
        folded = fold(duty.text)
        for area, patterns in _STRONG_RE.items():
            count = sum(len(p.findall(folded)) for p in patterns)
            if count:
                scores.setdefault(area, {}).setdefault(key, 0)
                scores[area][key] += count
    # A single mention is weak evidence: a unit whose name states the function wins.
    for area, by_unit in scores.items():
        if area in result.leads:
            continue
        order = list(names)
        ranked = sorted(by_unit, key=lambda k: (-by_unit[k], order.index(k)))
        if by_unit[ranked[0]] < 2 and any(area in function_areas(u) for u in result.units):
            continue
        result.leads[area] = [names[ranked[0]]]
        result.coordinators[area] = [names[k] for k in ranked[1:]]
        result.how[area] = "duties"
    # 3. Direction: the standing office, else the first unit named.
    named = [u for u in result.units if not vague(u)]
    if "chi_dao" not in result.leads and (result.standing or named):
        result.leads["chi_dao"] = [result.standing or named[0]]
        result.how["chi_dao"] = "standing"
    # 4. The remaining areas by the function a unit's name states.
    for area in AREAS:
        if area in result.leads:
            continue
        for unit in result.units:
            if area in function_areas(unit):
                result.leads[area] = [unit]
                result.how[area] = "function"
                break
    return result
