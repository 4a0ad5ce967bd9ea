"""Reminder and escalation policy: a pure function of an occurrence's state and the time.

``decide(state, now, calendar, policy)`` says which chasing actions are due now and when
to look again. The task workflow calls it on every wake-up; because it is pure (no I/O,
no clock of its own) it is deterministic under replay and easy to test.

The default ladder, counted in working days from the effective due date (the extended
one once an extension is granted):

====================  ======  ==========  =====  =====================================
step                  offset  kind        level  told
====================  ======  ==========  =====  =====================================
``remind-5``          -5      reminder    0      lead
``remind-2``          -2      reminder    0      lead
``due``               0       due         0      lead
``overdue-1``         +1      overdue     1      lead, coordinator
``escalate-3``        +3      escalation  2      vice-chairman (else the coordinator)
``escalate-5``        +5      escalation  3      chairman
``repeat-N``          +5 + N weeks        3      chairman, weekly until done
====================  ======  ==========  =====  =====================================

Actions happen only in working hours (07:30–17:00, Asia/Ho_Chi_Minh) on working days.
Each task's actions come at the same minute of the morning, spread over the first hour
by a hash of the task key so that a plan of 80 tasks does not send 80 mails at 07:30.

Keys: ``f"{occurrence_key}@{effective_due}:{step}"``, stable for a state, so a caller
that remembers the keys it has done (``done_keys``) never does one twice. A granted
extension changes the effective due date and thus every later key: the ladder starts
again from the new date. When several steps are due at once (the worker was down, the
plan was activated late), only the latest is returned: one message saying "5 days
overdue" replaces a burst of stale reminders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.calendar import WorkCalendar
from domain.vocabulary import ChasingKind, OccurrenceStatus  # OccurrenceStatus re-exported

CONTACT_FIELDS = ("lead", "coordinator", "vice_chairman", "chairman")
# Who stands in when nobody holds a position (a commune without a vice-chairman in charge).
FALLBACK: dict[str, tuple[str, ...]] = {
    "lead": ("coordinator",),
    "coordinator": ("vice_chairman", "chairman"),
    "vice_chairman": ("coordinator", "chairman"),
    "chairman": ("vice_chairman", "coordinator"),
}
KINDS = tuple(k.value for k in ChasingKind)

# What a policy may hold (issue 17): beyond these a ladder either overflows the date
# arithmetic (an offset of -100000000 days) or means nothing for a commune's year.
# The one rule, used by ``plan check`` (ingest.ranges), ``Policy.from_dict`` and the
# task workflow, which refuses a policy outside it instead of failing on every wake-up.
MAX_OFFSET_DAYS = 260  # working days around a due date: about a year
MAX_LEVEL = 5
MAX_REPEAT_DAYS = 366
MAX_STEPS = 20
MAX_NAME = 60

Loc = tuple[str | int, ...]


class PolicyError(ValueError):
    """A stored policy outside the rule; ``problems`` are (location, Vietnamese message)."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__(" ".join(message for _, message in problems))


def _whole(value: Any) -> int | None:
    """An integer as written (``5`` or ``"5"``), else None; booleans are not numbers here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return None


def _clock(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return None


def policy_problems(data: dict[str, Any] | None) -> list[tuple[Loc, str]]:
    """Every reason the stored form of a policy cannot be run, with its location.

    Args:
        data: the stored policy (``Plan.policy``, ``ReviewChasing.policy_dict()``);
            missing fields take the default, ``{}``/None is the default ladder.

    Returns:
        (location such as ("steps", 0, "offset"), message in Vietnamese naming the
        field and its range); empty when the policy can run.
    """
    if not data:
        return []
    if not isinstance(data, dict):
        return [((), "cách đôn đốc phải là một bảng (khóa: giá trị).")]
    problems: list[tuple[Loc, str]] = []

    def bad(loc: Loc, message: str) -> None:
        label = "".join(f"[{p + 1}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))
        problems.append((loc, f"{label}: {message}"))

    def number(loc: Loc, value: Any, low: int, high: int, unit: str = "") -> int | None:
        whole = _whole(value)
        if whole is None:
            bad(loc, f"'{str(value)[:40]}' phải là số nguyên.")
        elif not low <= whole <= high:
            bad(loc, f"{whole}{unit} ngoài phạm vi (từ {low} đến {high}).")
            return None
        return whole

    steps = data.get("steps")
    offsets: list[int | None] = []
    if steps is not None:
        if not isinstance(steps, list) or not steps:
            bad(("steps",), "cần ít nhất một bước.")
            steps = []
        elif len(steps) > MAX_STEPS:
            bad(("steps",), f"nhiều quá {MAX_STEPS} bước ({len(steps)}).")
            steps = []
        names: set[str] = set()
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                bad(("steps", i), "mỗi bước phải là một bảng {name, offset, kind, level, audience}.")
                continue
            name = str(step.get("name") or "").strip()
            if not name or len(name) > MAX_NAME:
                bad(("steps", i, "name"), f"tên bước phải có, tối đa {MAX_NAME} ký tự.")
            elif name in names:
                bad(("steps", i, "name"), f"tên bước '{name}' bị trùng.")
            names.add(name)
            offsets.append(number(("steps", i, "offset"), step.get("offset"), -MAX_OFFSET_DAYS, MAX_OFFSET_DAYS,
                                  " ngày làm việc"))
            number(("steps", i, "level"), step.get("level", 0), 0, MAX_LEVEL)
            if step.get("kind") not in KINDS:
                bad(("steps", i, "kind"), f"loại '{step.get('kind')}' không hợp lệ (chọn một trong {', '.join(KINDS)}).")
            _audience(("steps", i, "audience"), step.get("audience"), bad)
        known = [o for o in offsets if o is not None]
        if len(known) == len(offsets) and known != sorted(known):
            bad(("steps",), "các bước phải theo thứ tự thời gian (offset tăng dần).")
    if "repeat_every_days" in data:
        number(("repeat_every_days",), data["repeat_every_days"], 0, MAX_REPEAT_DAYS, " ngày")
    if "repeat_audience" in data:
        _audience(("repeat_audience",), data["repeat_audience"], bad)
    start = _clock(data.get("day_start", DEFAULT_POLICY.day_start.isoformat()))
    end = _clock(data.get("day_end", DEFAULT_POLICY.day_end.isoformat()))
    for field_name, value in (("day_start", start), ("day_end", end)):
        if value is None:
            bad((field_name,), f"giờ '{data.get(field_name)}' phải có dạng HH:MM, ví dụ \"07:30\".")
    if start is not None and end is not None and start >= end:
        bad(("day_start",), "giờ bắt đầu làm việc phải trước giờ kết thúc.")
    if "timezone" in data:
        try:
            ZoneInfo(str(data["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            bad(("timezone",), f"không biết múi giờ '{data['timezone']}' (ví dụ đúng: Asia/Ho_Chi_Minh).")
    if "spread_minutes" in data:
        window = 24 * 60
        if start is not None and end is not None and start < end:
            window = int((datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() // 60)
        number(("spread_minutes",), data["spread_minutes"], 1, window, " phút")
    return problems


def _audience(loc: Loc, value: Any, bad: Callable[[Loc, str], None]) -> None:
    if not isinstance(value, (list, tuple)) or not value:
        bad(loc, f"cần danh sách người nhận, trong: {', '.join(CONTACT_FIELDS)}.")
        return
    unknown = [str(a) for a in value if a not in CONTACT_FIELDS]
    if unknown:
        bad(loc, f"người nhận {', '.join(unknown)} không hợp lệ (chọn trong: {', '.join(CONTACT_FIELDS)}).")


@dataclass(frozen=True)
class Step:
    """One rung of the ladder: ``offset`` working days from the due date (negative: before)."""

    name: str
    offset: int
    kind: str
    level: int
    audience: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Bước '{self.name}': loại '{self.kind}' không hợp lệ (cần một trong {KINDS}).")
        unknown = [a for a in self.audience if a not in CONTACT_FIELDS]
        if unknown or not self.audience:
            raise ValueError(f"Bước '{self.name}': người nhận {unknown or '(trống)'} không hợp lệ "
                             f"(cần trong {CONTACT_FIELDS}).")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "offset": self.offset, "kind": self.kind, "level": self.level,
                "audience": list(self.audience)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        return cls(name=str(data["name"]), offset=int(data["offset"]), kind=str(data["kind"]),
                   level=int(data.get("level", 0)), audience=tuple(data["audience"]))


DEFAULT_STEPS = (
    Step("remind-5", -5, "reminder", 0, ("lead",)),
    Step("remind-2", -2, "reminder", 0, ("lead",)),
    Step("due", 0, "due", 0, ("lead",)),
    Step("overdue-1", 1, "overdue", 1, ("lead", "coordinator")),
    Step("escalate-3", 3, "escalation", 2, ("vice_chairman",)),
    Step("escalate-5", 5, "escalation", 3, ("chairman",)),
)


@dataclass(frozen=True)
class Policy:
    """A plan's chasing rules (stored as ``Plan.policy``; ``{}`` means the default)."""

    steps: tuple[Step, ...] = DEFAULT_STEPS
    # After the last step, repeat it to ``repeat_audience`` every so many calendar days
    # (moved to the next working day); 0 turns the repeat off.
    repeat_every_days: int = 7
    repeat_audience: tuple[str, ...] = ("chairman",)
    day_start: time = time(7, 30)
    day_end: time = time(17, 0)
    timezone: str = "Asia/Ho_Chi_Minh"
    spread_minutes: int = 60

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("Chính sách nhắc việc cần ít nhất một bước.")
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"Tên bước bị trùng: {names}.")
        if list(self.steps) != sorted(self.steps, key=lambda s: s.offset):
            raise ValueError("Các bước phải theo thứ tự thời gian (offset tăng dần).")
        if self.day_start >= self.day_end:
            raise ValueError("Giờ bắt đầu làm việc phải trước giờ kết thúc.")
        window = (datetime.combine(date.min, self.day_end) - datetime.combine(date.min, self.day_start))
        if not 0 < self.spread_minutes * 60 <= window.total_seconds():
            raise ValueError("Khoảng giãn (spread_minutes) phải dương và nằm trong giờ làm việc.")
        if self.repeat_every_days < 0:
            raise ValueError("repeat_every_days không được âm.")

    def zone(self) -> ZoneInfo:
        """The policy's time zone (built here so workflow code never constructs tzinfo itself)."""
        return ZoneInfo(self.timezone)

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "repeat_every_days": self.repeat_every_days,
            "repeat_audience": list(self.repeat_audience),
            "day_start": self.day_start.strftime("%H:%M"),
            "day_end": self.day_end.strftime("%H:%M"),
            "timezone": self.timezone,
            "spread_minutes": self.spread_minutes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, *, checked: bool = True) -> Policy:
        """A policy from its stored form; missing fields take the default.

        Args:
            data: the stored form.
            checked: refuse values outside ``policy_problems``' ranges. Only workflow
                code replaying a history from before that rule passes False.

        Raises:
            PolicyError: (``checked``) the policy cannot be run; every problem listed.
            ValueError: an inconsistent policy.
        """
        if not data:
            return DEFAULT_POLICY
        if checked:
            problems = policy_problems(data)
            if problems:
                raise PolicyError(problems)
        d = DEFAULT_POLICY
        return cls(
            steps=tuple(Step.from_dict(s) for s in data["steps"]) if "steps" in data else d.steps,
            repeat_every_days=int(data.get("repeat_every_days", d.repeat_every_days)),
            repeat_audience=tuple(data.get("repeat_audience", d.repeat_audience)),
            day_start=time.fromisoformat(data["day_start"]) if "day_start" in data else d.day_start,
            day_end=time.fromisoformat(data["day_end"]) if "day_end" in data else d.day_end,
            timezone=str(data.get("timezone", d.timezone)),
            spread_minutes=int(data.get("spread_minutes", d.spread_minutes)),
        )


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Contacts:
    """Usernames for each contact field of one occurrence."""

    lead: tuple[str, ...] = ()
    coordinator: tuple[str, ...] = ()
    vice_chairman: tuple[str, ...] = ()
    chairman: tuple[str, ...] = ()

    def resolve(self, audience: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(usernames, contact fields used) for an audience, with stand-ins for empty fields."""
        used: list[str] = []
        for name in audience:
            if getattr(self, name):
                used.append(name)
                continue
            stand_in = next((f for f in FALLBACK[name] if getattr(self, f)), None)
            if stand_in is not None:
                used.append(stand_in)
        fields = tuple(dict.fromkeys(used))
        users = tuple(dict.fromkeys(u for f in fields for u in getattr(self, f)))
        return users, fields


@dataclass(frozen=True)
class OccurrenceState:
    """What the policy needs to know about one occurrence."""

    task_key: str  # the workflow ID: spreads the minute of the morning
    occurrence_key: str
    period: str
    due: date
    contacts: Contacts
    extended_due: date | None = None
    status: OccurrenceStatus = OccurrenceStatus.OPEN
    done_keys: frozenset[str] = field(default_factory=frozenset)

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due


@dataclass(frozen=True)
class Action:
    """One chasing action: tell ``recipients`` about ``occurrence_key`` now."""

    key: str
    step: str
    kind: str
    level: int
    recipients: tuple[str, ...]
    audience: tuple[str, ...]  # contact fields the recipients were taken from
    occurrence_key: str
    period: str
    due: date  # the effective due date
    scheduled_at: datetime  # aware, in the policy's time zone


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    next_wakeup: datetime | None  # aware; None: nothing more until the state changes


def spread_minutes(task_key: str, policy: Policy) -> int:
    """The task's fixed minute offset after the start of the working day."""
    digest = hashlib.sha256(task_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % policy.spread_minutes


def _at(day: date, state: OccurrenceState, policy: Policy) -> datetime:
    start = datetime.combine(day, policy.day_start, ZoneInfo(policy.timezone))
    return start + timedelta(minutes=spread_minutes(state.task_key, policy))


@dataclass(frozen=True)
class _Planned:
    step: Step
    name: str
    day: date


def _ladder(state: OccurrenceState, calendar: WorkCalendar, policy: Policy, through: date) -> list[_Planned]:
    """Every step of the occurrence's ladder on its working day, repeats up to ``through``."""
    due = calendar.next_working_day(state.effective_due)
    planned = [_Planned(s, s.name, calendar.add_working_days(due, s.offset)) for s in policy.steps]
    if policy.repeat_every_days:
        last = planned[-1]
        repeat = Step(last.step.name, last.step.offset, last.step.kind, last.step.level, policy.repeat_audience)
        n = 1
        while True:
            day = calendar.next_working_day(last.day + timedelta(days=n * policy.repeat_every_days))
            planned.append(_Planned(repeat, f"repeat-{n}", day))
            if day > through:
                break
            n += 1
    return planned


def _in_hours(moment: datetime, calendar: WorkCalendar, policy: Policy) -> bool:
    return (calendar.is_working_day(moment.date())
            and policy.day_start <= moment.timetz().replace(tzinfo=None) < policy.day_end)


def _next_open_instant(moment: datetime, state: OccurrenceState, calendar: WorkCalendar, policy: Policy) -> datetime:
    """The task's slot on the first working morning after ``moment`` (or later today)."""
    today = _at(moment.date(), state, policy)
    if calendar.is_working_day(moment.date()) and moment < today:
        return today
    return _at(calendar.next_working_day(moment.date() + timedelta(days=1)), state, policy)


def decide(state: OccurrenceState, now: datetime, calendar: WorkCalendar, policy: Policy = DEFAULT_POLICY) -> Decision:
    """The actions due at ``now`` for one occurrence, and when to ask again.

    Args:
        state: the occurrence, with the keys of the actions already done.
        now: an aware datetime (any zone).
        calendar: the organisation's working-day calendar.
        policy: the plan's rules.
    """
    if state.status != OccurrenceStatus.OPEN:
        return Decision((), None)
    local = now.astimezone(ZoneInfo(policy.timezone))
    ladder = _ladder(state, calendar, policy, max(local.date(), state.effective_due))
    due_key = f"{state.occurrence_key}@{state.effective_due.isoformat()}"
    past = [p for p in ladder if _at(p.day, state, policy) <= local]
    future = [p for p in ladder if _at(p.day, state, policy) > local]
    next_wakeup = _at(future[0].day, state, policy) if future else None
    if not past:
        return Decision((), next_wakeup)
    latest = past[-1]
    key = f"{due_key}:{latest.name}"
    if key in state.done_keys:
        return Decision((), next_wakeup)
    if not _in_hours(local, calendar, policy):
        # Due, but not at night or on a holiday: at the task's slot of the next working morning.
        wake = _next_open_instant(local, state, calendar, policy)
        return Decision((), min(wake, next_wakeup) if next_wakeup else wake)
    recipients, audience = state.contacts.resolve(latest.step.audience)
    if not recipients:
        # Nobody to tell (no officers at all): count the step as done, say nothing.
        return Decision((), next_wakeup)
    slot = _at(latest.day, state, policy)
    action = Action(
        key=key, step=latest.name, kind=latest.step.kind, level=latest.step.level,
        recipients=recipients, audience=audience, occurrence_key=state.occurrence_key,
        period=state.period, due=state.effective_due,
        scheduled_at=slot if slot.date() == local.date() else local,
    )
    return Decision((action,), next_wakeup)


def planned_actions(
    state: OccurrenceState, calendar: WorkCalendar, policy: Policy, start: datetime, until: datetime
) -> list[Action]:
    """Every action an occurrence nobody completes gets between ``start`` and ``until``.

    The preview of ``decide`` driven by its own wake-ups (what the workflow does).
    """
    out: list[Action] = []
    done = set(state.done_keys)
    moment = start
    while moment <= until:
        current = OccurrenceState(state.task_key, state.occurrence_key, state.period, state.due, state.contacts,
                                  state.extended_due, state.status, frozenset(done))
        decision = decide(current, moment, calendar, policy)
        for action in decision.actions:
            done.add(action.key)
            out.append(action)
        if decision.actions:
            continue
        if decision.next_wakeup is None:
            break
        moment = decision.next_wakeup
    return out
