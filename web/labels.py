"""Vietnamese labels of event kinds and evidence fields shown on the pages."""

from __future__ import annotations

from domain.vocabulary import EventKind

EVENT_LABELS: dict[str, str] = {kind.value: kind.label for kind in EventKind}

EVIDENCE_LABELS: dict[str, str] = {
    "document_number": "Số văn bản",
    "document_date": "Ngày văn bản",
    "link": "Đường dẫn",
    "file": "Tệp",
    "file_name": "Tên tệp",
    "note": "Ghi chú",
}

DATA_LABELS: dict[str, str] = {
    "period": "Kỳ",
    "due": "Hạn",
    "new_due": "Hạn mới",
    "requested_due": "Đề nghị đến",
    "extended_due": "Hạn mới",
    "reason": "Lý do",
    "note": "Ghi chú",
    "recipients": "Người nhận",
    "level": "Cấp",
    "to": "Giao cho",
    "to_username": "Giao cho",
    "from": "Từ",
    "step": "Bước",
}


def event_label(kind: str) -> str:
    return EventKind.label_of(kind, "Sự kiện khác")
