"""Who may do what, and in which state: the rules of the task actions, pure.

The web pages, the JSON API and the CLI check an action with these functions before
it reaches the task workflow (whose validators keep the same rules for what the
workflow alone knows). ``Actor`` is the person acting; the web's session user extends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.vocabulary import OccurrenceKind, OccurrenceStatus, Role

COORDINATING_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
DECIDING_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})

# Action kind -> its Vietnamese name (in refusals).
ACTION_LABELS = {
    "submit": "Báo cáo hoàn thành",
    "review": "Xác nhận kết quả",
    "request_extension": "Đề nghị gia hạn",
    "decide_extension": "Quyết định gia hạn",
    "reassign": "Giao lại",
    "progress": "Báo cáo tiến độ",
    "review_progress": "Xem xét báo cáo tiến độ",
}


class RuleRefusal(Exception):
    """An action the rules refuse: ``status`` as HTTP would say it, the message in Vietnamese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Actor:
    """A person acting in an organisation."""

    id: int
    username: str
    full_name: str
    role: Role
    organisation_id: int
    organisation_name: str
    unit_codes: frozenset[str]

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_coordinator(self) -> bool:
        return self.role in COORDINATING_ROLES

    @property
    def decides_extensions(self) -> bool:
        return self.role in DECIDING_ROLES


def owns(actor: Actor, lead_units: Iterable[str], lead_username: str | None) -> bool:
    """True if the occurrence is the actor's: reassigned to them, or led by one of their units."""
    if lead_username:
        return lead_username == actor.username
    return bool(actor.unit_codes.intersection(lead_units))


def can_act_as_owner(actor: Actor, lead_units: Iterable[str], lead_username: str | None) -> bool:
    """May report completion or progress, or request an extension: the owner or a coordinator."""
    return actor.is_coordinator or owns(actor, lead_units, lead_username)


def can_review(actor: Actor) -> bool:
    """May confirm/return reports and reassign: coordinators."""
    return actor.is_coordinator


def can_report_indicator(actor: Actor, owner_unit: str | None) -> bool:
    """May report (or correct) an indicator's actual value: a coordinator, or an officer of its owner unit."""
    return can_review(actor) or bool(owner_unit and owner_unit in actor.unit_codes)


INDICATOR_REFUSAL = "Chỉ cơ quan thường trực hoặc đơn vị chủ trì được báo cáo chỉ tiêu này."


def can_decide_extension(actor: Actor) -> bool:
    """May grant or deny an extension: the chairman or a vice-chairman."""
    return actor.decides_extensions


def check_permission(actor: Actor, lead_units: Iterable[str], lead_username: str | None, kind: str) -> None:
    """Raise :class:`RuleRefusal` (403) unless ``actor`` may do ``kind`` on the occurrence."""
    if kind in ("submit", "request_extension", "progress"):
        allowed = can_act_as_owner(actor, lead_units, lead_username)
        who = "công chức chủ trì nhiệm vụ này hoặc cơ quan thường trực"
    elif kind in ("review", "reassign", "review_progress"):
        allowed = can_review(actor)
        who = "cơ quan thường trực"
    elif kind == "decide_extension":
        allowed = can_decide_extension(actor)
        who = "Chủ tịch hoặc Phó Chủ tịch UBND"
    else:
        raise RuleRefusal(400, f"Thao tác không hợp lệ: {kind}")
    if not allowed:
        raise RuleRefusal(403, f"Bạn không có quyền thực hiện thao tác này: chỉ {who} mới được "
                               f"{ACTION_LABELS[kind].lower()}.")


def check_state(task_active: bool, status: str, occurrence_kind: str, kind: str) -> None:
    """Refuse (409) an action that makes no sense in the occurrence's current state."""
    status = OccurrenceStatus(status)
    progress = occurrence_kind == OccurrenceKind.PROGRESS
    if not task_active or status == OccurrenceStatus.CANCELLED:
        raise RuleRefusal(409, "Nhiệm vụ/kỳ này đã bị huỷ.")
    if kind == "submit" and status != OccurrenceStatus.OPEN:
        raise RuleRefusal(409, "Kỳ này đã được báo cáo hoàn thành.")
    if kind == "review" and status != OccurrenceStatus.SUBMITTED:
        raise RuleRefusal(409, "Kỳ này không có báo cáo nào đang chờ xác nhận.")
    if kind in ("progress", "review_progress") and not progress:
        raise RuleRefusal(409, "Kỳ này không phải kỳ báo cáo tiến độ.")
    if kind == "submit" and progress:
        raise RuleRefusal(409, "Kỳ báo cáo tiến độ: hãy gửi báo cáo tiến độ (tình trạng, kết quả thực hiện).")
    if kind == "progress" and status != OccurrenceStatus.OPEN:
        raise RuleRefusal(409, "Báo cáo tiến độ kỳ này đã nộp.")
    if kind == "review_progress" and status != OccurrenceStatus.SUBMITTED:
        raise RuleRefusal(409, "Kỳ này không có báo cáo tiến độ nào đang chờ xem xét.")
    if kind in ("request_extension", "decide_extension", "reassign") and status == OccurrenceStatus.DONE:
        raise RuleRefusal(409, "Kỳ này đã hoàn thành.")
