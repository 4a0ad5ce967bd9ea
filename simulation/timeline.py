"""The chasing timeline a simulation produced, as JSON and as Vietnamese tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.table import Table

from domain.vocabulary import ChasingKind

KINDS = tuple(k.value for k in ChasingKind)
KIND_LABELS = {k.value: k.label for k in ChasingKind}
OUTCOME_LABELS = {"on_time": "đúng hạn", "late": "trễ hạn", "never": "không hoàn thành"}
INDICATOR_OUTCOME_LABELS = {"on_time": "báo cáo đúng hạn", "late": "báo cáo trễ", "never": "không báo cáo"}


@dataclass(frozen=True)
class TimelineEntry:
    """One chasing action: a notice of ``kind`` sent at ``at`` to ``to``."""

    at: datetime  # aware, in the organisation's timezone
    task: str
    occurrence: str  # period label, "Quý I/2026"
    kind: str
    level: int
    to: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "task": self.task,
            "occurrence": self.occurrence,
            "kind": self.kind,
            "level": self.level,
            "to": list(self.to),
        }


def summarise(entries: list[TimelineEntry], outcomes: Counter, year: int, tasks: int) -> dict:
    """Totals by kind, month and recipient, plus what the simulated owners did."""
    by_kind = Counter(e.kind for e in entries)
    by_month: dict[str, Counter] = defaultdict(Counter)
    by_recipient: dict[str, Counter] = defaultdict(Counter)
    for e in entries:
        by_month[f"{e.at:%Y-%m}"][e.kind] += 1
        for person in e.to:
            by_recipient[person][e.kind] += 1
    return {
        "year": year,
        "tasks": tasks,
        "occurrences": dict(outcomes),
        "actions": len(entries),
        "notices": sum(len(e.to) for e in entries),
        "by_kind": {k: by_kind.get(k, 0) for k in KINDS},
        "by_month": {m: {k: c.get(k, 0) for k in KINDS} for m, c in sorted(by_month.items())},
        "by_recipient": {p: {k: c.get(k, 0) for k in KINDS} for p, c in sorted(by_recipient.items())},
    }


def render(summary: dict, console: Console, names: dict[str, str] | None = None) -> None:
    """Print the per-month and per-recipient tables (Vietnamese)."""
    names = names or {}
    occ = summary["occurrences"]
    console.print(
        f"Mô phỏng năm {summary['year']}: {summary['tasks']} nhiệm vụ, "
        + ", ".join(f"{occ.get(k, 0)} kỳ {label}" for k, label in OUTCOME_LABELS.items())
        + f"; {summary['actions']} lượt đôn đốc, {summary['notices']} thông báo."
    )
    indicators = summary.get("indicators") or {}
    if indicators:
        console.print("Chỉ tiêu (báo cáo số liệu mỗi kỳ): " + ", ".join(
            f"{indicators.get(k, 0)} lượt {label}" for k, label in INDICATOR_OUTCOME_LABELS.items()) + ".")
    month_table = Table(title="Theo tháng")
    month_table.add_column("Tháng")
    for kind in KINDS:
        month_table.add_column(KIND_LABELS[kind], justify="right")
    month_table.add_column("Cộng", justify="right")
    for month, counts in summary["by_month"].items():
        year, mm = month.split("-")
        month_table.add_row(f"{int(mm)}/{year}", *(str(counts[k]) for k in KINDS), str(sum(counts.values())))
    console.print(month_table)

    people = Table(title="Theo người nhận (số thông báo)")
    people.add_column("Người nhận")
    for kind in KINDS:
        people.add_column(KIND_LABELS[kind], justify="right")
    people.add_column("Cộng", justify="right")
    ranked = sorted(summary["by_recipient"].items(), key=lambda item: -sum(item[1].values()))
    for person, counts in ranked:
        label = f"{names[person]} ({person})" if person in names else person
        people.add_row(label, *(str(counts[k]) for k in KINDS), str(sum(counts.values())))
    console.print(people)
