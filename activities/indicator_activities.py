"""Side effects of the indicator chase: decide and record the reminders of unreported indicators.

Indicators (chỉ tiêu) are reported in the progress cycle: for every reporting period
the plan's tasks report on (their progress occurrences), the owner unit of each active
indicator reports its actual value by the same cut-off. An indicator without a value
for a period is chased by the plan's own ladder (domain.policy.decide): reminders to the
owner unit's officers, then the coordinator, the vice-chairman, the chairman.

The decision is made here, on the database's state (values reported, actions already
recorded), at the workflow's clock passed in ``now``. The workflow only keeps the time.
Every write is idempotent: one Event per action (its key marks the action done) and one
outbox row per recipient, both with unique keys.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from activities.task_activities import add_notifications, countdown, plan_contacts, write_retrying
from contracts.indicator_chase import ChaseIndicatorsInput, ChaseIndicatorsResult
from domain.calendar import WorkCalendar, organisation_calendar
from domain.indicators import target_phrase
from domain.policy import CONTACT_FIELDS, Action, Contacts, OccurrenceState, Policy, decide
from persistence.models import (
    Event,
    Indicator,
    IndicatorValue,
    Officer,
    Organisation,
    Plan,
    PlanStatus,
    Unit,
)
from persistence.progress import chased_periods, indicator_event_prefix


class IndicatorActivities:
    """Activities of the indicator chase, bound to the engine of the dondoc database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def chase_indicators(self, params: ChaseIndicatorsInput) -> ChaseIndicatorsResult:
        """Record the chasing actions due at ``params.now``; say when to look again."""
        now = datetime.fromisoformat(params.now)
        return write_retrying(self.engine, lambda session: self._chase(session, params, now))

    def _chase(self, session: Session, params: ChaseIndicatorsInput, now: datetime) -> ChaseIndicatorsResult:
        plan = session.get(Plan, params.plan_id)
        org = session.get(Organisation, params.organisation_id)
        if plan is None or org is None or plan.organisation_id != org.id or plan.status != PlanStatus.ACTIVE:
            return ChaseIndicatorsResult(active=False)
        indicators = list(session.exec(select(Indicator).where(
            Indicator.plan_id == plan.id, Indicator.active == True)  # noqa: E712
            .order_by(col(Indicator.id))))
        periods = chased_periods(session, plan)
        if not indicators or not periods:
            return ChaseIndicatorsResult(active=True)
        reported = set(session.exec(select(IndicatorValue.indicator_id, IndicatorValue.period_key).where(
            col(IndicatorValue.indicator_id).in_([i.id for i in indicators]))).all())
        prefix = indicator_event_prefix(plan.id)
        done = set(session.exec(select(Event.idempotency_key).where(
            Event.organisation_id == org.id, col(Event.idempotency_key).startswith(prefix))).all())
        calendar = organisation_calendar(org.extra_days_off or [], org.makeup_working_days or [])
        policy = Policy.from_dict(plan.policy or None)
        units = {u.code: u.name for u in session.exec(select(Unit).where(Unit.organisation_id == org.id))}
        contacts_by_unit: dict[str, Contacts] = {}
        officers: dict[str, Officer | None] = {}

        def officer_of(username: str) -> Officer | None:
            if username not in officers:
                officers[username] = session.exec(select(Officer).where(
                    Officer.organisation_id == org.id, Officer.username == username)).first()
            return officers[username]

        recorded = unreported = 0
        wakeups: list[datetime] = []
        for indicator in indicators:
            unit = indicator.owner_unit or ""
            if unit not in contacts_by_unit:
                spec = plan_contacts(session, org, plan, [unit] if unit else [])
                contacts_by_unit[unit] = Contacts(lead=tuple(spec.lead), coordinator=tuple(spec.coordinator),
                                                  vice_chairman=tuple(spec.vice_chairman), chairman=tuple(spec.chairman))
            contacts = contacts_by_unit[unit]
            own = indicator_event_prefix(plan.id, indicator.id)
            for period_key, label, due in periods:
                if (indicator.id, period_key) in reported:
                    continue
                unreported += 1
                state = OccurrenceState(
                    # One key per plan and owner unit: its indicators come at the same minute, in one mail.
                    task_key=f"indicators/{plan.id}/{unit}", occurrence_key=f"{period_key}.indicator",
                    period=label, due=due, contacts=contacts,
                    done_keys=frozenset(k[len(own):] for k in done if k.startswith(own)),
                )
                decision = decide(state, now, calendar, policy)
                for action in decision.actions:
                    self._record(session, org, plan, indicator, period_key, action, contacts,
                                 units.get(unit, unit), officer_of, calendar)
                    recorded += 1
                if decision.next_wakeup is not None:
                    wakeups.append(decision.next_wakeup)
        return ChaseIndicatorsResult(active=True, recorded=recorded, unreported=unreported,
                                     next_wakeup=min(wakeups).isoformat() if wakeups else None)

    def _record(self, session: Session, org: Organisation, plan: Plan, indicator: Indicator, period_key: str,
                action: Action, contacts: Contacts, unit_name: str, officer_of: Any, calendar: WorkCalendar) -> None:
        key = indicator_event_prefix(plan.id, indicator.id) + action.key
        tz = ZoneInfo(org.timezone or "Asia/Ho_Chi_Minh")
        day = action.scheduled_at.astimezone(tz).date()
        roles = {u: [f for f in CONTACT_FIELDS if u in getattr(contacts, f)] for u in action.recipients}
        context: dict[str, Any] = {
            "organisation": org.name, "plan_id": plan.id, "plan_title": plan.title, "plan_number": plan.number,
            "plan_code": plan.code, "plan_year": plan.year,
            "indicator_id": indicator.id, "indicator_code": indicator.code, "indicator_text": indicator.text,
            "target": target_phrase(indicator.comparator, indicator.target_value, indicator.unit), "unit": unit_name, "period_key": period_key,
            # The digests list every row by code and title.
            "task_code": indicator.code, "task_title": indicator.text,
            "dashboard_path": f"/indicators?plan={plan.code}&period={period_key}",
            "action_key": action.key, "kind": action.kind, "level": action.level, "period": action.period,
            "due": action.due.isoformat(), "scheduled_at": action.scheduled_at.isoformat(),
            **countdown(day, action.due, calendar),
            "audience": list(action.audience),
        }
        _, unknown = add_notifications(
            session, organisation_id=plan.organisation_id, officer_of=officer_of, key_prefix=key, usernames=list(action.recipients),
            kind=action.kind, level=action.level, context=context, roles=roles, task_id=None, occurrence_id=None,
            not_before=action.scheduled_at.astimezone(UTC),
        )
        session.add(Event(
            organisation_id=plan.organisation_id, at=action.scheduled_at.astimezone(UTC), kind=action.kind, actor="system", idempotency_key=key,
            data={"indicator_id": indicator.id, "indicator_code": indicator.code, "period_key": period_key,
                  "action_key": action.key, "level": action.level, "due": action.due.isoformat(),
                  "recipients": list(action.recipients), "audience": list(action.audience),
                  "unknown_recipients": unknown},
        ))
