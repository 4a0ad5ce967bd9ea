"""Bounds on what one plan document may hold (issue 17: a 1.3 MB .docx of short
paragraphs once became 472,331 tasks and 4 GB). Real plans are far below them: a
provincial plan with its appendices has a few hundred tasks on a few dozen pages."""

from __future__ import annotations

from ingest.errors import IngestError

MAX_FILE_BYTES = 30 * 1024 * 1024  # the file on disk
MAX_UNPACKED_BYTES = 80 * 1024 * 1024  # the XML inside a .docx/.xlsx (zip bombs)
MAX_PAGES = 300  # PDF pages
MAX_LINES = 40_000  # source lines, paragraphs and table rows
MAX_TASKS = 2_000  # tasks and reporting duties found


class PlanTooLargeError(IngestError):
    """The document is beyond the bounds above; the message says which and by how much."""


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def too_large(found: int, limit: int, unit: str, more: bool = False) -> PlanTooLargeError:
    """"kế hoạch quá lớn: 472.331 nhiệm vụ (tối đa 2.000 nhiệm vụ)..." (``more``: at least)."""
    return PlanTooLargeError(
        f"kế hoạch quá lớn: {'hơn ' if more else ''}{_n(found)} {unit} (tối đa {_n(limit)} {unit}). "
        "Hãy tách kế hoạch thành các tệp nhỏ hơn hoặc kiểm tra lại tệp."
    )
