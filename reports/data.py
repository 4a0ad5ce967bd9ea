"""What a periodic CCHC report says, read from the plan's state (one pass, few queries).

Everything here is stated as of the end of the period's data window: a completion made
after the window closed is not counted, an update of another period is not read. The
rendering (reports/draft.py) only lays this out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from domain.completion import Window, classify_as_of, completed, completion_rate
from domain.evidence import describe_evidence
from domain.status import Bucket, Counts, local_date
from domain.text import fold
from domain.vocabulary import REFORM_AREAS, Area, EventKind, OccurrenceKind, OccurrenceStatus, ProgressStatus, ReviewStatus
from persistence.models import Event, Occurrence, Organisation, Plan, ProgressUpdate, Task, TaskStatus, Unit, stored_id
from persistence.progress import reporting_calendar
from reports.periods import ReportPeriod, next_period

# The areas the report writes under I, in the order of the periodic report; tasks of
# an area outside this list are written under "Khác".
REPORT_AREAS: tuple[str, ...] = tuple(a.value for a in REFORM_AREAS) + (Area.KHAC.value,)


def evidence_reference(evidence: dict | None) -> str:
    """"Văn bản số 45/BC-UBND ngày 10/03/2026" (plus link or file), or ""."""
    return describe_evidence(evidence, prefix="Văn bản số")


def figures_text(figures: dict | None) -> str:
    """"120 hồ sơ, 98% đúng hạn" from ``{"hồ sơ": 120, "% đúng hạn": 98}``."""
    if not figures:
        return ""
    parts = []
    for name, value in figures.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        shown = f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)
        parts.append(f"{shown}{name}" if str(name).startswith("%") else f"{shown} {name}")
    return ", ".join(parts)


@dataclass
class ResultItem:
    """One accepted update or completion, as a sentence of an area's section."""

    task_code: str
    title: str
    lead: str
    result: str
    figures: str = ""
    evidence: str = ""
    late: bool = False


@dataclass
class AreaSection:
    area: str
    label: str
    tasks: int = 0
    items: list[ResultItem] = field(default_factory=list)
    not_reported: list[str] = field(default_factory=list)  # task titles without an accepted update


@dataclass
class Shortcoming:
    """An overdue or returned task, with the reason given (section III)."""

    task_code: str
    title: str
    lead: str
    what: str  # "Quá hạn 12 ngày (hạn 10/03/2026)" / "Báo cáo bị trả lại"
    reason: str = ""


@dataclass
class UpcomingItem:
    task_code: str
    title: str
    lead: str
    due: date | None
    continuous: bool = False


@dataclass
class AppendixRow:
    area: str
    number: int
    content: str
    lead: str
    due_text: str
    result: str
    evidence: str


@dataclass
class UnitStats:
    unit: str
    counts: Counts

    @property
    def rate(self) -> float | None:
        return completion_rate(self.counts)


@dataclass
class ReportData:
    """Everything the draft writes, in its order."""

    plan_code: str
    plan_title: str
    plan_number: str | None
    issuer: str
    organisation: str
    place: str
    signer: str | None
    signer_role: str | None
    period: ReportPeriod
    next_period: ReportPeriod
    final: bool = False  # the signed report is attached: no "DỰ THẢO"
    final_number: str | None = None
    final_date: date | None = None
    sections: list[AreaSection] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    by_unit: list[UnitStats] = field(default_factory=list)
    updates_accepted: int = 0
    updates_pending: int = 0
    updates_returned: int = 0
    continuous_tasks: int = 0
    shortcomings: list[Shortcoming] = field(default_factory=list)
    upcoming: list[UpcomingItem] = field(default_factory=list)
    appendix: list[AppendixRow] = field(default_factory=list)
    indicators: list[Any] = field(default_factory=list)  # reports.indicators.IndicatorLine

    @property
    def window(self) -> Window:
        return self.period.window

    @property
    def completed(self) -> int:
        return completed(self.counts)

    @property
    def rate(self) -> float | None:
        return completion_rate(self.counts)


def _place(plan: Plan, org: Organisation | None) -> str:
    if plan.place:
        return plan.place
    name = (org.name if org else None) or plan.issuer or ""
    # "UBND xã Ngọc Liên" -> "Ngọc Liên"
    words = name.split()
    for i, word in enumerate(words):
        if fold(word) in ("xa", "phuong", "huyen", "thi", "tran", "tinh", "thanh") and i + 1 < len(words):
            rest = words[i + 1:]
            if fold(word) in ("thi", "thanh") and rest and fold(rest[0]) in ("tran", "xa", "pho"):
                rest = rest[1:]
            return " ".join(rest)
    return name


def is_cchc_report_task(task: Task) -> bool:
    """The plan's own periodic CCHC reporting duty (its completion evidence is the signed report)."""
    title = fold(task.title)
    if "bao cao" not in title:
        return False
    return task.code.upper().startswith("BC") or "cai cach hanh chinh" in title or "cchc" in title


def _lead_text(task: Task, units: dict[str, str]) -> str:
    return "; ".join(units.get(code, code) for code in task.lead_units) or "—"


def collect(session: Session, plan: Plan, period: ReportPeriod, tz: str = "Asia/Ho_Chi_Minh") -> ReportData:
    """Read the plan's state for ``period`` (as of its window's last day).

    Args:
        session: the dondoc database.
        plan: the plan reported on.
        period: the reporting period (reports.periods.parse_period).
        tz: the organisation's time zone (completion days are local days).
    """
    window = period.window
    cutoff = window.end
    org = session.get(Organisation, plan.organisation_id)
    following = next_period(period, reporting_calendar(org) if org else None)
    units = dict(session.exec(select(Unit.code, Unit.name).where(Unit.organisation_id == plan.organisation_id)).all())
    tasks = list(session.exec(
        select(Task).where(Task.plan_id == plan.id, Task.status == TaskStatus.ACTIVE).order_by(col(Task.id))
    ).all())
    task_ids = [t.id for t in tasks]
    occurrences: dict[int, list[Occurrence]] = {}
    for occ in session.exec(select(Occurrence).join(Task, col(Task.id) == Occurrence.task_id)
                            .where(Task.plan_id == plan.id).order_by(col(Occurrence.due))):
        occurrences.setdefault(occ.task_id, []).append(occ)
    updates: dict[int, ProgressUpdate] = {}  # newest update of the period per task
    for newer in session.exec(select(ProgressUpdate).join(Task, col(Task.id) == ProgressUpdate.task_id)
                              .where(Task.plan_id == plan.id, ProgressUpdate.period_key == period.key)
                              .order_by(col(ProgressUpdate.submitted_at), col(ProgressUpdate.id))):
        updates[newer.task_id] = newer
    reasons: dict[int, list[str]] = {}  # occurrence id -> reasons given (extension requests, returns)
    if task_ids:
        for event in session.exec(select(Event).join(Task, col(Task.id) == Event.task_id).where(
            Task.plan_id == plan.id,
            col(Event.kind).in_([EventKind.EXTENSION_REQUESTED.value, EventKind.COMPLETION_REJECTED.value]),
        ).order_by(col(Event.at))):
            reason = str((event.data or {}).get("reason") or "").strip()
            day = local_date(event.at, tz)
            if reason and event.occurrence_id is not None and (day is None or day <= cutoff):
                reasons.setdefault(event.occurrence_id, []).append(reason)

    data = ReportData(
        plan_code=plan.code, plan_title=plan.title, plan_number=plan.number, issuer=plan.issuer,
        organisation=org.name if org else plan.issuer, place=_place(plan, org),
        signer=plan.signer, signer_role=plan.signer_role, period=period, next_period=following,
    )
    sections = {area: AreaSection(area, Area.label_of(area)) for area in REPORT_AREAS}
    unit_counts: dict[str, Counts] = {}
    area_numbers: dict[str, int] = {}

    for task in tasks:
        lead = _lead_text(task, units)
        area = task.area if task.area in sections else Area.KHAC.value
        section = sections[area]
        section.tasks += 1
        own = [o for o in occurrences.get(stored_id(task), []) if o.status != OccurrenceStatus.CANCELLED]
        deadlines = [o for o in own if (o.kind or OccurrenceKind.DEADLINE.value) == OccurrenceKind.DEADLINE.value]
        in_window = [o for o in deadlines if o.effective_due in window]
        results: list[str] = []
        evidence_refs: list[str] = []

        for occ in in_window:
            completed_on = local_date(occ.completed_at, tz)
            bucket = classify_as_of(occ.status, occ.effective_due, completed_on, cutoff)
            data.counts.add(bucket)
            for code in dict.fromkeys(task.lead_units or ["—"]):
                unit_counts.setdefault(units.get(code, code), Counts()).add(bucket)
            if bucket in (Bucket.DONE_ON_TIME, Bucket.DONE_LATE):
                ref = evidence_reference(occ.evidence)
                late = bucket is Bucket.DONE_LATE
                note = str((occ.evidence or {}).get("note") or "").strip()
                section.items.append(ResultItem(
                    task.code, task.title, lead,
                    f"đã hoàn thành{' (quá hạn)' if late else ''} ngày {completed_on:%d/%m/%Y}" if completed_on else "đã hoàn thành",
                    evidence=ref, late=late, figures=note if note and not ref else "",
                ))
                results.append(f"{occ.period}: hoàn thành {'quá hạn' if late else 'đúng hạn'}")
                if ref:
                    evidence_refs.append(ref)
            elif bucket is Bucket.OVERDUE:
                days = (cutoff - occ.effective_due).days
                data.shortcomings.append(Shortcoming(
                    task.code, task.title, lead, f"Quá hạn {days} ngày (hạn {occ.effective_due:%d/%m/%Y}), chưa hoàn thành",
                    "; ".join(reasons.get(stored_id(occ), [])),
                ))
                results.append(f"{occ.period}: quá hạn, chưa hoàn thành")
            elif bucket is Bucket.ON_TRACK:
                results.append(f"{occ.period}: đang thực hiện trong hạn")
        # Overdue before the window and still unfinished at its end: carried over, listed too.
        for occ in deadlines:
            if occ.effective_due < window.start:
                completed_on = local_date(occ.completed_at, tz)
                if classify_as_of(occ.status, occ.effective_due, completed_on, cutoff) is Bucket.OVERDUE:
                    results.append(f"{occ.period}: quá hạn từ kỳ trước, chưa hoàn thành")
                    data.shortcomings.append(Shortcoming(
                        task.code, task.title, lead,
                        f"Chưa hoàn thành từ kỳ trước (hạn {occ.effective_due:%d/%m/%Y})",
                        "; ".join(reasons.get(stored_id(occ), [])),
                    ))
        # Done early: due after the window but completed inside it — a result of this period,
        # though not in the rate (which counts what fell due in the window).
        for occ in deadlines:
            completed_on = local_date(occ.completed_at, tz)
            if (occ.effective_due > window.end and occ.status == OccurrenceStatus.DONE
                    and completed_on is not None and completed_on in window):
                ref = evidence_reference(occ.evidence)
                section.items.append(ResultItem(
                    task.code, task.title, lead,
                    f"đã hoàn thành sớm ngày {completed_on:%d/%m/%Y} (hạn {occ.effective_due:%d/%m/%Y})", evidence=ref,
                ))
                results.append(f"{occ.period}: hoàn thành trước hạn")
                if ref:
                    evidence_refs.append(ref)
        if not deadlines:
            data.continuous_tasks += 1

        update = updates.get(stored_id(task))
        if update is not None:
            review = update.review_status
            if review == ReviewStatus.ACCEPTED.value:
                data.updates_accepted += 1
                ref = evidence_reference(update.evidence)
                section.items.append(ResultItem(
                    task.code, task.title, lead, update.result.strip() or ProgressStatus.label_of(update.status),
                    figures=figures_text(update.figures), evidence=ref,
                ))
                results.append(update.result.strip() or ProgressStatus.label_of(update.status))
                if ref:
                    evidence_refs.append(ref)
                if update.status == ProgressStatus.BLOCKED.value:
                    data.shortcomings.append(Shortcoming(task.code, task.title, lead, "Gặp vướng mắc", update.result.strip()))
            elif review == ReviewStatus.RETURNED.value:
                data.updates_returned += 1
                data.shortcomings.append(Shortcoming(
                    task.code, task.title, lead, "Báo cáo kết quả bị trả lại, chưa bổ sung",
                    (update.review_reason or "").strip(),
                ))
                results.append("báo cáo bị trả lại")
            else:
                data.updates_pending += 1
                results.append("đã báo cáo, chờ thường trực xác nhận")
        elif not in_window:
            section.not_reported.append(task.title)

        # Section IV: due in the next period's window after this one ends (or continuous).
        for occ in deadlines:
            if cutoff < occ.effective_due <= following.window.end and occ.status in (OccurrenceStatus.OPEN, OccurrenceStatus.SUBMITTED):
                data.upcoming.append(UpcomingItem(task.code, task.title, lead, occ.effective_due))

        area_numbers[area] = area_numbers.get(area, 0) + 1
        due_texts = [f"{o.effective_due:%d/%m/%Y}" for o in in_window]
        data.appendix.append(AppendixRow(
            area=area, number=area_numbers[area], content=task.text or task.title, lead=lead,
            due_text="; ".join(due_texts) if due_texts else (task.deadline_text or "Thường xuyên"),
            result="; ".join(results) if results else "Chưa báo cáo",
            evidence="\n".join(dict.fromkeys(evidence_refs)),
        ))

    data.upcoming.sort(key=lambda u: (u.due or date.max, u.task_code))
    data.sections = [s for s in sections.values() if s.area != Area.KHAC.value or s.tasks]
    data.by_unit = [UnitStats(name, counts) for name, counts in sorted(unit_counts.items())]
    data.appendix.sort(key=lambda r: (REPORT_AREAS.index(r.area), r.number))
    _final_state(data, tasks, occurrences, period)
    return data


def _final_state(data: ReportData, tasks: list[Task], occurrences: dict[int, list[Occurrence]], period: ReportPeriod) -> None:
    """Signed when the reporting task's occurrence of this period is done with a document as evidence."""
    for task in tasks:
        if not is_cchc_report_task(task):
            continue
        for occ in occurrences.get(stored_id(task), []):
            # The report of a period is due after its window closes, by the 20th of the last month
            # (or a little later when the province sets its own date).
            if not (period.window.end < occ.effective_due <= date.fromordinal(period.due.toordinal() + 31)):
                continue
            ev = occ.evidence or {}
            if occ.status == OccurrenceStatus.DONE and (ev.get("file") or ev.get("document_number")):
                data.final = True
                data.final_number = ev.get("document_number")
                try:
                    data.final_date = date.fromisoformat(str(ev.get("document_date")))
                except ValueError:
                    data.final_date = None
                return


def load_plan(session: Session, code: str, organisation_id: int | None = None) -> Plan | None:
    """The plan with ``code`` (within an organisation when given)."""
    query = select(Plan).where(Plan.code == code)
    if organisation_id is not None:
        query = query.where(Plan.organisation_id == organisation_id)
    return session.exec(query).first()


def as_local_day(moment: datetime | None, tz: str) -> date | None:
    return local_date(moment, tz)
