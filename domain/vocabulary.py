"""dondoc's one vocabulary: statuses, kinds, areas and roles, with their Vietnamese labels.

Every package names these things through the enums here (``str`` enums: payloads, JSON
and database columns keep the plain values such as ``"open"``). The labels are what a
person reads; nothing else in dondoc should spell a status, a kind, an area or a role
in Vietnamese.

This module is imported by workflow code (through ``imports_passed_through``): it must
stay pure — enums and dictionaries only.
"""

from __future__ import annotations

import enum


class Labelled(str, enum.Enum):
    """A ``str`` enum whose members have a Vietnamese label (``LABELS`` of the subclass)."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)].get(self.value, self.value)

    @classmethod
    def label_of(cls, value: str | None, default: str | None = None) -> str:
        """The label of ``value`` (a member or its string); ``default`` (or the value) if unknown."""
        if value is None:
            return default or ""
        key = value.value if isinstance(value, enum.Enum) else str(value)
        return _LABELS[cls].get(key, default if default is not None else key)


class Role(Labelled):
    OFFICER = "officer"
    COORDINATOR = "coordinator"
    VICE_CHAIRMAN = "vice_chairman"
    CHAIRMAN = "chairman"
    ADMIN = "admin"
    PROVINCE = "province"


class Delivery(Labelled):
    """How an officer wants mail: each notification at once, hourly, or one daily digest."""

    IMMEDIATE = "immediate"
    HOURLY = "hourly"
    DAILY = "daily"


class OccurrenceStatus(Labelled):
    """State of one occurrence (one period of a task)."""

    OPEN = "open"  # chased
    SUBMITTED = "submitted"  # reported done, waiting for the coordinator: not chased
    DONE = "done"
    CANCELLED = "cancelled"


class OccurrenceKind(Labelled):
    """What an occurrence asks for: the task's own due date, or a period's progress update."""

    DEADLINE = "deadline"
    PROGRESS = "progress"


class ChasingKind(Labelled):
    """The steps of the reminder/escalation ladder (domain.policy)."""

    REMINDER = "reminder"
    DUE = "due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


class EventKind(Labelled):
    """Kinds of the audit events (table ``event``) and of the notifications they cause."""

    ACTIVATED = "activated"
    STARTED = "started"
    DEFINITION_UPDATED = "definition_updated"
    REMINDER = "reminder"
    DUE = "due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    COMPLETION_SUBMITTED = "completion_submitted"
    COMPLETION_CONFIRMED = "completion_confirmed"
    COMPLETION_REJECTED = "completion_rejected"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_DENIED = "extension_denied"
    REASSIGNED = "reassigned"
    TASK_CANCELLED = "task_cancelled"
    CANCELLED = "cancelled"
    PROGRESS_SUBMITTED = "progress_submitted"
    PROGRESS_ACCEPTED = "progress_accepted"
    PROGRESS_RETURNED = "progress_returned"
    NOTIFICATION_SENT = "notification_sent"
    CATCH_UP = "catch_up"


class ProgressStatus(Labelled):
    """What an officer says of a task in a period's progress update."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class ReviewStatus(Labelled):
    """The coordinator's answer to a progress update."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Area(Labelled):
    """Reform areas (lĩnh vực cải cách hành chính) as plans group them (Nghị quyết 76/NQ-CP)."""

    CHI_DAO = "chi_dao"
    THE_CHE = "the_che"
    TTHC = "tthc"
    TO_CHUC = "to_chuc"
    CONG_VU = "cong_vu"
    TAI_CHINH = "tai_chinh"
    SO_HOA = "so_hoa"
    TUYEN_TRUYEN = "tuyen_truyen"
    KHAC = "khac"


_LABELS: dict[type, dict[str, str]] = {
    Role: {
        "officer": "Công chức",
        "coordinator": "Cơ quan thường trực",
        "vice_chairman": "Phó Chủ tịch",
        "chairman": "Chủ tịch",
        "admin": "Quản trị",
        "province": "Cấp trên",
    },
    Delivery: {
        "immediate": "Gửi ngay",
        "hourly": "Gom theo giờ",
        "daily": "Thư tổng hợp mỗi ngày",
    },
    OccurrenceStatus: {
        "open": "Đang thực hiện",
        "submitted": "Chờ xác nhận",
        "done": "Hoàn thành",
        "cancelled": "Đã huỷ",
    },
    OccurrenceKind: {
        "deadline": "Hạn hoàn thành",
        "progress": "Báo cáo tiến độ",
    },
    ChasingKind: {
        "reminder": "Nhắc trước hạn",
        "due": "Đến hạn",
        "overdue": "Quá hạn",
        "escalation": "Báo cáo lãnh đạo",
    },
    EventKind: {
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
        "task_cancelled": "Huỷ nhiệm vụ",
        "cancelled": "Huỷ",
        "progress_submitted": "Báo cáo tiến độ",
        "progress_accepted": "Chấp nhận báo cáo tiến độ",
        "progress_returned": "Trả lại báo cáo tiến độ",
        "notification_sent": "Đã gửi thư",
        "catch_up": "Xử lý kỳ đã qua khi kích hoạt",
    },
    ProgressStatus: {
        "not_started": "Chưa triển khai",
        "in_progress": "Đang triển khai",
        "done": "Đã hoàn thành",
        "blocked": "Gặp vướng mắc",
    },
    ReviewStatus: {
        "pending": "Chờ xác nhận",
        "accepted": "Đã chấp nhận",
        "returned": "Bị trả lại",
    },
    Area: {
        "chi_dao": "Công tác chỉ đạo, điều hành",
        "the_che": "Cải cách thể chế",
        "tthc": "Cải cách thủ tục hành chính",
        "to_chuc": "Cải cách tổ chức bộ máy hành chính",
        "cong_vu": "Cải cách chế độ công vụ",
        "tai_chinh": "Cải cách tài chính công",
        "so_hoa": "Xây dựng, phát triển Chính quyền điện tử, Chính quyền số",
        "tuyen_truyen": "Công tác thông tin, tuyên truyền",
        "khac": "Khác",
    },
}

# The eight reform areas in the order the periodic CCHC report and the plans use.
REFORM_AREAS: tuple[Area, ...] = (
    Area.CHI_DAO, Area.THE_CHE, Area.TTHC, Area.TO_CHUC, Area.CONG_VU, Area.TAI_CHINH,
    Area.SO_HOA, Area.TUYEN_TRUYEN,
)
CHASING_KINDS: frozenset[str] = frozenset(k.value for k in ChasingKind)

# Labels of the fields an event or a piece of evidence carries (timelines, mails, exports).
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
    """The Vietnamese label of an event kind (never the raw value)."""
    return EventKind.label_of(kind, "Sự kiện khác")
