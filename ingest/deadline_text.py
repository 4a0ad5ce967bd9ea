"""Finding a deadline phrase inside running text ("... báo cáo trước 15/10/2025")."""

from __future__ import annotations

import re

from domain.deadlines import DeadlineError, parse_deadline

_CANDIDATES = [
    re.compile(r"(?:hoàn thành\s+)?(?:trước|chậm nhất(?: là)?|hạn chót|không quá)\s+(?:ngày\s+)?\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?", re.IGNORECASE),
    re.compile(
        r"(?:định kỳ\s+)?(?:hàng|hằng|mỗi)\s+(?:tháng|quý|qúy|năm)(?:\s*(?:,|và|hoặc)\s*(?:6 tháng|sáu tháng|năm|quý|qúy|tháng))*",
        re.IGNORECASE,
    ),
    re.compile(r"(?:trong\s+)?quý\s+(?:IV|III|II|I|[1-4])\s*(?:/\s*\d{4}|năm\s+\d{4})", re.IGNORECASE),
    re.compile(r"(?:trong\s+)?tháng\s+\d{1,2}\s*/\s*\d{4}", re.IGNORECASE),
]
_DATED = re.compile(r"\d{1,2}\s*/\s*\d{1,2}|ngày\s+\d", re.IGNORECASE)
_CONTINUOUS = re.compile(r"^\s*thường xuyên\b|\(\s*thường xuyên\s*\)", re.IGNORECASE)


# Where a deadline phrase may begin inside running text.
_STARTS = re.compile(
    r"\b(?:hoàn thành\s+)?(?:trước|chậm nhất|hạn chót|không quá|định kỳ|hàng|hằng|mỗi|theo\s+(?:quý|quí|tháng|năm)\b|"
    r"trong\s+(?:quý|quí|tháng|năm)|quý|quí|tháng\s+\d|từ\s+(?:ngày|tháng)\s+\d|ngày\s+\d|\d{1,2}\s*/\s*\d{1,2})",
    re.IGNORECASE,
)
# Where it ends: the clause's end, or the words that name whom a report goes to.
_STOPS = re.compile(r"[;.:()]|\s(?:về|gửi|cho|tại|để|nhằm|qua|lên|theo (?:quy định|hướng dẫn|yêu cầu))\b|,\s", re.IGNORECASE)


# A cited document's number just before a date ("Nghị định số 62/2020/NĐ-CP ngày
# 01/6/2020", "Kế hoạch 12/KH-UBND, ngày 3/1/2025"): the date is when that document was
# issued, not a deadline.
_CITED = re.compile(r"\b\d+[\w.-]*/[\w./-]*[^\W\d_][\w./-]*\s*,?\s*(?:ngày\s*)?$")


def find_deadline(text: str, plan_year: int) -> str | None:
    """The longest deadline phrase in ``text`` that the deadline engine understands."""
    tried: set[str] = set()
    spans: list[tuple[int, str]] = []
    for start in _STARTS.finditer(text):
        if _CITED.search(text, 0, start.start()):
            continue
        tail = text[start.start():]
        # The phrase to the clause's end, to the first stop word, and to each comma.
        ends = {len(tail)}
        for stop in _STOPS.finditer(tail):
            ends.add(stop.start())
            if stop.group(0) in ".;:()":
                break
        for end in sorted(ends, reverse=True):
            phrase = tail[:end].strip(" ,;.")
            while phrase.endswith(")") and phrase.count(")") > phrase.count("("):
                phrase = phrase[:-1].rstrip(" ,;.")
            if len(phrase) < 3 or phrase in tried:
                continue
            tried.add(phrase)
            spans.append((start.start(), phrase))
    found: list[tuple[int, str]] = []
    for pattern in _CANDIDATES:
        for match in pattern.finditer(text):
            if _CITED.search(text, 0, match.start()):
                continue
            found.append((match.start(), match.group(0).strip(" ,")))
    first: str | None = None
    for _position, phrase in spans + sorted(found):
        try:
            schedule = parse_deadline(phrase, plan_year)
        except DeadlineError:
            continue
        if schedule.kind == "continuous":
            continue
        # "định kỳ 6 tháng, năm ... trước ngày 15/6 và 15/12": the dated phrase says when.
        if _DATED.search(phrase):
            return phrase
        first = first or phrase
    if first:
        return first
    if _CONTINUOUS.search(text):
        return "thường xuyên"
    return None


def strip_deadline(text: str, phrase: str | None) -> str:
    """``text`` without the deadline phrase (and a bracket left empty by it)."""
    if not phrase:
        return text
    out = text.replace(phrase, " ")
    out = re.sub(r"\(\s*(?:theo quy định)?\s*\)", " ", out)
    return re.sub(r"\s+", " ", out).strip(" ,;")
