"""Side effects of the task workflow: DB writes (events, occurrence states, outbox rows).

Every write is idempotent under retry: events and notifications carry unique
idempotency keys built by the workflow from stable names (action keys, message IDs),
and are inserted only if absent; occurrence updates set values rather than add to them.
A retry that races a still-running first attempt loses on the unique index and then
finds the rows there. Business failures (unknown task) are non-retryable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.task_activities import (
    ActionSpec,
    LoadDefinitionInput,
    OccurrenceChange,
    RecordActionsInput,
    RecordEventInput,
    RecordProgressInput,
    SetOccurrenceStatusInput,
    SyncOccurrencesInput,
    YearOccurrences,
)
from contracts.task_workflow import ContactsSpec, OccurrenceSpec, TaskDefinition
from domain.calendar import WorkCalendar, organisation_calendar
from persistence.models import (
    Event,
    Notification,
    Occurrence,
    OccurrenceStatus,
    Officer,
    OfficerUnit,
    Organisation,
    Plan,
    ProgressUpdate,
    Role,
    Task,
    Unit,
    utcnow,
)


def _calendar(org: Organisation) -> WorkCalendar:
    return organisation_calendar(org.extra_days_off or [], org.makeup_working_days or [])


def resolved_days(calendar: WorkCalendar, first_year: int, last_year: int) -> tuple[list[str], list[str]]:
    """The calendar's weekdays off and working weekend days of whole years, as ISO dates.

    Workflows count working days on these (WorkCalendar.resolved), never on the holidays
    package: the result is recorded in history, so a newer package cannot change it.
    """
    days_off, weekend = calendar.exceptions(date(first_year, 1, 1), date(last_year, 12, 31))
    return [d.isoformat() for d in days_off], [d.isoformat() for d in weekend]


def _spec(row: Occurrence) -> OccurrenceSpec:
    return OccurrenceSpec(
        key=row.key, period=row.period, nominal=row.nominal.isoformat(), due=row.due.isoformat(),
        status=OccurrenceStatus(row.status).value,
        extended_due=row.extended_due.isoformat() if row.extended_due else None,
        lead_username=row.lead_username,
    )


class _Loaded:
    """The rows an activity needs about one task, loaded once per call."""

    def __init__(self, session: Session, organisation_id: int, task_id: int) -> None:
        task = session.get(Task, task_id)
        if task is None or task.organisation_id != organisation_id:
            raise ApplicationError(f"Task {task_id} of organisation {organisation_id} not found",
                                   type="TaskNotFound", non_retryable=True)
        plan = session.get(Plan, task.plan_id)
        org = session.get(Organisation, organisation_id)
        if plan is None or org is None:  # foreign keys make this impossible; say so if it happens
            raise ApplicationError(f"Plan or organisation of task {task_id} not found", type="TaskNotFound",
                                   non_retryable=True)
        self.session = session
        self.task: Task = task
        self.task_id: int = task_id
        self.plan: Plan = plan
        self.org: Organisation = org
        self.org_id: int = organisation_id
        self._officers: dict[str, Officer | None] = {}

    def occurrence(self, key: str | None) -> Occurrence | None:
        if key is None:
            return None
        return self.session.exec(
            select(Occurrence).where(Occurrence.task_id == self.task_id, Occurrence.key == key)
        ).first()

    def officer(self, username: str) -> Officer | None:
        if username not in self._officers:
            self._officers[username] = self.session.exec(
                select(Officer).where(Officer.organisation_id == self.org_id, Officer.username == username)
            ).first()
        return self._officers[username]

    def base_context(self) -> dict[str, Any]:
        return {
            "organisation": self.org.name,
            "plan_title": self.plan.title,
            "plan_number": self.plan.number,
            "plan_code": self.plan.code,
            "plan_year": self.plan.year,
            "task_id": self.task_id,
            "task_code": self.task.code,
            "task_title": self.task.title,
            "product": self.task.product,
            "dashboard_path": f"/tasks/{self.task_id}",
        }


def _event_exists(session: Session, key: str) -> bool:
    return session.exec(select(Event.id).where(Event.idempotency_key == key)).first() is not None


def _notification_exists(session: Session, key: str) -> bool:
    return session.exec(select(Notification.id).where(Notification.idempotency_key == key)).first() is not None


def _aware(value: str) -> datetime:
    """An aware ISO datetime, in UTC (the DB stores UTC; SQLite drops the offset)."""
    return datetime.fromisoformat(value).astimezone(UTC)


def write_retrying(engine: Engine, fn: Callable[[Session], Any]) -> Any:
    """Run ``fn(session)`` in a transaction; on a lost insert race, run it once more.

    The second run sees the rows the concurrent attempt committed and skips them.
    """
    for attempt in (1, 2):
        with Session(engine, expire_on_commit=False) as session:
            try:
                result = fn(session)
                session.commit()
                return result
            except IntegrityError:
                session.rollback()
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def countdown(day: date, due: date, calendar: WorkCalendar) -> dict[str, int]:
    """How far ``day`` is from ``due``, as the mails say it (days and working days, late or left)."""
    return {
        "days_overdue": max(0, (day - due).days),
        "working_days_overdue": max(0, calendar.working_days_between(due, day)),
        "days_left": max(0, (due - day).days),
        "working_days_left": max(0, calendar.working_days_between(day, due)),
    }


def add_notifications(
    session: Session,
    *,
    organisation_id: int,
    officer_of: Callable[[str], Officer | None],
    key_prefix: str,
    usernames: list[str],
    kind: str,
    level: int,
    context: dict[str, Any],
    roles: dict[str, list[str]],
    task_id: int | None,
    occurrence_id: int | None,
    not_before: datetime | None,
) -> tuple[int, list[str]]:
    """Insert one outbox row per recipient (if absent); returns (inserted, unknown usernames).

    Officers without an e-mail address or no longer active are returned as unknown.
    The rows of one call share ``context`` and list every recipient (the mail names them).
    """
    inserted, unknown = 0, []
    recipients = []
    for username in usernames:
        officer = officer_of(username)
        recipients.append({
            "username": username,
            "name": officer.full_name if officer else username,
            "roles": roles.get(username, []),
        })
    for username in usernames:
        officer = officer_of(username)
        if officer is None or not officer.active or not officer.email:
            unknown.append(username)
            continue
        key = f"{key_prefix}:{username}"
        if _notification_exists(session, key):
            continue
        session.add(Notification(
            organisation_id=organisation_id,
            idempotency_key=key,
            task_id=task_id,
            occurrence_id=occurrence_id,
            recipient_id=officer.id,
            recipient_email=officer.email,
            recipient_name=officer.full_name,
            kind=kind,
            level=level,
            context={
                **context,
                "recipient_username": username,
                "recipient_name": officer.full_name,
                "recipient_roles": roles.get(username, []),
                "recipients": recipients,
            },
            not_before=not_before,
        ))
        inserted += 1
    return inserted, unknown


def plan_contacts(session: Session, org: Organisation, plan: Plan, lead_units: list[str]) -> ContactsSpec:
    """Who is told about work of ``plan`` led by ``lead_units``.

    lead = active officers of the lead units; coordinator = the coordinators (role),
    else the officers of the plan's standing unit; vice-chairman = the plan's
    vice-chairman in charge, else every vice-chairman; chairman = the chairman;
    decider (extensions) = the plan's vice-chairman in charge, else the chairman.
    """
    officers = list(session.exec(
        select(Officer).where(Officer.organisation_id == org.id, Officer.active == True)  # noqa: E712
        .order_by(Officer.username)
    ))

    def of_units(codes: list[str]) -> list[str]:
        if not codes:
            return []
        unit_ids = {u.id for u in session.exec(
            select(Unit).where(Unit.organisation_id == org.id, col(Unit.code).in_(codes))
        )}
        linked = {link.officer_id for link in session.exec(
            select(OfficerUnit).where(col(OfficerUnit.unit_id).in_(unit_ids))
        )} if unit_ids else set()
        return [o.username for o in officers if o.id in linked]

    def with_role(role: Role) -> list[str]:
        return [o.username for o in officers if Role(o.role) == role]

    coordinators = with_role(Role.COORDINATOR)
    if not coordinators and plan.standing_unit_id:
        standing = session.get(Unit, plan.standing_unit_id)
        coordinators = of_units([standing.code]) if standing else []
    in_charge = [o.username for o in officers if o.id == plan.vice_chairman_id]
    return ContactsSpec(
        lead=of_units(list(lead_units)),
        coordinator=coordinators,
        vice_chairman=in_charge or with_role(Role.VICE_CHAIRMAN),
        chairman=with_role(Role.CHAIRMAN),
        decider=in_charge or with_role(Role.CHAIRMAN),
    )


class TaskActivities:
    """Activities of TaskWorkflow, bound to one database engine (built in worker.py).

    Methods are synchronous (SQLAlchemy is), so the worker runs them in a thread pool.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- helpers -----------------------------------------------------------------------

    def _write(self, fn: Any) -> Any:
        return write_retrying(self.engine, fn)

    # -- activities ----------------------------------------------------------------------

    @activity.defn
    def load_definition(self, params: LoadDefinitionInput) -> TaskDefinition:
        """Read the task, its plan, contacts, calendar and stored occurrences.

        Contacts: lead = active officers of the task's lead units; coordinator = the
        coordinators (role), else the officers of the plan's standing unit;
        vice-chairman = the plan's vice-chairman in charge, else every vice-chairman;
        chairman = the chairman.
        """
        with Session(self.engine) as session:
            loaded = _Loaded(session, params.organisation_id, params.task_id)
            task, plan, org = loaded.task, loaded.plan, loaded.org
            rows = list(session.exec(
                select(Occurrence).where(Occurrence.task_id == task.id).order_by(col(Occurrence.due), col(Occurrence.key))
            ))
            schedule = task.deadline_schedule
            years = [plan.year, *(r.due.year for r in rows)]
            days_off, weekend_working = resolved_days(_calendar(org), min(years) - 1, max(years) + 1)
            return TaskDefinition(
                plan_year=plan.year,
                schedule=schedule,
                policy=dict(plan.policy or {}),
                contacts=plan_contacts(session, org, plan, list(task.lead_units or [])),
                extra_days_off=list(org.extra_days_off or []),
                makeup_working_days=list(org.makeup_working_days or []),
                requires_confirmation=plan.requires_confirmation,
                repeats_yearly=bool(schedule and schedule.get("repeats_yearly")),
                occurrences=[_spec(r) for r in rows],
                resolved_days_off=days_off,
                resolved_weekend_working_days=weekend_working,
            )

    @activity.defn
    def record_actions(self, params: RecordActionsInput) -> int:
        """Record chasing actions: one Event and one outbox Notification per recipient.

        Returns:
            The number of notification rows inserted by this call (0 on a replayed call).
        """

        def write(session: Session) -> int:
            loaded = _Loaded(session, params.organisation_id, params.task_id)
            tz = ZoneInfo(loaded.org.timezone or "Asia/Ho_Chi_Minh")
            calendar = _calendar(loaded.org)
            inserted = 0
            for action in params.actions:
                inserted += self._record_action(loaded, action, tz, calendar)
            return inserted

        return self._write(write)

    def _record_action(self, loaded: _Loaded, action: ActionSpec, tz: ZoneInfo, calendar: WorkCalendar) -> int:
        session = loaded.session
        prefix = f"task-{loaded.task_id}/{action.key}"
        occurrence = loaded.occurrence(action.occurrence_key)
        scheduled = _aware(action.scheduled_at)
        due = date.fromisoformat(action.due)
        day = scheduled.astimezone(tz).date()  # the local working day
        context = {
            **loaded.base_context(),
            "action_key": action.key,
            "kind": action.kind,
            "level": action.level,
            "occurrence_key": action.occurrence_key,
            "period": action.period,
            "due": action.due,
            "original_due": occurrence.due.isoformat() if occurrence else action.due,
            "extended": bool(occurrence and occurrence.extended_due),
            "scheduled_at": action.scheduled_at,
            **countdown(day, due, calendar),
            "audience": list(action.audience),
        }
        inserted, unknown = add_notifications(
            session, organisation_id=loaded.org_id, officer_of=loaded.officer, key_prefix=prefix,
            usernames=list(action.recipients), kind=action.kind, level=action.level, context=context,
            roles=action.roles, task_id=loaded.task_id, occurrence_id=occurrence.id if occurrence else None,
            not_before=scheduled,
        )
        if not _event_exists(session, prefix):
            session.add(Event(
                organisation_id=loaded.org_id, task_id=loaded.task_id,
                occurrence_id=occurrence.id if occurrence else None,
                at=scheduled, kind=action.kind, actor="system", idempotency_key=prefix,
                data={
                    "action_key": action.key, "level": action.level, "period": action.period,
                    "due": action.due, "recipients": list(action.recipients),
                    "audience": list(action.audience), "unknown_recipients": unknown,
                },
            ))
        if occurrence is not None and occurrence.last_action_key != action.key:
            occurrence.last_action_key = action.key
            occurrence.updated_at = utcnow()
            session.add(occurrence)
        return inserted

    @activity.defn
    def record_event(self, params: RecordEventInput) -> bool:
        """Record one event from a message, apply its occurrence change, notify.

        Returns:
            True if written now, False if this key was already recorded (a retry).
        """

        return self._write(lambda session: self._record_event_in(session, params) is not None)

    def _record_event_in(self, session: Session, params: RecordEventInput) -> _Loaded | None:
        """record_event's work inside ``session``; None if the key was already recorded."""
        if _event_exists(session, params.idempotency_key):
            return None
        loaded = _Loaded(session, params.organisation_id, params.task_id)
        occurrence = loaded.occurrence(params.occurrence_key)
        if params.change is not None:
            occurrence = self._apply(loaded, params.change) or occurrence
        at = _aware(params.at)
        session.add(Event(
            organisation_id=loaded.org_id, task_id=loaded.task_id,
            occurrence_id=occurrence.id if occurrence else None,
            at=at, kind=params.kind, actor=params.actor, data=dict(params.data),
            idempotency_key=params.idempotency_key,
        ))
        if params.notify:
            context = {
                **loaded.base_context(),
                "kind": params.kind,
                "level": 0,
                "actor": params.actor,
                "actor_name": actor.full_name if (actor := loaded.officer(params.actor)) else params.actor,
                "occurrence_key": params.occurrence_key,
                "period": occurrence.period if occurrence else params.data.get("period"),
                "due": (occurrence.effective_due.isoformat() if occurrence else params.data.get("due")),
                "scheduled_at": params.at,
                **{k: v for k, v in params.data.items() if k not in ("recipients",)},
            }
            add_notifications(
                session, organisation_id=loaded.org_id, officer_of=loaded.officer, key_prefix=params.idempotency_key,
                usernames=list(params.notify), kind=params.kind, level=0, context=context, roles=params.notify_roles,
                task_id=loaded.task_id, occurrence_id=occurrence.id if occurrence else None, not_before=None,
            )
        return loaded

    @activity.defn
    def record_progress(self, params: RecordProgressInput) -> bool:
        """Record a progress update (a new ProgressUpdate row) or its review, with its event.

        Idempotent by the event's key: a retry finds the event and changes nothing.

        Returns:
            True if written now, False on a retry of a recorded call.
        """

        def write(session: Session) -> bool:
            event = params.event
            loaded = self._record_event_in(session, event)
            if loaded is None:
                return False
            occurrence = loaded.occurrence(event.occurrence_key)
            at = _aware(event.at)
            if params.progress is not None:
                p = params.progress
                session.add(ProgressUpdate(
                    organisation_id=loaded.org_id, task_id=loaded.task_id,
                    occurrence_id=occurrence.id if occurrence else None, period_key=params.period_key,
                    status=p["status"], result=p.get("result", ""), figures=dict(p.get("figures") or {}),
                    evidence=dict(p.get("evidence") or {}) or None, submitted_by=event.actor, submitted_at=at,
                    review_status=p.get("review_status", "pending"),
                    reviewed_by=event.actor if p.get("review_status") == "accepted" else None,
                    reviewed_at=at if p.get("review_status") == "accepted" else None,
                    idempotency_key=event.idempotency_key,
                ))
            if params.review is not None:
                row = session.exec(
                    select(ProgressUpdate).where(ProgressUpdate.task_id == loaded.task_id,
                                                 ProgressUpdate.period_key == params.period_key,
                                                 ProgressUpdate.review_status == "pending")
                    .order_by(col(ProgressUpdate.submitted_at).desc(), col(ProgressUpdate.id).desc())
                ).first()
                if row is not None:
                    row.review_status = params.review["review_status"]
                    row.review_reason = params.review.get("reason") or None
                    row.reviewed_by, row.reviewed_at = event.actor, at
                    session.add(row)
            return True

        return self._write(write)

    def _apply(self, loaded: _Loaded, change: OccurrenceChange) -> Occurrence | None:
        occurrence = loaded.occurrence(change.occurrence_key)
        if occurrence is None:
            return None
        if change.status is not None:
            occurrence.status = OccurrenceStatus(change.status)
        if change.extended_due is not None:
            occurrence.extended_due = date.fromisoformat(change.extended_due)
        if change.lead_username is not None:
            occurrence.lead_username = change.lead_username or None
        if change.clear_completion:
            occurrence.completed_at = None
            occurrence.evidence = None
        if change.completed_at is not None:
            occurrence.completed_at = _aware(change.completed_at)
        if change.evidence is not None:
            occurrence.evidence = dict(change.evidence)
        occurrence.updated_at = utcnow()
        loaded.session.add(occurrence)
        return occurrence

    @activity.defn
    def set_occurrence_status(self, params: SetOccurrenceStatusInput) -> int:
        """Set fields of occurrence rows (idempotent: values are set, not added).

        Returns:
            How many rows were found and updated.
        """

        def write(session: Session) -> int:
            loaded = _Loaded(session, params.organisation_id, params.task_id)
            return sum(1 for change in params.changes if self._apply(loaded, change) is not None)

        return self._write(write)

    @activity.defn
    def sync_occurrences(self, params: SyncOccurrencesInput) -> YearOccurrences:
        """Expand the task's schedule for ``year`` with today's organisation calendar.

        Rows are inserted if absent (existing ones keep status and dates). Done here,
        not in the workflow, so that the result (which depends on the holidays data and
        on calendar changes the organisation made since) is recorded in history.
        """
        from domain.deadlines import Schedule, expand
        from domain.reporting import progress_due_dates

        def write(session: Session) -> YearOccurrences:
            loaded = _Loaded(session, params.organisation_id, params.task_id)
            org, task = loaded.org, loaded.task
            dues = []
            if task.deadline_schedule:
                dues = expand(Schedule.from_dict(task.deadline_schedule), params.year, _calendar(org))
            if task.deadline_schedule and task.deadline_schedule.get("repeats_yearly"):
                # The next year's progress updates too (the reporting cycle, persistence.progress).
                from persistence.progress import reporting_calendar, sync_task_progress

                calendar = reporting_calendar(org)
                sync_task_progress(session, task, calendar, params.year)
                session.flush()
                dues = sorted([*dues, *progress_due_dates(calendar, params.year)], key=lambda d: (d.due, d.key))
            specs = []
            for due in dues:
                row = loaded.occurrence(due.key)
                if row is None:
                    row = Occurrence(
                        organisation_id=loaded.org_id, task_id=loaded.task_id, key=due.key, period=due.period,
                        nominal=due.nominal, due=due.due,
                    )
                    session.add(row)
                    session.flush()
                specs.append(_spec(row))
            days_off, weekend_working = resolved_days(_calendar(org), params.year - 1, params.year + 1)
            return YearOccurrences(
                year=params.year, occurrences=specs,
                extra_days_off=list(org.extra_days_off or []),
                makeup_working_days=list(org.makeup_working_days or []),
                resolved_days_off=days_off, resolved_weekend_working_days=weekend_working,
                resolved_from=date(params.year - 1, 1, 1).isoformat(),
            )

        return self._write(write)
