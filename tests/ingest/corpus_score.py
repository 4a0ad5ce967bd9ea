"""Scores the importer on the labelled corpus in tests/ingest/corpus/.

Each document there (.txt, .docx, .xlsx) has a ``<name>.expected.yaml`` with the facts a
careful reader takes from it: tasks (a piece of their text, kind, lead, coordinators,
nominal due dates or ``continuous``/``none``), texts that must not become tasks, header
facts and the number of indicators. Run as a script to print the figures:

    .venv/bin/python tests/ingest/corpus_score.py [-v]

``tests/ingest/test_corpus.py`` fails when a figure drops below corpus_thresholds.json.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from domain.calendar import WorkCalendar  # noqa: E402
from domain.deadlines import DeadlineError, expand, parse_deadline  # noqa: E402
from domain.text import fold  # noqa: E402

CORPUS = Path(__file__).parent / "corpus"
FIGURES = ("tasks", "leads", "coordinators", "due", "kind", "meta")


def _key(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text or "")).strip()


def _units(values) -> set[str]:
    return {_key(v) for v in values or []}


@dataclass
class Score:
    """Right/expected for each figure of one document (or a sum of them)."""

    name: str
    layout: str
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    non_tasks: int = 0  # texts that must not be tasks but were emitted
    extra: int = 0  # emitted tasks no expected fact names (informative)
    indicators: tuple[int, int] = (0, 0)  # found, expected
    error: str | None = None
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for f in FIGURES:
            self.right[f] += other.right[f]
            self.total[f] += other.total[f]
        self.non_tasks += other.non_tasks
        self.extra += other.extra

    def ratio(self, figure: str) -> float:
        return self.right[figure] / self.total[figure] if self.total[figure] else 1.0


def _nominal(deadline: str | None, year: int) -> list[str] | None:
    if not deadline:
        return []
    try:
        schedule = parse_deadline(deadline, year)
    except DeadlineError:
        return None
    return [d.nominal.isoformat() for d in expand(schedule, year, WorkCalendar())]


def score_document(path: Path) -> Score:
    """Import one corpus document and compare with its expected facts."""
    from ingest.errors import IngestError
    from ingest.importer import import_plan

    expected = yaml.safe_load(path.with_name(path.name.rsplit(".", 1)[0] + ".expected.yaml").read_text("utf-8"))
    score = Score(path.name, str(expected.get("layout", "?")).split()[0])
    wanted = expected.get("tasks", [])
    try:
        result = import_plan(path)
    except IngestError as error:
        score.error = str(error)
        score.total["tasks"] = len(wanted)
        return score
    tasks = list(result.tasks)
    used: set[int] = set()
    for fact in wanted:
        kind = fact.get("kind", "task")
        needle = _key(fact["text"])
        candidates = [i for i, t in enumerate(tasks) if i not in used and needle in _key(t.task.text)]
        candidates.sort(key=lambda i: tasks[i].task.kind != kind)
        score.total["tasks"] += 1
        for figure in ("leads", "coordinators", "due", "kind"):
            key = {"leads": "lead"}.get(figure, figure)
            if figure == "kind" or key in fact:
                score.total[figure] += 1
        if not candidates:
            score.misses.append(f"not found: {fact['text']}")
            continue
        index = candidates[0]
        used.add(index)
        task = tasks[index].task
        score.right["tasks"] += 1
        score.right["kind"] += task.kind == kind
        if "lead" in fact:
            ok = _units(task.lead) == _units(fact["lead"])
            score.right["leads"] += ok
            if not ok:
                score.misses.append(f"lead {task.lead} != {fact['lead']}: {fact['text']}")
        if "coordinators" in fact:
            ok = _units(task.coordinators) == _units(fact["coordinators"])
            score.right["coordinators"] += ok
            if not ok:
                score.misses.append(f"coordinators {task.coordinators} != {fact['coordinators']}: {fact['text']}")
        if "due" in fact:
            got = _nominal(task.deadline, result.source_year)
            want = fact["due"]
            if want == "continuous":
                ok = bool(task.deadline) and got == []
            elif want == "none":
                ok = got == []
            else:
                ok = got == list(want)
            score.right["due"] += ok
            if not ok:
                score.misses.append(f"due {task.deadline!r} -> {got} != {want}: {fact['text']}")
    score.extra = len(tasks) - len(used)
    for text in expected.get("non_tasks", []):
        needle = _key(text)
        hits = [t for t in tasks if _key(t.task.text).startswith(needle)]
        if hits:
            score.non_tasks += 1
            score.misses.append(f"non-task emitted: {text}")
    meta = expected.get("meta", {})
    for name, value in meta.items():
        score.total["meta"] += 1
        got = result.year if name == "year" else getattr(result.meta, name)
        ok = got == value if not isinstance(value, str) else _key(got) == _key(value)
        score.right["meta"] += ok
        if not ok:
            score.misses.append(f"meta {name}: {got!r} != {value!r}")
    if "indicators" in expected:
        score.indicators = (len(result.indicators), expected["indicators"])
    return score


def documents() -> list[Path]:
    """The corpus documents that have expected facts."""
    return sorted(
        p for p in CORPUS.iterdir()
        if p.suffix in (".txt", ".docx", ".xlsx") and p.with_name(p.name.rsplit(".", 1)[0] + ".expected.yaml").exists()
    )


def score_all() -> tuple[list[Score], dict[str, Score], Score]:
    """Per document, per layout and total scores."""
    scores = [score_document(p) for p in documents()]
    layouts: dict[str, Score] = {}
    total = Score("TOTAL", "*")
    for s in scores:
        layouts.setdefault(s.layout, Score(f"layout {s.layout}", s.layout)).add(s)
        total.add(s)
    return scores, layouts, total


def _line(s: Score) -> str:
    cells = [f"{s.right[f]:>3}/{s.total[f]:<3}" for f in FIGURES]
    return f"{s.name:<34}" + " ".join(f"{c:>9}" for c in cells) + f"{s.non_tasks:>10}{s.extra:>7}"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    scores, layouts, total = score_all()
    head = f"{'document':<34}" + " ".join(f"{f:>9}" for f in FIGURES) + f"{'non-tasks':>10}{'extra':>7}"
    print(head)
    for s in scores:
        print(_line(s) + (f"  ERROR: {s.error}" if s.error else "")
              + (f"  indicators {s.indicators[0]}/{s.indicators[1]}" if s.indicators[1] else ""))
        if verbose:
            for miss in s.misses:
                print(f"    - {miss}")
    print("-" * len(head))
    for key in sorted(layouts):
        print(_line(layouts[key]))
    print("-" * len(head))
    print(_line(total))
    print("ratios: " + ", ".join(f"{f} {total.ratio(f):.0%}" for f in FIGURES) + f", non-tasks emitted {total.non_tasks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
