"""The reporting calendar: the periodic CCHC reports of an organisation and their dates.

Bộ Nội vụ (581/BNV-CCHC) asks for four periodic reports a year: quý I, 6 tháng, quý III
and năm, each due "chậm nhất là ngày 20 của tháng cuối kỳ báo cáo", each covering a data
window that starts on the 15th of the month before the period and ends on the 14th of
its last month (quý I: 15/12 of the previous year → 14/3). Provinces often ask communes
for an earlier day (the 5th or 10th), and officers report to the office a few working
days before the office's own report is due: both are configurable per organisation
(``reporting:`` in the organisation file, see docs/organisation-file.md).

Every open task reports on every period: its progress-update occurrence of period
``2026-Q1`` has the key ``2026-Q1.progress`` (``progress_key``), which never clashes
with a deadline occurrence's key (``2026-Q1``, ``2026-M03``, ``2026-03-31``...).

Pure: imported by workflow code, so no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.calendar import WorkCalendar
from domain.deadlines import DueDate
from domain.text import fold

# The four periodic reports, in the order of the year: (code, last month, first month).
PERIOD_CODES: tuple[str, ...] = ("Q1", "H1", "Q3", "Y")
_LAST_MONTH = {"Q1": 3, "H1": 6, "Q3": 9, "Y": 12}
_FIRST_MONTH = {"Q1": 1, "H1": 1, "Q3": 7, "Y": 1}
# Where each period's *own* slice of the year starts (the month before, at window_day):
# quý I from 15/12, 6 tháng from 15/3, quý III from 15/6, năm from 15/9. The slices do
# not overlap, so a day belongs to exactly one period (``period_of``).
_SLICE_FROM = {"Q1": 12, "H1": 3, "Q3": 6, "Y": 9}
PROGRESS_SUFFIX = ".progress"
_KEY = re.compile(r"^(\d{4})-(Q1|H1|Q3|Y)$")

DEFAULT_REPORT_DAY = 20
DEFAULT_CUTOFF_WORKING_DAYS = 5
DEFAULT_WINDOW_DAY = 15

_RULE_WORKING_DAYS = re.compile(r"^(\d{1,2}) ngay lam viec truoc (?:han|ngay) (?:nop )?bao cao(?: cua (?:xa|phuong|co quan|van phong))?$")
_RULE_DAY_OF_LAST_MONTH = re.compile(r"^ngay (\d{1,2}) (?:cua )?thang cuoi (?:quy|ky)(?: bao cao)?$")


class ReportingRuleError(ValueError):
    """A written cut-off rule that cannot be understood (message in Vietnamese)."""


def progress_key(period_key: str) -> str:
    """The occurrence key of a period's progress update: ``2026-Q1`` → ``2026-Q1.progress``."""
    return period_key + PROGRESS_SUFFIX


def period_key_of(occurrence_key: str) -> str | None:
    """The period key of a progress occurrence key, or None for any other key."""
    if occurrence_key.endswith(PROGRESS_SUFFIX):
        return occurrence_key[: -len(PROGRESS_SUFFIX)]
    return None


def parse_period_key(key: str) -> tuple[int, str]:
    """``"2026-Q1"`` → ``(2026, "Q1")``.

    Raises:
        ValueError: (Vietnamese) when the key is not one of YYYY-Q1, YYYY-H1, YYYY-Q3, YYYY-Y.
    """
    match = _KEY.match(key.strip()) if key else None
    if not match:
        raise ValueError(f"kỳ báo cáo '{key}' không hợp lệ; viết như 2026-Q1, 2026-H1, 2026-Q3 hoặc 2026-Y")
    return int(match.group(1)), match.group(2)


def period_label(key: str) -> str:
    """The Vietnamese name of a period: ``2026-H1`` → ``6 tháng đầu năm 2026``."""
    year, code = parse_period_key(key)
    return {
        "Q1": f"quý I năm {year}",
        "H1": f"6 tháng đầu năm {year}",
        "Q3": f"quý III năm {year}",
        "Y": f"năm {year}",
    }[code]


@dataclass(frozen=True)
class CutoffRule:
    """When officers' updates are due: N working days before the report, or a fixed day.

    Attributes:
        working_days_before: working days before the organisation's report is due.
        day_of_last_month: a fixed day of the period's last month ("ngày 10 tháng cuối
            quý"), moved back to the previous working day when it is a day off.
        text: the rule as written in the organisation file, if any.
    """

    working_days_before: int | None = DEFAULT_CUTOFF_WORKING_DAYS
    day_of_last_month: int | None = None
    text: str | None = None

    @classmethod
    def parse(cls, value: int | str) -> CutoffRule:
        """Read ``5`` or ``"5 ngày làm việc trước hạn báo cáo"`` or ``"ngày 10 tháng cuối quý"``.

        Raises:
            ReportingRuleError: for any other text.
        """
        if isinstance(value, bool):
            raise ReportingRuleError("hạn báo cáo của công chức phải là số ngày làm việc hoặc một quy tắc bằng chữ")
        if isinstance(value, int):
            if not 0 <= value <= 30:
                raise ReportingRuleError(f"số ngày làm việc {value} phải từ 0 đến 30")
            return cls(working_days_before=value, day_of_last_month=None)
        text = " ".join(fold(str(value)).replace(",", " ").split())
        if text.isdigit():
            return cls.parse(int(text))
        if m := _RULE_WORKING_DAYS.match(text):
            rule = cls.parse(int(m.group(1)))
            return cls(rule.working_days_before, None, str(value).strip())
        if m := _RULE_DAY_OF_LAST_MONTH.match(text):
            day = int(m.group(1))
            if not 1 <= day <= 28:
                raise ReportingRuleError(f"ngày {day} phải từ 1 đến 28")
            return cls(None, day, str(value).strip())
        raise ReportingRuleError(
            f"không hiểu quy tắc '{value}'; viết như \"5 ngày làm việc trước hạn báo cáo\" hoặc \"ngày 10 tháng cuối quý\""
        )

    def describe(self) -> str:
        """Vietnamese description for pages and the file check's summary."""
        if self.day_of_last_month is not None:
            return f"ngày {self.day_of_last_month} tháng cuối kỳ"
        return f"{self.working_days_before} ngày làm việc trước hạn báo cáo"


@dataclass(frozen=True)
class ReportingRules:
    """An organisation's reporting calendar settings (defaults: the Bộ Nội vụ rules).

    Attributes:
        report_day: day of the period's last month the organisation's report is due
            (20; provinces may ask for 5 or 10). A day off moves it back to the previous
            working day: "chậm nhất là" means the report must be in by then.
        cutoff: when officers' progress updates are due.
        window_day: first day of a data window (15: windows run 15/12 → 14/3 ...).
        periods: which of Q1, H1, Q3, Y are reported (all four by default).
    """

    report_day: int = DEFAULT_REPORT_DAY
    cutoff: CutoffRule = field(default_factory=CutoffRule)
    window_day: int = DEFAULT_WINDOW_DAY
    periods: tuple[str, ...] = PERIOD_CODES

    def to_dict(self) -> dict:
        """JSON-safe form (for workflow inputs and the database)."""
        return {
            "report_day": self.report_day,
            "cutoff_working_days": self.cutoff.working_days_before,
            "cutoff_day_of_last_month": self.cutoff.day_of_last_month,
            "cutoff_text": self.cutoff.text,
            "window_day": self.window_day,
            "periods": list(self.periods),
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> ReportingRules:
        """Inverse of ``to_dict``; None or {} gives the defaults."""
        if not data:
            return cls()
        return cls(
            report_day=int(data.get("report_day", DEFAULT_REPORT_DAY)),
            cutoff=CutoffRule(
                working_days_before=data.get("cutoff_working_days", DEFAULT_CUTOFF_WORKING_DAYS)
                if data.get("cutoff_day_of_last_month") is None
                else None,
                day_of_last_month=data.get("cutoff_day_of_last_month"),
                text=data.get("cutoff_text"),
            ),
            window_day=int(data.get("window_day", DEFAULT_WINDOW_DAY)),
            periods=tuple(data["periods"]) if data.get("periods") is not None else PERIOD_CODES,
        )


@dataclass(frozen=True)
class ReportingPeriod:
    """One periodic report of one year.

    Attributes:
        key: "2026-Q1", "2026-H1", "2026-Q3", "2026-Y".
        year: the plan year it belongs to.
        code: "Q1", "H1", "Q3" or "Y".
        label: "quý I năm 2026", "6 tháng đầu năm 2026", "quý III năm 2026", "năm 2026".
        start: first day of the period (1/1 or 1/7).
        end: last day of the period (31/3, 30/6, 30/9, 31/12).
        window_start: first day of the data window (15/12 of the previous year...).
        window_end: last day of the data window (14/3, 14/6, 14/9, 14/12).
        slice_start: first day of this period's own, non-overlapping slice of the year
            (quý I 15/12, 6 tháng 15/3, quý III 15/6, năm 15/9).
        report_due: when the organisation's report is due to the level above.
        cutoff: when officers' progress updates are due to the office.
    """

    key: str
    year: int
    code: str
    label: str
    start: date
    end: date
    window_start: date
    window_end: date
    slice_start: date
    report_due: date
    cutoff: date

    @property
    def progress_key(self) -> str:
        """Key of the progress occurrences of this period (``2026-Q1.progress``)."""
        return progress_key(self.key)

    @property
    def title(self) -> str:
        """Capitalised label for headings: "Quý I năm 2026"."""
        return self.label[:1].upper() + self.label[1:]

    def contains(self, day: date) -> bool:
        """True when ``day`` is inside the data window."""
        return self.window_start <= day <= self.window_end


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


class ReportingCalendar:
    """The reporting periods of one organisation, computed from its rules and working days."""

    def __init__(self, rules: ReportingRules | None = None, calendar: WorkCalendar | None = None) -> None:
        self.rules = rules or ReportingRules()
        self.calendar = calendar or WorkCalendar()

    def period(self, key: str) -> ReportingPeriod:
        """The period with this key (any year)."""
        year, code = parse_period_key(key)
        return self._build(year, code)

    def periods(self, year: int) -> list[ReportingPeriod]:
        """The year's periods in report order (Q1, H1, Q3, Y; only those configured)."""
        return [self._build(year, code) for code in PERIOD_CODES if code in self.rules.periods]

    def period_of(self, day: date) -> ReportingPeriod:
        """The period whose own slice of the year holds ``day`` (what ``day``'s work is reported in).

        Slices: 15/12 → 14/3 quý I (of the next year from 15/12 on), 15/3 → 14/6 6 tháng,
        15/6 → 14/9 quý III, 15/9 → 14/12 năm; a period left out of ``rules.periods``
        hands its slice to the next configured one.
        """
        year = day.year + 1 if day >= self._slice_start(day.year + 1, "Q1") else day.year
        for period in self.periods(year):
            if day <= period.window_end:
                return period
        return self.periods(year + 1)[0]  # unreachable with the default windows

    def current_period(self, today: date) -> ReportingPeriod:
        """The period being reported on ``today``: the first whose report is not yet due.

        Until the office's report of quý I is due (20/3), quý I is current even though
        its data window closed on 14/3.
        """
        for year in (today.year, today.year + 1):
            for period in self.periods(year):
                if today <= period.report_due:
                    return period
        return self.periods(today.year + 1)[0]

    def periods_between(self, start: date, end: date) -> list[ReportingPeriod]:
        """Periods whose own slice overlaps [start, end], in order (for a task's life)."""
        out: list[ReportingPeriod] = []
        for year in range(start.year, end.year + 2):
            for period in self.periods(year):
                if period.slice_start <= end and period.window_end >= start:
                    out.append(period)
        return out

    # ----------------------------------------------------------------- building

    def _slice_start(self, year: int, code: str) -> date:
        month = _SLICE_FROM[code]
        y = year - 1 if month == 12 else year
        return date(y, month, self.rules.window_day)

    def _build(self, year: int, code: str) -> ReportingPeriod:
        rules = self.rules
        last = _LAST_MONTH[code]
        first = _FIRST_MONTH[code]
        wy, wm = _month_before(year, first)
        window_start = date(wy, wm, rules.window_day)
        window_end = date(year, last, rules.window_day) - timedelta(days=1)
        # A period left out moves its slice to the next configured one: "6 tháng" alone
        # then starts its slice at 15/12 like its window.
        configured = [c for c in PERIOD_CODES if c in rules.periods]
        index = configured.index(code) if code in configured else PERIOD_CODES.index(code)
        previous = configured[index - 1] if code in configured and index > 0 else None
        if previous is None:
            slice_start = self._slice_start(year, "Q1")
        else:
            slice_start = date(year, _LAST_MONTH[previous], rules.window_day)
        end_day = 31 if last in (3, 12) else 30
        report_due = self.calendar.previous_working_day(date(year, last, rules.report_day))
        cutoff_rule = rules.cutoff
        if cutoff_rule.day_of_last_month is not None:
            cutoff = self.calendar.previous_working_day(date(year, last, cutoff_rule.day_of_last_month))
        else:
            cutoff = self.calendar.add_working_days(report_due, -(cutoff_rule.working_days_before or 0))
        # An officer's cut-off never falls after the office's own report.
        cutoff = min(cutoff, report_due)
        key = f"{year}-{code}"
        return ReportingPeriod(
            key=key,
            year=year,
            code=code,
            label=period_label(key),
            start=date(year, first, 1),
            end=date(year, last, end_day),
            window_start=window_start,
            window_end=window_end,
            slice_start=slice_start,
            report_due=report_due,
            cutoff=cutoff,
        )


def progress_due_dates(calendar: ReportingCalendar, year: int) -> list[DueDate]:
    """The progress-update occurrences of plan year ``year``, one per configured period.

    ``nominal`` is the end of the period's data window (14/3, 14/6, ...): a one-off task
    completed on or before it reports that period and no later one. ``due`` is the
    officers' cut-off.
    """
    return [
        DueDate(key=p.progress_key, period=p.title, nominal=p.window_end, due=p.cutoff)
        for p in calendar.periods(year)
    ]
