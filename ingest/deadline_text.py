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
_CONTINUOUS = re.compile(r"^\s*thường xuyên\b|\(\s*thường xuyên\s*\)", re.IGNORECASE)


def find_deadline(text: str, plan_year: int) -> str | None:
    """The first deadline phrase in ``text`` that the deadline engine understands."""
    found: list[tuple[int, str]] = []
    for pattern in _CANDIDATES:
        for match in pattern.finditer(text):
            found.append((match.start(), match.group(0).strip(" ,")))
    for _, phrase in sorted(found):
        try:
            parse_deadline(phrase, plan_year)
        except DeadlineError:
            continue
        return phrase
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
