"""TaskWorkflow: one durable workflow per plan task that chases its owners.

The workflow holds the state of every occurrence of its task (Quý I/2026, ...). It
sleeps until the earliest wake-up the pure policy (domain.policy.decide) asks for
among the open occurrences, or until a message arrives; then it asks the policy what
is due for each open occurrence and records those actions through activities (events
and outbox notifications), remembering their keys so nothing is done twice.

Messages: updates (submit/review completion, request/decide extension, a new task
definition) are validated and answered only after the database has the result; signals
(reassign, cancel) need no answer. The ``state`` query serves dashboards.

Repeating schedules load the next year's occurrences on 1 November (an activity does
the expansion, so holiday data and organisation calendar changes are recorded in
history and replay stays deterministic), and the run then continues as new. A run
also continues as new when its history grows long and an occurrence has just closed.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    # The holidays package loads its country tables lazily: pass them through so that
    # no workflow re-imports them inside its sandbox.
    import dateutil.parser  # noqa: F401
    import holidays.countries  # noqa: F401
    import holidays.countries.vietnam  # noqa: F401
    from activities.task_activities import TaskActivities
    from contracts.task_activities import (
        ActionSpec,
        LoadDefinitionInput,
        OccurrenceChange,
        RecordActionsInput,
        RecordEventInput,
        RecordProgressInput,
        SetOccurrenceStatusInput,
        SyncOccurrencesInput,
    )
    from domain.calendar import WorkCalendar
    from domain.policy import (
        DEFAULT_POLICY,
        Contacts,
        OccurrenceState,
        OccurrenceStatus,
        Policy,
        decide,
        policy_problems,
    )
    from contracts.task_workflow import (
        CANCELLED,
        DONE,
        OPEN,
        SUBMITTED,
        Cancel,
        CarriedState,
        ContactsSpec,
        DecideExtension,
        OccurrenceSnapshot,
        OccurrenceView,
        Reassign,
        RequestExtension,
        ReviewCompletion,
        SubmitCompletion,
        TaskDefinition,
        TaskStateView,
        TaskWorkflowInput,
    )
    from contracts.task_workflow import PROGRESS_STATUSES, ReviewProgress, SubmitProgress, is_progress_key

# Small DB transactions; a call that takes longer is stuck, not busy.
DB_TIMEOUT = timedelta(seconds=30)
# Activities behind an update: a person waits for the answer, so give up after a few
# quick tries and fail the update (nothing changed) instead of the default of retrying
# forever. Chasing activities keep the default: a DB outage delays a reminder, never loses it.
ANSWER_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=5),
                           maximum_attempts=3)
# Patch: extension requests go to the plan's decider; a reassignment tells the previous owner.
DECIDER_AND_PREVIOUS_OWNER = "decider-and-previous-owner"
# Patch: a policy outside domain.policy's rule is refused (the workflow fails with the
# reason; an update carrying one is refused) instead of failing every workflow task.
REFUSE_UNRUNNABLE_POLICY = "refuse-unrunnable-policy"
# A cancellation the database refused is tried again after this long.
CANCEL_RETRY_AFTER = timedelta(minutes=1)
CONTACT_FIELDS = ("lead", "coordinator", "vice_chairman", "chairman")
CLOSED = (DONE, CANCELLED)
# Next year's occurrences are loaded this long before the year ends (1 November):
# enough for any reminder ladder of an early-January deadline.
ROLL_OVER_MONTH = 11


def _key_year(snap: OccurrenceSnapshot) -> int:
    return int(snap.key[:4]) if snap.key[:4].isdigit() else date.fromisoformat(snap.due).year


def _reject(message: str) -> ApplicationError:
    """A refusal the caller sees (Vietnamese), e.g. in an update validator."""
    return ApplicationError(message, type="Refused", non_retryable=True)


def _vn(day: str | date) -> str:
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return value.strftime("%d/%m/%Y")


# The type name is fixed: renaming the class must never orphan the running workflows.
@workflow.defn(name="TaskWorkflow")
class TaskWorkflow:
    """Chases the owners of one plan task, for every occurrence, until cancelled or done."""

    @workflow.init
    def __init__(self, params: TaskWorkflowInput) -> None:
        self._params = params
        self._ready = False
        self._definition = TaskDefinition(plan_year=params.plan_year or 0, schedule=None, policy={},
                                          contacts=ContactsSpec())
        self._policy: Policy = DEFAULT_POLICY
        self._calendar = WorkCalendar()
        self._tz = DEFAULT_POLICY.zone()
        self._occ: dict[str, OccurrenceSnapshot] = {}
        self._lead_override: list[str] | None = None
        self._expanded_through = params.plan_year or 0
        self._run_no = 0
        self._cancel: Cancel | None = None
        self._cancelled = False
        self._wake = False
        self._next_by_occ: dict[str, datetime | None] = {}
        self._next_wakeup: datetime | None = None
        self._closed_this_run = False
        self._rolled_this_run = False
        # Serialises message handlers: each checks, writes the DB, then changes state.
        self._lock = asyncio.Lock()
        self._progress_on = False

    # -- main loop ---------------------------------------------------------------------

    @workflow.run
    async def run(self, params: TaskWorkflowInput) -> str:
        """Chase until every occurrence is closed (non-repeating) or the task is cancelled.

        Returns:
            A one-line summary ("done 3, cancelled 1, ...").
        """
        await self._initialise(params)
        # Since this patch a completed one-off task stops reporting progress on later periods.
        self._progress_on = workflow.patched("progress-occurrences")
        self._ready = True
        while True:
            self._wake = False
            if self._cancel is not None:
                if await self._cancel_everything():
                    break
                # The database refused the cancellation: the lock is free again (messages
                # are answered meanwhile); try again in a while.
                await workflow.sleep(CANCEL_RETRY_AFTER)
                continue
            if self._roll_over_due():
                await self._roll_over()
            if self._progress_on:
                await self._close_later_progress()
            await self._chase()
            if self._cancel is not None:
                continue
            if self._finished():
                break
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._cancel is None:
                    workflow.continue_as_new(self._carry())
                continue
            wakeup = self._plan_wakeup()
            timeout = None if wakeup is None else max(wakeup - workflow.now(), timedelta(seconds=1))
            try:
                await workflow.wait_condition(lambda: self._wake, timeout=timeout)
            except asyncio.TimeoutError:
                pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        counts: dict[str, int] = {}
        for snap in self._occ.values():
            counts[snap.status] = counts.get(snap.status, 0) + 1
        return ", ".join(f"{status} {n}" for status, n in sorted(counts.items())) or "no occurrences"

    async def _initialise(self, params: TaskWorkflowInput) -> None:
        if params.occurrences is not None or params.carried is not None:
            definition = self._definition_from(params)
        else:
            definition = await workflow.execute_activity_method(
                TaskActivities.load_definition,
                LoadDefinitionInput(organisation_id=params.organisation_id, task_id=params.task_id),
                start_to_close_timeout=DB_TIMEOUT,
            )
        refusal = self._policy_refusal(definition)
        if refusal is not None:
            # Fail the workflow, visibly and once: retrying cannot make the policy runnable.
            raise ApplicationError(refusal, type="InvalidPolicy", non_retryable=True)
        carried = params.carried
        if carried is not None:
            self._lead_override = carried.lead_override
        self._set_definition(definition)
        if carried is not None:
            self._occ = {s.key: s for s in carried.occurrences}
            self._expanded_through = carried.expanded_through
            self._run_no = carried.run
        else:
            self._merge_occurrences(definition)
            years = [_key_year(s) for s in self._occ.values()]
            self._expanded_through = max([definition.plan_year, *years])

    def _definition_from(self, params: TaskWorkflowInput) -> TaskDefinition:
        schedule = params.schedule
        repeats = params.repeats_yearly
        if repeats is None:
            repeats = bool(schedule and schedule.get("repeats_yearly"))
        return TaskDefinition(
            plan_year=params.plan_year or 0,
            schedule=schedule,
            policy=dict(params.policy or {}),
            contacts=params.contacts or ContactsSpec(),
            extra_days_off=list(params.extra_days_off),
            makeup_working_days=list(params.makeup_working_days),
            requires_confirmation=True if params.requires_confirmation is None else params.requires_confirmation,
            repeats_yearly=repeats,
            occurrences=list(params.occurrences or []),
            resolved_days_off=params.resolved_days_off,
            resolved_weekend_working_days=params.resolved_weekend_working_days,
        )

    def _policy_refusal(self, definition: TaskDefinition) -> str | None:
        """Why the definition's policy cannot be run (Vietnamese), or None.

        Histories from before the rule ran such policies (or failed on them): they keep
        doing so on replay, as the patch marker is missing there.
        """
        problems = policy_problems(definition.policy) if definition.policy else []
        if not problems or not workflow.patched(REFUSE_UNRUNNABLE_POLICY):
            return None
        reasons = "; ".join(message for _, message in problems)
        return (f"Không thể đôn đốc nhiệm vụ: cách đôn đốc của kế hoạch không hợp lệ ({reasons}). "
                "Sửa mục chasing của tệp rà soát (dondoc plan check) rồi kích hoạt lại.")

    def _set_definition(self, definition: TaskDefinition) -> None:
        self._definition = definition
        # Unchecked here: a policy outside the rule was refused before (_policy_refusal)
        # unless a history from before the rule is replayed, which must run as it ran.
        self._policy = Policy.from_dict(definition.policy, checked=False) if definition.policy else DEFAULT_POLICY
        self._tz = self._policy.zone()
        # Working days resolved by the activity (recorded in history) rather than read
        # from the holidays package here: a newer package must not move the dates of a
        # history. Definitions recorded before they existed keep the package's calendar.
        if definition.resolved_days_off is not None and workflow.patched("resolved-calendar"):
            self._calendar = WorkCalendar.resolved(
                days_off=[date.fromisoformat(d) for d in definition.resolved_days_off],
                weekend_working_days=[date.fromisoformat(d) for d in definition.resolved_weekend_working_days or []],
            )
            return
        self._calendar = WorkCalendar(
            extra_days_off=[date.fromisoformat(d) for d in definition.extra_days_off],
            makeup_working_days=[date.fromisoformat(d) for d in definition.makeup_working_days],
        )

    def _merge_occurrences(self, definition: TaskDefinition) -> None:
        """Add new occurrences; follow date changes and cancellations of open ones."""
        for spec in definition.occurrences:
            snap = self._occ.get(spec.key)
            if snap is None:
                self._occ[spec.key] = OccurrenceSnapshot(
                    key=spec.key, period=spec.period, nominal=spec.nominal, due=spec.due,
                    extended_due=spec.extended_due, status=spec.status,
                    lead=spec.lead_username.split(",") if spec.lead_username else None,
                )
                continue
            if snap.status in CLOSED:
                continue
            snap.period, snap.nominal, snap.due = spec.period, spec.nominal, spec.due
            if spec.status == CANCELLED:
                snap.status = CANCELLED
                self._closed_this_run = True
        self._occ = dict(sorted(self._occ.items(), key=lambda kv: (kv[1].due, kv[0])))

    def _contacts(self) -> ContactsSpec:
        c = self._definition.contacts
        lead = self._lead_override if self._lead_override is not None else c.lead
        return ContactsSpec(lead=list(lead), coordinator=list(c.coordinator),
                            vice_chairman=list(c.vice_chairman), chairman=list(c.chairman),
                            decider=list(c.decider) if c.decider is not None else None)

    def _lead_of(self, snap: OccurrenceSnapshot) -> list[str]:
        return list(snap.lead) if snap.lead is not None else self._contacts().lead

    def _state_of(self, snap: OccurrenceSnapshot) -> OccurrenceState:
        c = self._contacts()
        return OccurrenceState(
            task_key=self._params.workflow_id,
            occurrence_key=snap.key,
            period=snap.period,
            due=date.fromisoformat(snap.due),
            contacts=Contacts(lead=tuple(self._lead_of(snap)), coordinator=tuple(c.coordinator),
                              vice_chairman=tuple(c.vice_chairman), chairman=tuple(c.chairman)),
            extended_due=date.fromisoformat(snap.extended_due) if snap.extended_due else None,
            status=OccurrenceStatus(snap.status),
            done_keys=frozenset(snap.done_keys),
        )

    def _roles(self, usernames: list[str], snap: OccurrenceSnapshot | None) -> dict[str, list[str]]:
        c = self._contacts()
        by_field = {
            "lead": self._lead_of(snap) if snap is not None else c.lead,
            "coordinator": c.coordinator, "vice_chairman": c.vice_chairman, "chairman": c.chairman,
        }
        return {u: [f for f in CONTACT_FIELDS if u in by_field[f]] for u in usernames}

    async def _chase(self) -> None:
        """Record every action the policy says is due now, until none is."""
        while True:
            now = workflow.now()
            actions: list[tuple[OccurrenceSnapshot, Any]] = []
            nexts: dict[str, datetime | None] = {}
            for snap in self._occ.values():
                if snap.status != OPEN:
                    continue
                # The holidays package builds its tables with gettext and the clock: pure
                # for a given year and package version, but not allowed by the sandbox.
                with workflow.unsafe.sandbox_unrestricted():
                    decision = decide(self._state_of(snap), now, self._calendar, self._policy)
                done = set(snap.done_keys)
                actions.extend((snap, a) for a in decision.actions if a.key not in done)
                nexts[snap.key] = decision.next_wakeup
            self._next_by_occ = nexts
            if not actions:
                return
            specs = [
                ActionSpec(
                    key=a.key, kind=a.kind, level=a.level, recipients=list(a.recipients),
                    audience=list(a.audience), occurrence_key=a.occurrence_key, period=a.period,
                    due=a.due.isoformat(), scheduled_at=a.scheduled_at.isoformat(),
                    roles=self._roles(list(a.recipients), snap),
                )
                for snap, a in actions
            ]
            await workflow.execute_activity_method(
                TaskActivities.record_actions,
                RecordActionsInput(organisation_id=self._params.organisation_id, task_id=self._params.task_id,
                                   workflow_id=self._params.workflow_id, actions=specs),
                start_to_close_timeout=DB_TIMEOUT,
            )
            for snap, a in actions:
                if a.key not in snap.done_keys:
                    snap.done_keys.append(a.key)

    def _roll_over_at(self) -> datetime | None:
        if not (self._params.roll_over and self._definition.repeats_yearly and self._expanded_through):
            return None
        return datetime(self._expanded_through, ROLL_OVER_MONTH, 1, tzinfo=self._tz)

    def _roll_over_due(self) -> bool:
        at = self._roll_over_at()
        return at is not None and workflow.now() >= at

    async def _roll_over(self) -> None:
        year = self._expanded_through + 1
        result = await workflow.execute_activity_method(
            TaskActivities.sync_occurrences,
            SyncOccurrencesInput(organisation_id=self._params.organisation_id, task_id=self._params.task_id,
                                 year=year),
            start_to_close_timeout=DB_TIMEOUT,
        )
        self._definition.extra_days_off = list(result.extra_days_off)
        self._definition.makeup_working_days = list(result.makeup_working_days)
        self._definition.occurrences = list(result.occurrences)
        if result.resolved_days_off is not None and result.resolved_from is not None:
            # Keep the days already resolved before the new window (older open periods).
            d = self._definition
            self._definition.resolved_days_off = sorted(
                [x for x in d.resolved_days_off or [] if x < result.resolved_from] + list(result.resolved_days_off))
            self._definition.resolved_weekend_working_days = sorted(
                [x for x in d.resolved_weekend_working_days or [] if x < result.resolved_from]
                + list(result.resolved_weekend_working_days or []))
        self._set_definition(self._definition)
        self._merge_occurrences(self._definition)
        self._expanded_through = year
        self._rolled_this_run = True

    def _finished(self) -> bool:
        if self._roll_over_at() is not None:
            return False  # a repeating task runs until it is cancelled
        return all(s.status in CLOSED for s in self._occ.values())

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        length = info.get_current_history_length()
        limit = self._params.history_limit
        return (
            self._rolled_this_run
            or info.is_continue_as_new_suggested()
            or (length >= limit and self._closed_this_run)
            or length >= 4 * limit
        )

    def _carry(self) -> TaskWorkflowInput:
        """The next run's input: the definition inline plus the state (old closed years pruned)."""
        d = self._definition
        keep = [s for s in self._occ.values()
                if s.status not in CLOSED or _key_year(s) >= self._expanded_through - 1]
        p = self._params
        return TaskWorkflowInput(
            organisation_id=p.organisation_id, task_id=p.task_id, workflow_id=p.workflow_id,
            plan_id=p.plan_id, organisation_code=p.organisation_code, plan_code=p.plan_code,
            task_code=p.task_code, revision=p.revision, plan_year=d.plan_year, schedule=d.schedule,
            policy=d.policy, contacts=d.contacts, extra_days_off=d.extra_days_off,
            makeup_working_days=d.makeup_working_days, requires_confirmation=d.requires_confirmation,
            repeats_yearly=d.repeats_yearly, occurrences=[],
            resolved_days_off=d.resolved_days_off, resolved_weekend_working_days=d.resolved_weekend_working_days,
            carried=CarriedState(occurrences=keep, expanded_through=self._expanded_through,
                                 run=self._run_no + 1, lead_override=self._lead_override),
            history_limit=p.history_limit, roll_over=p.roll_over,
        )

    def _plan_wakeup(self) -> datetime | None:
        times = [t for t in self._next_by_occ.values() if t is not None]
        roll = self._roll_over_at()
        if roll is not None:
            times.append(roll)
        self._next_wakeup = min(times) if times else None
        return self._next_wakeup

    async def _cancel_everything(self) -> bool:
        """Cancel every open occurrence; False when the database could not be written.

        Runs under the handlers' lock: since the patch below, its activities retry a
        bounded number of times (samples-python safe_message_handlers), so an outage
        cannot hold the lock, and every message waiting on it, for ever.
        """
        bounded = workflow.patched("bounded-retries-under-lock")
        async with self._lock:
            message = self._cancel or Cancel()
            open_keys = [s.key for s in self._occ.values() if s.status not in CLOSED]
            try:
                if open_keys:
                    await workflow.execute_activity_method(
                        TaskActivities.set_occurrence_status,
                        SetOccurrenceStatusInput(
                            organisation_id=self._params.organisation_id, task_id=self._params.task_id,
                            changes=[OccurrenceChange(occurrence_key=k, status=CANCELLED) for k in open_keys],
                        ),
                        start_to_close_timeout=DB_TIMEOUT, retry_policy=ANSWER_RETRY if bounded else None,
                    )
                await self._record("task_cancelled", message.actor, None,
                                   {"reason": message.reason, "occurrences": open_keys}, answer=bounded)
            except (ActivityError, ApplicationError):
                if not bounded:
                    raise
                workflow.logger.warning("Cancellation not recorded yet (database unavailable); retrying later")
                return False
            for key in open_keys:
                self._occ[key].status = CANCELLED
            self._cancelled = True
            self._next_by_occ = {}
            self._next_wakeup = None
        return True

    # -- helpers of the message handlers ------------------------------------------------

    async def _until_ready(self) -> None:
        await workflow.wait_condition(lambda: self._ready)

    def _occurrence(self, key: str) -> OccurrenceSnapshot:
        if self._cancel is not None or self._cancelled:
            raise _reject("Nhiệm vụ đã bị huỷ, không nhận thêm thao tác.")
        snap = self._occ.get(key)
        if snap is None:
            raise _reject(f"Không có kỳ '{key}' trong nhiệm vụ này.")
        return snap

    def _closed_message(self, snap: OccurrenceSnapshot) -> str:
        if snap.status == SUBMITTED:
            return f"Kỳ {snap.period} đã được báo cáo hoàn thành, đang chờ xác nhận."
        if snap.status == DONE:
            return f"Kỳ {snap.period} đã hoàn thành."
        return f"Kỳ {snap.period} đã bị huỷ."

    def _effective_due(self, snap: OccurrenceSnapshot) -> str:
        return snap.extended_due or snap.due

    def _today(self) -> date:
        return workflow.now().astimezone(self._tz).date()

    async def _record(
        self,
        kind: str,
        actor: str,
        snap: OccurrenceSnapshot | None,
        data: dict,
        change: OccurrenceChange | None = None,
        notify: list[str] | None = None,
        *,
        answer: bool = False,
    ) -> None:
        """Record one event (with its occurrence change and notifications) in the DB."""
        key_part = snap.key if snap is not None else "-"
        recipients = list(dict.fromkeys(notify or []))
        params = RecordEventInput(
            organisation_id=self._params.organisation_id,
            task_id=self._params.task_id,
            # uuid4 is deterministic in a workflow: the same key on every retry and replay.
            idempotency_key=f"task-{self._params.task_id}/{kind}/{key_part}/{workflow.uuid4()}",
            kind=kind,
            actor=actor,
            at=workflow.now().isoformat(),
            occurrence_key=snap.key if snap is not None else None,
            data={**({"period": snap.period, "due": self._effective_due(snap)} if snap else {}), **data},
            change=change,
            notify=recipients,
            notify_roles=self._roles(recipients, snap),
        )
        try:
            await workflow.execute_activity_method(
                TaskActivities.record_event, params, start_to_close_timeout=DB_TIMEOUT,
                retry_policy=ANSWER_RETRY if answer else None,
            )
        except ActivityError as error:
            if not answer:
                raise
            raise _reject("Không ghi được vào cơ sở dữ liệu, vui lòng thử lại sau.") from error

    def _view(self, snap: OccurrenceSnapshot) -> OccurrenceView:
        nxt = self._next_by_occ.get(snap.key) if snap.status == OPEN else None
        return OccurrenceView(
            key=snap.key, period=snap.period, nominal=snap.nominal, due=snap.due,
            extended_due=snap.extended_due, effective_due=self._effective_due(snap), status=snap.status,
            lead=self._lead_of(snap), late=snap.late, submitted_at=snap.submitted_at,
            submitted_by=snap.submitted_by, completed_at=snap.completed_at,
            evidence=dict(snap.evidence) if snap.evidence else None,
            pending_extension=dict(snap.pending_extension) if snap.pending_extension else None,
            actions_done=len(snap.done_keys), next_action_at=nxt.isoformat() if nxt else None,
        )

    # -- submit completion ----------------------------------------------------------------

    def _check_submit(self, message: SubmitCompletion) -> OccurrenceSnapshot:
        snap = self._occurrence(message.occurrence_key)
        if snap.status != OPEN:
            raise _reject(self._closed_message(snap))
        if not message.evidence():
            raise _reject("Cần có minh chứng: số văn bản, đường dẫn, tệp đính kèm hoặc ghi chú.")
        return snap

    @workflow.update
    async def submit_completion(self, message: SubmitCompletion) -> OccurrenceView:
        """The owner reports the occurrence done; DONE at once if the plan needs no confirmation."""
        async with self._lock:
            await self._until_ready()
            snap = self._check_submit(message)
            now = workflow.now().isoformat()
            late = self._today() > date.fromisoformat(self._effective_due(snap))
            confirm = self._definition.requires_confirmation
            status = SUBMITTED if confirm else DONE
            evidence = message.evidence()
            await self._record(
                "completion_submitted", message.actor, snap,
                {"late": late, "evidence": evidence, "requires_confirmation": confirm},
                OccurrenceChange(occurrence_key=snap.key, status=status, completed_at=now, evidence=evidence),
                self._contacts().coordinator, answer=True,
            )
            snap.status, snap.late, snap.evidence = status, late, evidence
            snap.submitted_at, snap.submitted_by = now, message.actor
            snap.completed_at = now if not confirm else None
            if status == DONE:
                self._closed_this_run = True
            self._wake = True
            return self._view(snap)

    @submit_completion.validator
    def _validate_submit(self, message: SubmitCompletion) -> None:
        if self._ready:
            self._check_submit(message)

    # -- review completion ----------------------------------------------------------------

    def _check_review(self, message: ReviewCompletion) -> OccurrenceSnapshot:
        snap = self._occurrence(message.occurrence_key)
        if snap.status != SUBMITTED:
            raise _reject(f"Kỳ {snap.period} không có báo cáo nào đang chờ xác nhận.")
        if not message.approved and not message.reason.strip():
            raise _reject("Cần ghi lý do trả lại báo cáo.")
        return snap

    @workflow.update
    async def review_completion(self, message: ReviewCompletion) -> OccurrenceView:
        """The coordinator confirms (DONE) or rejects (OPEN again, chasing resumes) a completion."""
        async with self._lock:
            await self._until_ready()
            snap = self._check_review(message)
            recipients = self._lead_of(snap) + ([snap.submitted_by] if snap.submitted_by else [])
            if message.approved:
                await self._record(
                    "completion_confirmed", message.actor, snap,
                    {"late": snap.late, "submitted_at": snap.submitted_at, "reason": message.reason},
                    OccurrenceChange(occurrence_key=snap.key, status=DONE, completed_at=snap.submitted_at),
                    recipients, answer=True,
                )
                snap.status, snap.completed_at = DONE, snap.submitted_at
                self._closed_this_run = True
            else:
                await self._record(
                    "completion_rejected", message.actor, snap,
                    {"reason": message.reason, "submitted_at": snap.submitted_at},
                    OccurrenceChange(occurrence_key=snap.key, status=OPEN, clear_completion=True),
                    recipients, answer=True,
                )
                snap.status, snap.late, snap.completed_at, snap.evidence = OPEN, None, None, None
                snap.submitted_at = snap.submitted_by = None
            self._wake = True
            return self._view(snap)

    @review_completion.validator
    def _validate_review(self, message: ReviewCompletion) -> None:
        if self._ready:
            self._check_review(message)

    # -- extensions -----------------------------------------------------------------------

    def _parse_day(self, value: str | None, what: str) -> date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise _reject(f"{what} không hợp lệ: '{value}' (cần dạng YYYY-MM-DD).") from None

    def _check_request(self, message: RequestExtension) -> OccurrenceSnapshot:
        snap = self._occurrence(message.occurrence_key)
        if snap.status != OPEN:
            raise _reject(self._closed_message(snap))
        new_due = self._parse_day(message.new_due, "Ngày gia hạn")
        current = self._effective_due(snap)
        if new_due <= date.fromisoformat(current):
            raise _reject(f"Ngày gia hạn phải sau hạn hiện tại ({_vn(current)}).")
        if not message.reason.strip():
            raise _reject("Cần ghi lý do đề nghị gia hạn.")
        return snap

    def _deciders(self) -> list[str]:
        c = self._contacts()
        if c.decider and workflow.patched(DECIDER_AND_PREVIOUS_OWNER):
            return list(c.decider)
        return c.vice_chairman or c.chairman

    @workflow.update
    async def request_extension(self, message: RequestExtension) -> OccurrenceView:
        """The owner asks for a later due date; the vice-chairman (else the chairman) decides."""
        async with self._lock:
            await self._until_ready()
            snap = self._check_request(message)
            pending = {"actor": message.actor, "new_due": message.new_due, "reason": message.reason,
                       "at": workflow.now().isoformat()}
            await self._record(
                "extension_requested", message.actor, snap,
                {"new_due": message.new_due, "reason": message.reason},
                None, self._deciders(), answer=True,
            )
            snap.pending_extension = pending
            self._wake = True
            return self._view(snap)

    @request_extension.validator
    def _validate_request(self, message: RequestExtension) -> None:
        if self._ready:
            self._check_request(message)

    def _check_decision(self, message: DecideExtension) -> tuple[OccurrenceSnapshot, str | None]:
        snap = self._occurrence(message.occurrence_key)
        if snap.status in CLOSED:
            raise _reject(self._closed_message(snap))
        pending = snap.pending_extension
        if not message.approved:
            if pending is None:
                raise _reject(f"Kỳ {snap.period} không có đề nghị gia hạn nào.")
            return snap, None
        new_due = message.new_due or (pending or {}).get("new_due")
        if not new_due:
            raise _reject("Cần ghi ngày gia hạn đến.")
        if self._parse_day(new_due, "Ngày gia hạn") <= date.fromisoformat(snap.due):
            raise _reject(f"Ngày gia hạn phải sau hạn ban đầu ({_vn(snap.due)}).")
        return snap, new_due

    @workflow.update
    async def decide_extension(self, message: DecideExtension) -> OccurrenceView:
        """Grant (the due date moves, later actions follow it) or deny an extension."""
        async with self._lock:
            await self._until_ready()
            snap, new_due = self._check_decision(message)
            requester = (snap.pending_extension or {}).get("actor")
            recipients = self._lead_of(snap) + ([requester] if requester else [])
            if message.approved:
                await self._record(
                    "extension_granted", message.actor, snap,
                    {"new_due": new_due, "previous_due": self._effective_due(snap), "reason": message.reason},
                    OccurrenceChange(occurrence_key=snap.key, extended_due=new_due),
                    recipients, answer=True,
                )
                snap.extended_due = new_due
            else:
                await self._record(
                    "extension_denied", message.actor, snap,
                    {"requested_due": (snap.pending_extension or {}).get("new_due"), "reason": message.reason},
                    None, recipients, answer=True,
                )
            snap.pending_extension = None
            self._wake = True
            return self._view(snap)

    @decide_extension.validator
    def _validate_decision(self, message: DecideExtension) -> None:
        if self._ready:
            self._check_decision(message)

    # -- definition, reassignment, cancellation -------------------------------------------

    @workflow.update
    async def update_definition(self, params: TaskWorkflowInput) -> TaskStateView:
        """The task changed (re-activation): reload it, keep the state of its occurrences."""
        async with self._lock:
            await self._until_ready()
            if self._cancel is not None or self._cancelled:
                raise _reject("Nhiệm vụ đã bị huỷ, không nhận thêm thao tác.")
            if params.occurrences is not None:
                definition = self._definition_from(params)
            else:
                try:
                    definition = await workflow.execute_activity_method(
                        TaskActivities.load_definition,
                        LoadDefinitionInput(organisation_id=self._params.organisation_id,
                                            task_id=self._params.task_id),
                        start_to_close_timeout=DB_TIMEOUT, retry_policy=ANSWER_RETRY,
                    )
                except ActivityError as error:
                    raise _reject("Không đọc được nhiệm vụ từ cơ sở dữ liệu, vui lòng thử lại sau.") from error
            refusal = self._policy_refusal(definition)
            if refusal is not None:
                raise _reject(refusal)  # the running definition stays
            await self._record("definition_updated", "system", None, {"revision": params.revision})
            self._set_definition(definition)
            self._merge_occurrences(definition)
            self._params.revision = params.revision
            self._wake = True
            return self.state()

    def _reassign_targets(self, message: Reassign) -> tuple[list[str], list[OccurrenceSnapshot]]:
        """The new lead and the occurrences it takes over; refuses what cannot be done."""
        lead = message.new_lead()
        if not lead:
            raise _reject("Cần chọn công chức được giao.")
        if self._cancel is not None or self._cancelled:
            raise _reject("Nhiệm vụ đã bị huỷ, không nhận thêm thao tác.")
        if message.occurrence_key is not None:
            snap = self._occurrence(message.occurrence_key)
            if snap.status in CLOSED:
                raise _reject(self._closed_message(snap))
            return lead, [snap]
        return lead, [s for s in self._occ.values() if s.status not in CLOSED]

    async def _reassign(self, message: Reassign, lead: list[str], targets: list[OccurrenceSnapshot],
                        *, answer: bool) -> None:
        """Write the new lead of ``targets`` to the DB, then to the state; record the event."""
        previous = {s.key: self._lead_of(s) for s in targets}
        joined = ",".join(lead)
        if targets:
            try:
                await workflow.execute_activity_method(
                    TaskActivities.set_occurrence_status,
                    SetOccurrenceStatusInput(
                        organisation_id=self._params.organisation_id, task_id=self._params.task_id,
                        changes=[OccurrenceChange(occurrence_key=s.key, lead_username=joined) for s in targets],
                    ),
                    start_to_close_timeout=DB_TIMEOUT, retry_policy=ANSWER_RETRY if answer else None,
                )
            except ActivityError as error:
                if not answer:
                    raise
                raise _reject("Không ghi được vào cơ sở dữ liệu, vui lòng thử lại sau.") from error
        if message.occurrence_key is None:
            self._lead_override = lead
        for snap in targets:
            snap.lead = list(lead)
        notify = list(lead)
        if workflow.patched(DECIDER_AND_PREVIOUS_OWNER):
            # The previous owner is told too: the task left them (templates tell the two apart).
            notify += [u for leads in previous.values() for u in leads if u not in lead]
        await self._record(
            "reassigned", message.actor, targets[0] if message.occurrence_key else None,
            {"lead": lead, "previous": previous, "reason": message.reason,
             "occurrences": [s.key for s in targets]},
            None, notify, answer=answer,
        )
        self._wake = True

    @workflow.update
    async def reassign_lead(self, message: Reassign) -> TaskStateView:
        """Give the task (or one occurrence) to other lead officers; answered once recorded.

        Activities under the lock retry a bounded number of times (the update fails and
        nothing changes), so a database outage can never hold the lock for ever.
        """
        async with self._lock:
            await self._until_ready()
            lead, targets = self._reassign_targets(message)
            await self._reassign(message, lead, targets, answer=True)
            return self.state()

    @reassign_lead.validator
    def _validate_reassign(self, message: Reassign) -> None:
        if self._ready:
            self._reassign_targets(message)

    @workflow.signal
    async def reassign(self, message: Reassign) -> None:
        """Legacy signal form of :meth:`reassign_lead`, kept for histories and old clients."""
        async with self._lock:
            await self._until_ready()
            try:
                lead, targets = self._reassign_targets(message)
            except ApplicationError as refusal:
                workflow.logger.warning("Reassignment ignored (%s): %s", refusal.message, message)
                return
            await self._reassign(message, lead, targets, answer=False)

    @workflow.signal
    def cancel(self, message: Cancel | None = None) -> None:
        """Stop chasing: every open occurrence is cancelled and the workflow completes."""
        if self._cancel is None:
            self._cancel = message or Cancel()
        self._wake = True

    # -- the reporting cycle: progress updates ------------------------------------------

    async def _close_later_progress(self) -> None:
        """A one-off task completed: cancel its progress updates of the periods after it.

        The period whose data window holds the completion day still reports (its result
        is the task's result); every later one is cancelled. Repeating and continuous
        tasks report all year.
        """
        if self._definition.repeats_yearly or self._cancel is not None or self._cancelled:
            return
        deadlines = [s for s in self._occ.values() if not is_progress_key(s.key)]
        if not deadlines or any(s.status not in CLOSED for s in deadlines):
            return
        finished = [f for f in (s.completed_at or s.submitted_at for s in deadlines if s.status == DONE) if f]
        if not finished:
            return
        day = max(datetime.fromisoformat(f).astimezone(self._tz).date() for f in finished)
        progress = [s for s in self._occ.values() if is_progress_key(s.key)]
        reporting = [date.fromisoformat(s.nominal) for s in progress if date.fromisoformat(s.nominal) >= day]
        if not reporting:
            return
        last = min(reporting)
        later = [s for s in progress if s.status == OPEN and date.fromisoformat(s.nominal) > last]
        if not later:
            return
        async with self._lock:
            keys = [s.key for s in later if s.status == OPEN]
            if not keys:
                return
            await workflow.execute_activity_method(
                TaskActivities.set_occurrence_status,
                SetOccurrenceStatusInput(
                    organisation_id=self._params.organisation_id, task_id=self._params.task_id,
                    changes=[OccurrenceChange(occurrence_key=k, status=CANCELLED) for k in keys],
                ),
                start_to_close_timeout=DB_TIMEOUT,
            )
            await self._record("cancelled", "system", None,
                               {"reason": "Nhiệm vụ đã hoàn thành: không phải báo cáo tiến độ các kỳ sau.",
                                "occurrences": keys, "completed_on": day.isoformat()})
            for key in keys:
                self._occ[key].status = CANCELLED
            self._closed_this_run = True

    async def _record_progress(self, kind: str, actor: str, snap: OccurrenceSnapshot, period_key: str,
                               data: dict, change: OccurrenceChange, notify: list[str], *,
                               progress: dict | None = None, review: dict | None = None) -> None:
        recipients = list(dict.fromkeys(notify))
        event = RecordEventInput(
            organisation_id=self._params.organisation_id, task_id=self._params.task_id,
            idempotency_key=f"task-{self._params.task_id}/{kind}/{snap.key}/{workflow.uuid4()}",
            kind=kind, actor=actor, at=workflow.now().isoformat(), occurrence_key=snap.key,
            data={"period": snap.period, "due": self._effective_due(snap), "period_key": period_key, **data},
            change=change, notify=recipients, notify_roles=self._roles(recipients, snap),
        )
        try:
            await workflow.execute_activity_method(
                TaskActivities.record_progress,
                RecordProgressInput(event=event, period_key=period_key, progress=progress, review=review),
                start_to_close_timeout=DB_TIMEOUT, retry_policy=ANSWER_RETRY,
            )
        except ActivityError as error:
            raise _reject("Không ghi được vào cơ sở dữ liệu, vui lòng thử lại sau.") from error

    def _check_progress(self, message: SubmitProgress) -> OccurrenceSnapshot:
        snap = self._progress_occurrence(message.period_key)
        if snap.status == SUBMITTED:
            raise _reject(f"Báo cáo tiến độ {snap.period} đã nộp, đang chờ xem xét.")
        if snap.status == DONE:
            raise _reject(f"Báo cáo tiến độ {snap.period} đã được chấp nhận.")
        if snap.status == CANCELLED:
            raise _reject(f"Kỳ {snap.period} không còn phải báo cáo tiến độ.")
        if message.status not in PROGRESS_STATUSES:
            raise _reject(f"Tình trạng '{message.status}' không hợp lệ; chọn: {', '.join(PROGRESS_STATUSES)}.")
        if not (message.result or "").strip():
            raise _reject("Cần ghi kết quả thực hiện trong kỳ.")
        return snap

    def _progress_occurrence(self, period_key: str) -> OccurrenceSnapshot:
        if self._cancel is not None or self._cancelled:
            raise _reject("Nhiệm vụ đã bị huỷ, không nhận thêm thao tác.")
        snap = self._occ.get(period_key + ".progress")
        if snap is None:
            raise _reject(f"Nhiệm vụ này không có kỳ báo cáo tiến độ '{period_key}'.")
        return snap

    @workflow.update
    async def submit_progress(self, message: SubmitProgress) -> OccurrenceView:
        """The lead's progress update of a period; it waits for the coordinator unless the plan needs no review."""
        async with self._lock:
            await self._until_ready()
            snap = self._check_progress(message)
            now = workflow.now().isoformat()
            late = self._today() > date.fromisoformat(self._effective_due(snap))
            confirm = self._definition.requires_confirmation
            status = SUBMITTED if confirm else DONE
            evidence = message.evidence()
            await self._record_progress(
                "progress_submitted", message.actor, snap, message.period_key,
                {"late": late, "status": message.status, "result": message.result, "evidence": evidence,
                 "requires_confirmation": confirm},
                OccurrenceChange(occurrence_key=snap.key, status=status, completed_at=now,
                                 evidence={**evidence, "progress_status": message.status}),
                self._contacts().coordinator,
                progress={"status": message.status, "result": message.result, "figures": dict(message.figures),
                          "evidence": evidence, "late": late, "review_status": "pending" if confirm else "accepted"},
            )
            snap.status, snap.late, snap.evidence = status, late, {**evidence, "progress_status": message.status}
            snap.submitted_at, snap.submitted_by = now, message.actor
            snap.completed_at = now if not confirm else None
            if status == DONE:
                self._closed_this_run = True
            self._wake = True
            return self._view(snap)

    @submit_progress.validator
    def _validate_progress(self, message: SubmitProgress) -> None:
        if self._ready:
            self._check_progress(message)

    def _check_progress_review(self, message: ReviewProgress) -> OccurrenceSnapshot:
        snap = self._progress_occurrence(message.period_key)
        if snap.status != SUBMITTED:
            raise _reject(f"Kỳ {snap.period} không có báo cáo tiến độ nào đang chờ xem xét.")
        if not message.accepted and not message.reason.strip():
            raise _reject("Cần ghi lý do trả lại báo cáo tiến độ.")
        return snap

    @workflow.update
    async def review_progress(self, message: ReviewProgress) -> OccurrenceView:
        """The coordinator accepts (DONE) or returns (OPEN again, chasing resumes) a progress update."""
        async with self._lock:
            await self._until_ready()
            snap = self._check_progress_review(message)
            recipients = self._lead_of(snap) + ([snap.submitted_by] if snap.submitted_by else [])
            if message.accepted:
                await self._record_progress(
                    "progress_accepted", message.actor, snap, message.period_key,
                    {"late": snap.late, "submitted_at": snap.submitted_at, "reason": message.reason},
                    OccurrenceChange(occurrence_key=snap.key, status=DONE, completed_at=snap.submitted_at),
                    recipients, review={"review_status": "accepted", "reason": message.reason},
                )
                snap.status, snap.completed_at = DONE, snap.submitted_at
                self._closed_this_run = True
            else:
                await self._record_progress(
                    "progress_returned", message.actor, snap, message.period_key,
                    {"reason": message.reason, "submitted_at": snap.submitted_at},
                    OccurrenceChange(occurrence_key=snap.key, status=OPEN, clear_completion=True),
                    recipients, review={"review_status": "returned", "reason": message.reason},
                )
                snap.status, snap.late, snap.completed_at, snap.evidence = OPEN, None, None, None
                snap.submitted_at = snap.submitted_by = None
            self._wake = True
            return self._view(snap)

    @review_progress.validator
    def _validate_progress_review(self, message: ReviewProgress) -> None:
        if self._ready:
            self._check_progress_review(message)

    # -- query ----------------------------------------------------------------------------

    @workflow.query
    def state(self) -> TaskStateView:
        """Everything a dashboard shows about the task."""
        d = self._definition
        return TaskStateView(
            workflow_id=self._params.workflow_id,
            organisation_id=self._params.organisation_id,
            task_id=self._params.task_id,
            plan_year=d.plan_year,
            requires_confirmation=d.requires_confirmation,
            repeats_yearly=d.repeats_yearly,
            contacts=self._contacts(),
            cancelled=self._cancelled or self._cancel is not None,
            occurrences=[self._view(s) for s in self._occ.values()],
            next_wakeup=self._next_wakeup.isoformat() if self._next_wakeup else None,
            expanded_through=self._expanded_through,
            run=self._run_no,
        )
