"""Word's automatic numbering: the "I.", "1.", "a)" that a .docx shows but does not store.

A numbered paragraph refers (directly, or through its style: "Heading 1" linked to a
list) to a numbering instance (w:num) and a level (w:ilvl). The instance points at an
abstract definition whose level says the format (upperRoman, decimal, lowerLetter,
bullet...), the text around the number ("%1.", "%2)", "%1.%2.") and the start value;
counters restart when a higher level advances. This module replays those counters in
document order, as Word does when it lays the document out.
"""

from __future__ import annotations

from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
# Vietnamese plans letter their items a), b), c), d), đ), e): Word's lowerLetter skips
# "đ", but the documents' own text uses it; the number shown is Word's.
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letter(n: int) -> str:
    n = max(n, 1)
    return _LETTERS[(n - 1) % 26] * ((n - 1) // 26 + 1)


def _format(fmt: str, n: int) -> str:
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n).upper()
    if fmt == "lowerLetter":
        return _letter(n)
    if fmt == "none":
        return ""
    return str(n)  # decimal, decimalZero and the rest


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int


def _val(element, tag: str) -> str | None:
    child = element.find(W + tag) if element is not None else None
    return child.get(W + "val") if child is not None else None


class Numbering:
    """Computes the label of each numbered paragraph, in document order."""

    def __init__(self, word) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._num: dict[str, tuple[str, dict[int, int]]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._style_num: dict[str, tuple[str, int] | None] = {}
        self._styles = word.styles
        try:
            root = word.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for abstract in root.findall(W + "abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in abstract.findall(W + "lvl"):
                ilvl = int(lvl.get(W + "ilvl", "0"))
                start = _val(lvl, "start")
                levels[ilvl] = _Level(_val(lvl, "numFmt") or "decimal", _val(lvl, "lvlText") or "",
                                      int(start) if start and start.lstrip("-").isdigit() else 1)
            self._abstract[abstract.get(W + "abstractNumId")] = levels
        for num in root.findall(W + "num"):
            overrides: dict[int, int] = {}
            for override in num.findall(W + "lvlOverride"):
                start = _val(override, "startOverride")
                if start and start.isdigit():
                    overrides[int(override.get(W + "ilvl", "0"))] = int(start)
            self._num[num.get(W + "numId")] = (_val(num, "abstractNumId") or "", overrides)

    def _num_pr(self, paragraph) -> tuple[str, int] | None:
        ppr = paragraph._p.pPr
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        if num_pr is not None:
            num_id = _val(num_pr, "numId")
            ilvl = _val(num_pr, "ilvl")
            if num_id is not None:
                return (num_id, int(ilvl) if ilvl and ilvl.isdigit() else 0)
        return self._from_style(paragraph.style)

    def _from_style(self, style, depth: int = 0) -> tuple[str, int] | None:
        """Numbering a style gives its paragraphs (following basedOn)."""
        if style is None or depth > 10:
            return None
        key = style.style_id
        if key in self._style_num:
            return self._style_num[key]
        found = None
        ppr = style.element.pPr
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        num_id = _val(num_pr, "numId")
        if num_id is not None:
            ilvl = _val(num_pr, "ilvl")
            found = (num_id, int(ilvl) if ilvl and ilvl.isdigit() else 0)
        elif style.base_style is not None:
            found = self._from_style(style.base_style, depth + 1)
        self._style_num[key] = found
        return found

    def label(self, paragraph) -> str | None:
        """The number Word shows before ``paragraph`` ("II.", "2.1.", "a)", "-"), or None."""
        found = self._num_pr(paragraph)
        if found is None:
            return None
        num_id, ilvl = found
        if num_id == "0" or num_id not in self._num:
            return None
        abstract_id, overrides = self._num[num_id]
        levels = self._abstract.get(abstract_id, {})
        level = levels.get(ilvl)
        if level is None:
            return "-"
        if level.fmt == "bullet":
            text = level.text.strip()
            # Symbol-font bullets are private-use characters: write them as a dash.
            return "+" if text == "+" else "-"
        counters = self._counters.setdefault(abstract_id, {})
        start = overrides.get(ilvl, level.start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a lower level restarts when this one advances
        text = level.text
        for index in range(9):
            token = f"%{index + 1}"
            if token in text:
                lvl = levels.get(index)
                value = counters.get(index, lvl.start if lvl else 1)
                text = text.replace(token, _format(lvl.fmt if lvl else "decimal", value))
        text = text.strip()
        return text or None
