"""Readers: a plan document (.txt, .docx, .pdf) → lines with their source line numbers.

Line numbers are what a reviewer finds in the source: the physical line of a .txt,
the running line of a PDF's text layer (pages one after another), and for a .docx the
running number of its paragraphs and table rows in body order.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import ReadError

SUPPORTED = (".txt", ".docx", ".pdf")


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
            f"Không hỗ trợ định dạng tệp '{path.suffix or path.name}': chỉ nhận .txt, .docx, .pdf."
        )
    if not path.is_file():
        raise ReadError(f"Không tìm thấy tệp {path}.")
    if path.stat().st_size == 0:
        raise ReadError(f"Tệp {path.name} rỗng.")
    reader = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf}[suffix]
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


def _read_txt(path: Path) -> Document:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"Tệp {path.name} không phải văn bản thuần (.txt).")
    text = _decode(data, path.name)
    lines = [SourceLine(i, line) for i, line in enumerate(text.splitlines(), start=1)]
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

    out: list[SourceLine] = []
    number = 0
    for block in word.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            paragraph = Paragraph(block, word)
            text = paragraph.text
            if _is_list_item(paragraph) and text.strip() and not _has_marker(text):
                text = "- " + text  # Word's automatic bullets/numbers are not in the text
            # A soft line break inside a paragraph separates lines (headings, signature).
            for part in text.split("\n"):
                out.append(SourceLine(number, part))
        elif tag == "tbl":
            table = Table(block, word)
            for row in table.rows:
                number += 1
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat the same element
                        continue
                    seen.add(id(cell._tc))
                    cells.append("\n".join(p.text for p in cell.paragraphs).strip())
                out.append(SourceLine(number, " | ".join(cells), cells=tuple(cells)))
    return out


def _is_list_item(paragraph) -> bool:
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return not (paragraph.style is not None and paragraph.style.name.lower().startswith("heading"))
    return False


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
            for page_no, page in enumerate(pdf.pages, start=1):
                text = page.extract_text() or ""
                for line in text.splitlines():
                    number += 1
                    lines.append(SourceLine(number, line, page=page_no))
    except (PdfminerException, MalformedPDFException, PDFSyntaxError, ValueError, KeyError, TypeError) as error:
        raise ReadError(f"Tệp PDF {path.name} bị hỏng hoặc không đọc được ({type(error).__name__}).") from None
    return Document(path=path, lines=lines, wrapped=True, pages=pages)
