"""Reporting periods as the report needs them: key, label, data window, next period.

Bộ Nội vụ 581/BNV-CCHC: quý I, 6 tháng, quý III, năm; data windows from the 15th of the
last month before the window to the 14th of the last month of the period. The reporting
cycle itself lives in ``domain.reporting`` (another branch); this module only reads
what the report needs and falls back to the same rules when that module is absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.completion import Window

KINDS = ("Q1", "H1", "Q3", "Y")
# Kind -> (label in a title, window start (month, year offset), window end month)
_RULES = {
    "Q1": ("quý I", (12, -1), 3),
    "H1": ("6 tháng đầu năm", (12, -1), 6),
    "Q3": ("quý III", (6, 0), 9),
    "Y": ("năm", (12, -1), 12),
}
_KEY = re.compile(r"^(\d{4})-(Q1|H1|Q3|Y)$")


class PeriodError(ValueError):
    """A period key that is not one of YYYY-Q1, YYYY-H1, YYYY-Q3, YYYY-Y (message in Vietnamese)."""


@dataclass(frozen=True)
class ReportPeriod:
    key: str
    year: int
    kind: str
    window: Window
    due: date  # "chậm nhất là ngày 20 của tháng cuối kỳ báo cáo"

    @property
    def label(self) -> str:
        """"quý I", "6 tháng đầu năm", "quý III", "năm"."""
        return _RULES[self.kind][0]

    @property
    def title_phrase(self) -> str:
        """"quý I năm 2026" / "năm 2026" as the report's title says it."""
        if self.kind == "Y":
            return f"năm {self.year}"
        return f"{self.label} {self.year}" if self.kind == "H1" else f"{self.label} năm {self.year}"


def parse_period(key: str) -> ReportPeriod:
    """The period of ``key`` ("2026-Q1").

    Raises:
        PeriodError: the key is not a reporting period.
    """
    match = _KEY.match(key.strip())
    if not match:
        raise PeriodError(f"Kỳ báo cáo '{key}' không hợp lệ: dùng NĂM-Q1, NĂM-H1, NĂM-Q3 hoặc NĂM-Y (ví dụ 2026-Q1).")
    year, kind = int(match.group(1)), match.group(2)
    window = _window_from_cycle(key)
    if window is None:
        _, (start_month, offset), end_month = _RULES[kind]
        window = Window(date(year + offset, start_month, 15), date(year, end_month, 14))
    return ReportPeriod(key, year, kind, window, date(year, window.end.month, 20))


def next_period(period: ReportPeriod) -> ReportPeriod:
    """The period reported after ``period`` (quý I → 6 tháng → quý III → năm → quý I)."""
    index = KINDS.index(period.kind)
    if index + 1 < len(KINDS):
        return parse_period(f"{period.year}-{KINDS[index + 1]}")
    return parse_period(f"{period.year + 1}-Q1")


def periods_of_year(year: int) -> list[ReportPeriod]:
    return [parse_period(f"{year}-{kind}") for kind in KINDS]


def _window_from_cycle(key: str) -> Window | None:
    """The window from ``domain.reporting`` (the reporting cycle: one source of truth)."""
    try:
        from domain.reporting import ReportingCalendar
    except ImportError:  # the cycle is not there: the rule above, which is the same default
        return None
    period = ReportingCalendar().period(key)
    return Window(period.window_start, period.window_end)
