"""Indicators of a plan: stored at activation from the review's chỉ tiêu, reported per period.

The review file lists the targets the importer found (``indicators: - text: ...``).
Activation turns each into one tracked indicator per stated target (CT-01, CT-03a,
CT-03b...). The importer writes each item's ``area`` and ``owner`` into the review file,
where the reviewer corrects them; what the review says wins. A review file written before
those fields existed falls back to the same guesses: the area from the text, the owner
from the area mapping (``domain.indicators.owner_by_area``: the unit that leads most of
the plan's tasks in that area).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from domain.indicators import (
    COMPARATOR_TEXT,
    STATUS_LABELS,
    IndicatorStatus,
    Target,
    indicator_code,
    owner_by_area,
    parse_target,
    split_targets,
    status_of,
    target_phrase,
    value_text,
)
from persistence.models import Indicator, IndicatorValue, Plan, Task, TaskStatus, Unit, stored_id, utcnow


class IndicatorError(ValueError):
    """A value that cannot be recorded (message in Vietnamese)."""


def target_of(indicator: Indicator) -> Target | None:
    if indicator.comparator and indicator.target_value is not None:
        return Target(indicator.comparator, indicator.target_value, indicator.unit or "")
    return None


def target_text(indicator: Indicator) -> str:
    return target_phrase(indicator.comparator, indicator.target_value, indicator.unit)


def _guess_area(text: str) -> str | None:
    try:
        from ingest.areas import guess_area
    except ImportError:  # pragma: no cover
        return None
    return guess_area(text)


def store_indicators(session: Session, plan: Plan, review: Any, resolve_unit: Any = None) -> list[Indicator]:
    """Upsert the plan's indicators from the review (by code); ones no longer there are deactivated.

    Values already reported are kept: an indicator keeps its code while the review's
    order of targets does not change.
    """
    tasks = session.exec(select(Task).where(Task.plan_id == plan.id, Task.status == TaskStatus.ACTIVE).order_by(col(Task.id)))
    owners = owner_by_area((task.area, unit) for task in tasks for unit in task.lead_units[:1])
    existing = {i.code: i for i in session.exec(select(Indicator).where(Indicator.plan_id == plan.id))}
    stored: list[Indicator] = []
    for number, item in enumerate(getattr(review, "indicators", []) or [], start=1):
        text = str(getattr(item, "text", item))
        clauses = split_targets(text)
        source = getattr(item, "source", None)
        for index, clause in enumerate(clauses):
            code = indicator_code(number, index, len(clauses))
            row = existing.pop(code, None) or Indicator(organisation_id=plan.organisation_id, plan_id=stored_id(plan), code=code, text=clause)
            target = parse_target(clause)
            area = getattr(item, "area", None) or _guess_area(clause) or _guess_area(text)
            owner = getattr(item, "owner", None)
            if owner and resolve_unit is not None:
                unit = resolve_unit(owner)
                owner = unit.code if unit is not None else owner
            if not owner:  # a review file without owners (written before they existed)
                owner = owners.get(area or "")
            row.text = clause
            row.area = area
            row.owner_unit = owner
            row.comparator, row.target_value, row.unit = (target.comparator, target.value, target.unit) if target else (None, None, None)
            row.source_line_start = getattr(source, "line_start", None)
            row.active = True
            session.add(row)
            stored.append(row)
    for row in existing.values():
        row.active = False
        session.add(row)
    session.flush()
    return stored


def report_value(
    session: Session, indicator: Indicator, period_key: str, *, value: float | None = None, achieved: bool | None = None,
    evidence: dict | None = None, note: str = "", by: str = "admin",
) -> IndicatorValue:
    """Record (or correct) the actual value of ``indicator`` for ``period_key``.

    Raises:
        IndicatorError: a numeric target reported without a number, or nothing reported.
    """
    # A numeric target names what it needs first: a number, whatever else was given.
    if target_of(indicator) is not None and value is None:
        raise IndicatorError(f"Chỉ tiêu {indicator.code} có mục tiêu {target_text(indicator)}: cần ghi số liệu thực tế.")
    if value is None and achieved is None:
        raise IndicatorError("Cần ghi kết quả: một số (--value) hoặc đạt/chưa đạt (--achieved/--not-achieved).")
    if value is not None and indicator.unit == "%" and not 0 <= value <= 100:
        raise IndicatorError(f"Tỷ lệ phải từ 0 đến 100 (đã ghi {value:g}).")
    row = session.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id,
                                                    IndicatorValue.period_key == period_key)).first()
    if row is None:
        row = IndicatorValue(organisation_id=indicator.organisation_id, indicator_id=stored_id(indicator), period_key=period_key,
                             reported_by=by)
    row.value, row.achieved, row.evidence, row.note = value, achieved, evidence or None, note
    row.reported_by, row.reported_at = by, utcnow()
    session.add(row)
    session.flush()
    return row


@dataclass
class IndicatorLine:
    """One indicator as the report, the export and the API show it for a period."""

    code: str
    name: str
    owner: str
    target_text: str
    actual_text: str
    status: str  # IndicatorStatus value
    evidence: dict | None = None
    comparator: str | None = None
    target_value: float | None = None
    unit: str | None = None
    value: float | None = None
    # For the pages: who owns it (unit code), what was reported, by whom and when.
    owner_unit: str | None = None
    achieved: bool | None = None
    note: str = ""
    reported_by: str | None = None
    reported_at: datetime | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[IndicatorStatus(self.status)]

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.name, "owner": self.owner, "target": self.target_text,
                "comparator": self.comparator, "target_value": self.target_value, "unit": self.unit,
                "value": self.value, "actual": self.actual_text, "status": self.status, "status_label": self.status_label,
                "evidence": self.evidence}


def indicator_lines(session: Session, plan: Plan, period_key: str) -> list[IndicatorLine]:
    """Every active indicator of ``plan`` with its value for ``period_key`` (or "chưa báo cáo")."""
    indicators = list(session.exec(select(Indicator).where(Indicator.plan_id == plan.id, Indicator.active == True)  # noqa: E712
                                   .order_by(col(Indicator.id))))
    if not indicators:
        return []
    values = {v.indicator_id: v for v in session.exec(select(IndicatorValue).where(
        col(IndicatorValue.indicator_id).in_([i.id for i in indicators]), IndicatorValue.period_key == period_key))}
    units = dict(session.exec(select(Unit.code, Unit.name).where(Unit.organisation_id == plan.organisation_id)).all())
    lines = []
    for ind in indicators:
        v = values.get(stored_id(ind))
        status = status_of(target_of(ind), v.value if v else None, v.achieved if v else None, v is not None)
        if v is None:
            actual = ""
        elif v.value is not None:
            actual = value_text(v.value, ind.unit)
        else:
            actual = "Hoàn thành" if v.achieved else "Chưa hoàn thành"
        lines.append(IndicatorLine(
            code=ind.code, name=ind.text, owner=units.get(ind.owner_unit or "", ind.owner_unit or ""),
            target_text=target_text(ind), actual_text=actual, status=status.value, evidence=v.evidence if v else None,
            comparator=ind.comparator, target_value=ind.target_value, unit=ind.unit, value=v.value if v else None,
            owner_unit=ind.owner_unit, achieved=v.achieved if v else None, note=v.note if v else "",
            reported_by=v.reported_by if v else None, reported_at=v.reported_at if v else None,
        ))
    return lines


def find_indicator(session: Session, plan: Plan, code: str) -> Indicator | None:
    from sqlalchemy import func

    return session.exec(select(Indicator).where(Indicator.plan_id == plan.id, func.upper(Indicator.code) == code.upper())).first()


__all__ = ["COMPARATOR_TEXT", "IndicatorError", "IndicatorLine", "find_indicator", "indicator_lines", "report_value",
           "store_indicators", "target_text"]
