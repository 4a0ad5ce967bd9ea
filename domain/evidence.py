"""How a piece of evidence (minh chứng) is written out for people: one formatter for
the Excel export, the report draft and the evidence pack.
"""

from __future__ import annotations

import re
from datetime import date

_LEADING_SO = re.compile(r"^\s*số\s*:?\s*", re.IGNORECASE)


def describe_evidence(evidence: dict | None, *, prefix: str = "Số", with_note: bool = False) -> str:
    """"Số 45/BC-UBND ngày 10/03/2026; http://...; tệp bao-cao.pdf" (``prefix`` names the document), or "".

    A number typed with its own "Số" is not doubled; an unreadable date is shown as typed.
    """
    if not evidence:
        return ""
    parts = []
    number = evidence.get("document_number") or evidence.get("document")
    if number:
        text = f"{prefix} {_LEADING_SO.sub('', str(number))}"
        when = evidence.get("document_date")
        if when:
            try:
                text += f" ngày {date.fromisoformat(str(when)):%d/%m/%Y}"
            except ValueError:
                text += f" ngày {when}"
        parts.append(text)
    if evidence.get("link"):
        parts.append(str(evidence["link"]))
    if evidence.get("file"):
        parts.append(f"tệp {evidence.get('file_name') or str(evidence['file']).rsplit('/', 1)[-1]}")
    if with_note and evidence.get("note"):
        parts.append(str(evidence["note"]))
    return "; ".join(parts)
