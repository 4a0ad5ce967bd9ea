"""Normalisation: source lines → paragraphs.

Text extracted from PDF/Word keeps the page's hard line breaks, page numbers, running
headers and stray URLs. This module drops the noise and joins wrapped lines back into
paragraphs, keeping the source line range of each paragraph.

Joining follows how such text breaks: a line continues the paragraph when it starts in
lower case (a word cut by the page width), or when the previous line filled the page
width without ending a sentence. A line that starts with a structural marker (I., 1.,
2.1., a), -, +, a label such as "Cơ quan chủ trì:", a signature line) never continues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.text import fold, normalise
from ingest.readers import Document, SourceLine

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Markdown a portal or a converter leaves: **bold**, __bold__, *italic*, "## " headings.
_MARKDOWN = re.compile(r"\*\*|__|^#{1,6}\s+|^\*(?=\S)|(?<=\S)\*$")
# The first line of a document's own header (Nghị định 30/2020, Phụ lục I: the issuing
# body, the national motto, or the number); what a web page shows before it is its menu.
_HEADER_START = re.compile(
    r"^(?:ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|UBND|HỘI ĐỒNG NHÂN DÂN|THỦ TƯỚNG|CHÍNH PHỦ|BỘ |SỞ |BAN |"
    r"CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|ĐẢNG BỘ|HUYỆN ỦY|TỈNH ỦY)"
)
_PAGE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,3}(?:\s*-)?$|^trang\s+\d+(?:\s*/\s*\d+)?$", re.IGNORECASE)

_ROMAN = re.compile(r"^(?P<label>[IVX]{1,5})\s*[.)/:-]\s*(?P<rest>\S.*)$")
_ROMAN_OK = re.compile(r"^(?:X{0,2})(?:IX|IV|V?I{0,3})$")
_DOTTED = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2})+)\.?(?:\s+(?P<rest>\S.*)|(?P<tight>[^\W\d_].*))$")
_DECIMAL = re.compile(r"^(?P<label>\d{1,2})\s*[.)](?:\s+(?P<rest>\S.*)|(?P<tight>[^\W\d_\s].*))$")
_LETTER = re.compile(r"^(?P<label>[a-zđ])\s*\)\s*(?P<rest>\S.*)$|^(?P<label2>[a-zđ])\.\s+(?P<rest2>[^\W\d_a-zđ].*)$")
_BULLET = re.compile(r"^(?P<label>[-•*∙▪◦►➢✓]|\+)\s*(?P<rest>[^\s\-].*)$")
_SIGNATURE = re.compile(
    r"^(?:TM|KT|TL|TUQ|Q)\s*\.\s*\S|^(?:PHÓ\s+)?CHỦ\s+TỊCH\b|^Nơi\s+nhận\b|^Số\s*:|^Trên\s+đây\b",
)
# Labels written beside a task ("Cơ quan chủ trì: ...").
_LABEL_WORDS = (
    r"(?P<label>(?:cơ quan|đơn vị|bộ phận)\s+(?:chủ trì|thực hiện|phối hợp)(?:\s+thực hiện)?|"
    r"chủ trì(?:\s+thực hiện)?|phối hợp(?:\s+thực hiện)?|"
    r"thời gian(?:\s+(?:thực hiện|hoàn thành))?|thời hạn(?:\s+hoàn thành)?|tiến độ(?:\s+thực hiện)?|"
    r"(?:kết quả\s*,?\s*|kết quả\s*/\s*)?sản phẩm(?:\s+(?:dự kiến|đầu ra))?|kết quả dự kiến)\s*:\s*"
)
LABEL = re.compile(r"^(?:[-+•]\s*)?" + _LABEL_WORDS, re.IGNORECASE)
# The same labels inside a paragraph, after a sentence or clause end.
LABEL_ANY = re.compile(r"(?:^(?:[-+•]\s*)?|(?<=[.;])\s*|\s+-\s+)" + _LABEL_WORDS, re.IGNORECASE)


@dataclass(frozen=True)
class Marker:
    """The structural marker a paragraph starts with."""

    kind: str  # "roman", "decimal", "letter", "dash", "plus"
    label: str  # "II", "2.1", "a", "-"
    rest: str  # the text after the marker


@dataclass
class Para:
    """A paragraph (or a table row) with its source line range."""

    text: str
    line_start: int
    line_end: int
    cells: tuple[str, ...] = ()
    lines: list[str] = field(default_factory=list)

    @property
    def marker(self) -> Marker | None:
        return marker_of(self.text)


def marker_of(text: str) -> Marker | None:
    """The structural marker at the start of ``text``, if any."""
    m = _ROMAN.match(text)
    if m and _ROMAN_OK.match(m["label"]) and (m["rest"][:1].isupper() or m["rest"][:1] in "\"“("):
        return Marker("roman", m["label"], m["rest"])
    m = _DOTTED.match(text)
    if m:
        return Marker("decimal", m["label"], (m["rest"] or m["tight"] or "").strip())
    m = _DECIMAL.match(text)
    if m:
        return Marker("decimal", m["label"], (m["rest"] or m["tight"] or "").strip())
    m = _LETTER.match(text)
    if m:
        return Marker("letter", m["label"] or m["label2"], (m["rest"] or m["rest2"]).strip())
    m = _BULLET.match(text)
    if m:
        return Marker("plus" if m["label"] == "+" else "dash", m["label"], m["rest"].strip())
    return None


def is_caps(text: str) -> bool:
    """An all-capitals line with at least two words (a heading or a signature line)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and len(text.split()) >= 2 and all(c.isupper() for c in letters)


def is_closing(text: str) -> bool:
    """The closing paragraph ("Trên đây là ...", "... ./.") or what follows it."""
    stripped = text.rstrip()
    return stripped.startswith("Trên đây") or stripped.endswith("/.")


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


_BARE_MARKER = re.compile(r"^(?:[-+•*]|[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*[.)]|[IVX]{1,5}\.)$")


def _structural(text: str) -> bool:
    return (
        marker_of(text) is not None
        or bool(_SIGNATURE.match(text))
        or bool(LABEL.match(text))
    )


def clean_lines(document: Document) -> list[tuple[SourceLine, str]]:
    """Normalised lines with noise removed (blank lines kept as "")."""
    repeated = _running_lines(document) if document.pages >= 3 else set()
    out: list[tuple[SourceLine, str]] = []
    for line in document.lines:
        if line.cells:
            out.append((line, normalise(line.text)))
            continue
        text = normalise(_URL.sub(" ", line.text))
        if "*" in text or "_" in text or text.startswith("#"):
            text = normalise(_MARKDOWN.sub("", text))
        if _PAGE_NUMBER.match(text) or _key(text) in repeated:
            text = ""
        out.append((line, text))
    return _drop_page_chrome(out)


def _drop_page_chrome(lines: list[tuple[SourceLine, str]]) -> list[tuple[SourceLine, str]]:
    """Blank what precedes the document's header when a web page was pasted with it.

    Only when the header starts within the first lines and something that is not part
    of a header comes before it (menus, "Tải về", the portal's summary of the text).
    """
    seen = 0
    for index, (line, text) in enumerate(lines):
        if not text:
            continue
        if _HEADER_START.match(text) and not line.cells:
            if index and seen:
                return [(ln, "") for ln, _ in lines[:index]] + lines[index:]
            return lines
        seen += 1
        if seen > 40:
            break
    return lines


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", fold(text))


def _running_lines(document: Document) -> set[str]:
    """Lines at the top or bottom of most pages (running headers and footers)."""
    by_page: dict[int, list[str]] = {}
    for line in document.lines:
        text = normalise(line.text)
        if text:
            by_page.setdefault(line.page, []).append(text)
    counts: dict[str, int] = {}
    for texts in by_page.values():
        for key in {_key(t) for t in texts[:2] + texts[-2:]}:
            counts[key] = counts.get(key, 0) + 1
    threshold = max(3, len(by_page) // 2)
    return {key for key, count in counts.items() if count >= threshold and len(key) < 120}


def _width(lines: list[str]) -> float:
    lengths = sorted(len(t) for t in lines if len(t) >= 20)
    if not lengths:
        return 80.0
    return float(lengths[int(len(lengths) * 0.9) - 1 if len(lengths) > 1 else 0])


def _continues(prev: str, line: str, gap: int, width: float, para: Para) -> bool:
    end = prev[-1]
    first = line[0]
    lower = first.islower()
    long = len(prev) >= 0.75 * width
    if para.marker is not None and end not in ".:;!?" and _upper(para.marker.rest) and _upper(line) and len(line) < 120:
        return True  # a heading in capitals broken over two lines ("II. NỘI" / "DUNG, NHIỆM VỤ")
    if end in ".!?":
        return gap == 0 and long
    if end == ":":
        return lower
    if end == ";":
        return lower or (gap == 0 and long)
    return lower or long or first.isdigit()


def paragraphs(document: Document) -> list[Para]:
    """Join the document's lines into paragraphs (table rows stay one each)."""
    cleaned = clean_lines(document)
    width = _width([t for _, t in cleaned])
    out: list[Para] = []
    current: Para | None = None
    gap = 0
    for line, text in cleaned:
        if line.cells:
            current = None
            out.append(Para(text, line.number, line.number, cells=tuple(normalise(c) for c in line.cells)))
            continue
        if not text:
            gap += 1
            continue
        bare = current is not None and _BARE_MARKER.match(current.text) is not None
        if current is not None and bare and marker_of(text) is None:
            # A marker alone on its line ("-" then the text on the next line).
            current.lines.append(text)
            current.text = f"{current.text} {text}"
            current.line_end = line.number
        elif (
            document.wrapped
            and current is not None
            and not _structural(text)
            and _continues(current.lines[-1], text, gap, width, current)
        ):
            current.lines.append(text)
            current.text = _join(current.text, text)
            current.line_end = line.number
        else:
            current = Para(text, line.number, line.number, lines=[text])
            out.append(current)
        gap = 0
    return out


def _join(left: str, right: str) -> str:
    # A word cut at a dash ("giai đoạn 2021-" + "2025") joins without a space.
    if left.endswith("-") and right[:1].isdigit():
        return left + right
    return f"{left} {right}"
