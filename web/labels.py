"""Vietnamese labels of event kinds and evidence fields shown on the pages."""

from __future__ import annotations

EVENT_LABELS: dict[str, str] = {
    "activated": "Kích hoạt theo dõi",
    "started": "Bắt đầu theo dõi",
    "definition_updated": "Cập nhật nội dung nhiệm vụ",
    "reminder": "Nhắc việc",
    "due": "Đến hạn",
    "overdue": "Quá hạn",
    "escalation": "Báo cáo lãnh đạo",
    "completion_submitted": "Báo cáo hoàn thành",
    "completion_confirmed": "Xác nhận hoàn thành",
    "completion_rejected": "Trả lại báo cáo",
    "extension_requested": "Đề nghị gia hạn",
    "extension_granted": "Đồng ý gia hạn",
    "extension_denied": "Không đồng ý gia hạn",
    "reassigned": "Giao lại",
    "cancelled": "Huỷ",
    "notification_sent": "Đã gửi thư",
}

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
    return EVENT_LABELS.get(kind, kind.replace("_", " "))
