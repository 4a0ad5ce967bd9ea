"""Readers: a plan document (.txt, .docx, .pdf, .xlsx) → lines with their source line numbers.

Line numbers are what a reviewer finds in the source: the physical line of a .txt,
the running line of a PDF's text layer (pages one after another), for a .docx the
running number of its paragraphs and table rows in body order, for a .xlsx the row
number (sheets one after another).

Every reader stops at the bounds of ``ingest.limits`` while reading, so memory stays
proportional to a plan's real size whatever the file holds.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import ReadError
from ingest.limits import MAX_FILE_BYTES, MAX_LINES, MAX_PAGES, MAX_UNPACKED_BYTES, too_large

SUPPORTED = (".txt", ".docx", ".pdf", ".xlsx")


@dataclass(frozen=True)
class SourceLine:
    """One line of the source.

    Attributes:
        number: 1-based line number in the source (see module docstring).
        text: the text as read (not yet normalised).
        cells: the cells of a table row (empty for ordinary lines).
        page: 1-based page for PDF lines, 0 otherwise.
    """

    number: int
    text: str
    cells: tuple[str, ...] = ()
    page: int = 0


@dataclass
class Document:
    """What a reader returns.

    Attributes:
        path: the source file.
        lines: lines in reading order.
        wrapped: True when lines are hard-wrapped (txt, pdf) and must be joined back
            into paragraphs; False for .docx, whose paragraphs are whole.
        pages: number of pages (PDF only).
    """

    path: Path
    lines: list[SourceLine] = field(default_factory=list)
    wrapped: bool = True
    pages: int = 0


def read_document(path: str | Path) -> Document:
    """Read a plan document into lines.

    Raises:
        ReadError: missing, empty, unsupported or broken file, or a PDF without text.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise ReadError(
            f"Không hỗ trợ định dạng tệp '{path.suffix or path.name}': chỉ nhận .txt, .docx, .pdf, .xlsx."
        )
    if not path.is_file():
        raise ReadError(f"Không tìm thấy tệp {path}.")
    size = path.stat().st_size
    if size == 0:
        raise ReadError(f"Tệp {path.name} rỗng.")
    if size > MAX_FILE_BYTES:
        raise too_large(size // (1024 * 1024), MAX_FILE_BYTES // (1024 * 1024), "MB")
    if suffix in (".docx", ".xlsx"):
        _check_unpacked(path)
    reader = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf, ".xlsx": _read_xlsx}[suffix]
    document = reader(path)
    if not any(line.text.strip() or any(c.strip() for c in line.cells) for line in document.lines):
        if suffix == ".pdf":
            raise ReadError(
                f"Tệp PDF {path.name} không có lớp chữ (có thể là bản quét): "
                "hãy dùng bản Word hoặc PDF xuất từ Word."
            )
        raise ReadError(f"Tệp {path.name} không có nội dung chữ.")
    return document


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Older Vietnamese Windows files.
        return data.decode("cp1258")
    except UnicodeDecodeError:
        raise ReadError(f"Tệp {name} không phải văn bản (không đọc được bảng mã UTF-8).") from None


def _check_unpacked(path: Path) -> None:
    """Refuse a zip whose content unpacks far beyond any real plan (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # the reader reports a broken file in its own words
    if unpacked > MAX_UNPACKED_BYTES:
        raise too_large(unpacked // (1024 * 1024), MAX_UNPACKED_BYTES // (1024 * 1024), "MB dữ liệu giải nén")


# A row of a table typed in text: "| 1 | Rà soát ... | Phòng Tư pháp |".
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|]*\S[^|]*(?:\|[^|]*){2,}$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _pipe_cells(text: str) -> tuple[str, ...] | None:
    """The cells of a text table row, or None for an ordinary line."""
    if text.count("|") < 2 or not _PIPE_ROW.match(text):
        return None
    inner = text.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    cells = tuple(c.strip() for c in inner.split("|"))
    return cells if len(cells) >= 3 else None


def _read_txt(path: Path) -> Document:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"Tệp {path.name} không phải văn bản thuần (.txt).")
    text = _decode(data, path.name)
    lines: list[SourceLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number > MAX_LINES:
            raise too_large(MAX_LINES, MAX_LINES, "dòng", more=True)
        if _PIPE_RULE.match(line) and "-" in line:
            lines.append(SourceLine(number, ""))  # the |---|---| rule under a header
            continue
        cells = _pipe_cells(line) if "|" in line else None
        lines.append(SourceLine(number, " | ".join(cells) if cells else line, cells=cells or ()))
    return Document(path=path, lines=lines, wrapped=True)


def _read_docx(path: Path) -> Document:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from lxml.etree import XMLSyntaxError
    except ImportError as error:  # pragma: no cover - dependency of the package
        raise ReadError(f"Thiếu thư viện đọc .docx ({error}).") from None
    try:
        word = docx.Document(str(path))
        lines = list(_docx_lines(word))
    except (PackageNotFoundError, zipfile.BadZipFile, XMLSyntaxError, KeyError, ValueError) as error:
        raise ReadError(
            f"Tệp Word {path.name} bị hỏng hoặc không phải .docx ({type(error).__name__}): "
            "hãy mở bằng Word, lưu lại rồi thử lại."
        ) from None
    return Document(path=path, lines=lines, wrapped=False)


def _docx_lines(word) -> list[SourceLine]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from ingest.numbering import Numbering

    numbering = Numbering(word)
    out: list[SourceLine] = []
    number = 0
    for block in word.element.body.iterchildren():
        if number >= MAX_LINES:
            raise too_large(MAX_LINES, MAX_LINES, "đoạn văn và dòng bảng", more=True)
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            paragraph = Paragraph(block, word)
            text = paragraph.text
            if text.strip() and not _has_marker(text):
                # Word's automatic numbers ("I.", "1.", "a)") are not in the text: compute them.
                label = numbering.label(paragraph)
                if label:
                    text = f"{label} {text.strip()}"
            # A soft line break inside a paragraph separates lines (headings, signature).
            for part in text.split("\n"):
                out.append(SourceLine(number, part))
        elif tag == "tbl":
            table = Table(block, word)
            for row in table.rows:
                number += 1
                if number > MAX_LINES:
                    raise too_large(MAX_LINES, MAX_LINES, "đoạn văn và dòng bảng", more=True)
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat the same element
                        continue
                    seen.add(id(cell._tc))
                    cells.append("\n".join(p.text for p in cell.paragraphs).strip())
                out.append(SourceLine(number, " | ".join(cells), cells=tuple(cells)))
    return out


def _has_marker(text: str) -> bool:
    from ingest.normalise import marker_of

    return marker_of(text.strip()) is not None


def _read_pdf(path: Path) -> Document:
    try:
        import pdfplumber
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
    except ImportError as error:  # pragma: no cover - dependency of the package
        raise ReadError(f"Thiếu thư viện đọc PDF ({error}).") from None
    lines: list[SourceLine] = []
    number = 0
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = len(pdf.pages)
            if pages > MAX_PAGES:
                raise too_large(pages, MAX_PAGES, "trang")
            for page_no, page in enumerate(pdf.pages, start=1):
                text = page.extract_text() or ""
                for line in text.splitlines():
                    number += 1
                    if number > MAX_LINES:
                        raise too_large(MAX_LINES, MAX_LINES, "dòng", more=True)
                    lines.append(SourceLine(number, line, page=page_no))
    except (PdfminerException, MalformedPDFException, PDFSyntaxError, ValueError, KeyError, TypeError) as error:
        raise ReadError(f"Tệp PDF {path.name} bị hỏng hoặc không đọc được ({type(error).__name__}).") from None
    return Document(path=path, lines=lines, wrapped=True, pages=pages)


def _cell_text(value) -> str:
    """A spreadsheet cell as a plan writes it (dates dd/mm/yyyy, whole numbers without .0)."""
    import datetime

    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(path: Path) -> Document:
    """An .xlsx appendix: rows with two cells or more are table rows, others text lines."""
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as error:  # pragma: no cover - dependency of the package
        raise ReadError(f"Thiếu thư viện đọc .xlsx ({error}).") from None
    lines: list[SourceLine] = []
    number = 0
    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    number += 1
                    if number > MAX_LINES:
                        raise too_large(MAX_LINES, MAX_LINES, "dòng bảng tính", more=True)
                    cells = [_cell_text(v) for v in row]
                    while cells and not cells[-1]:
                        cells.pop()
                    filled = [c for c in cells if c]
                    if len(filled) >= 2:
                        lines.append(SourceLine(number, " | ".join(cells), cells=tuple(cells)))
                    else:
                        lines.append(SourceLine(number, filled[0] if filled else ""))
                number += 1
                lines.append(SourceLine(number, ""))  # a sheet ends a table
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise ReadError(
            f"Tệp Excel {path.name} bị hỏng hoặc không phải .xlsx ({type(error).__name__}): "
            "hãy mở bằng Excel, lưu lại rồi thử lại."
        ) from None
    return Document(path=path, lines=lines, wrapped=False)
