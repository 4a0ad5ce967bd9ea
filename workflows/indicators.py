"""IndicatorChaseWorkflow: one durable workflow per plan that chases unreported indicators.

Indicators (chỉ tiêu) are reported in the progress cycle, by the same cut-off as the
tasks' progress updates, and chased by the same ladder. What is due depends on values
people report in the dashboard, so the decision is made by the activity on the
database's state at this workflow's clock (``workflow.now()``, passed in); the workflow
keeps the time: it sleeps until the next step the activity names (at most a day,
so that new indicators, values and calendar changes are seen), or until ``refresh``.

The plan is no longer followed (cancelled, replaced) → the activity says so and the
run ends. History stays bounded: the run continues as new every ``CONTINUE_AFTER`` wake-ups.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.indicator_activities import IndicatorActivities
    from contracts.indicator_chase import (
        ChaseIndicatorsInput,
        ChaseIndicatorsResult,
        IndicatorChaseInput,
        IndicatorChaseView,
    )

# A chase takes one small query per plan: the DB answers in well under this.
DB_TIMEOUT = timedelta(seconds=60)
# Look again at least this often, even when no step is due sooner.
LOOK_AGAIN = timedelta(hours=24)
CONTINUE_AFTER = 300


# The type name is fixed: renaming the class must never orphan the running workflows.
@workflow.defn(name="IndicatorChaseWorkflow")
class IndicatorChaseWorkflow:
    """Reminds the owners of a plan's indicators to report them, and escalates when they do not."""

    @workflow.init
    def __init__(self, params: IndicatorChaseInput) -> None:
        self._wakeups = params.wakeups
        self._refresh = False
        self._last: ChaseIndicatorsResult | None = None
        self._last_checked: datetime | None = None

    @workflow.run
    async def run(self, params: IndicatorChaseInput) -> str:
        runs_wakeups = 0
        while True:
            now = workflow.now()
            self._refresh = False
            result = await workflow.execute_activity_method(
                IndicatorActivities.chase_indicators,
                ChaseIndicatorsInput(organisation_id=params.organisation_id, plan_id=params.plan_id,
                                     now=now.isoformat()),
                start_to_close_timeout=DB_TIMEOUT,
            )
            self._last, self._last_checked = result, now
            if not result.active:
                return "Kế hoạch không còn được theo dõi: dừng đôn đốc chỉ tiêu."
            until = now + LOOK_AGAIN
            if result.next_wakeup is not None:
                until = min(until, datetime.fromisoformat(result.next_wakeup))
            try:
                await workflow.wait_condition(lambda: self._refresh,
                                              timeout=max(until - now, timedelta(seconds=1)))
            except TimeoutError:
                pass
            self._wakeups += 1
            runs_wakeups += 1
            if runs_wakeups >= CONTINUE_AFTER or workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(IndicatorChaseInput(
                    organisation_id=params.organisation_id, plan_id=params.plan_id,
                    workflow_id=params.workflow_id, wakeups=self._wakeups))

    @workflow.signal
    def refresh(self) -> None:
        """Look again now: indicators, values or the calendar changed."""
        self._refresh = True

    @workflow.query
    def state(self) -> IndicatorChaseView:
        last = self._last
        return IndicatorChaseView(
            wakeups=self._wakeups,
            last_checked=self._last_checked.isoformat() if self._last_checked else None,
            unreported=last.unreported if last else 0,
            next_wakeup=last.next_wakeup if last else None,
        )
