"""The importer: a plan document → plan metadata, tasks with owners and deadlines, warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.calendar import WorkCalendar
from domain.deadlines import DeadlineError, expand, parse_deadline
from domain.indicators import indicator_code, owner_by_area
from ingest.areas import AREAS, CODE_PREFIX, REPORT_PREFIX, guess_area
from ingest.errors import IngestError, NotAPlanError
from ingest.extract import Indicator, Task, TaskCollector
from ingest.limits import MAX_TASKS, too_large
from ingest.metadata import PlanMeta, read_metadata
from ingest.normalise import Para, paragraphs
from ingest.owners import OwnerMap, build_owner_map
from ingest.readers import read_document
from ingest.sections import Node, build_tree, classify, heading_role
from ingest.units import UnitResolver, is_collective

_HOW = {
    "area": "theo phân công lĩnh vực ở mục Tổ chức thực hiện",
    "duties": "theo nhiệm vụ của đơn vị ở mục Tổ chức thực hiện",
    "standing": "cơ quan thường trực/đầu mối của kế hoạch",
    "function": "suy ra từ chức năng của đơn vị (kế hoạch không phân công rõ)",
    "plan": "đơn vị chủ trì chung của kế hoạch ở mục Tổ chức thực hiện",
}


@dataclass
class ImportWarning:
    """Something the reviewer must look at."""

    line: int | None
    message: str
    code: str | None = None

    def __str__(self) -> str:
        where = f"dòng {self.line}: " if self.line else ""
        task = f"[{self.code}] " if self.code else ""
        return f"{where}{task}{self.message}"

    def to_dict(self) -> dict:
        return {"line": self.line, "code": self.code, "message": self.message}


@dataclass
class ImportedTask:
    """A task ready for the review file."""

    code: str
    task: Task
    due: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """Everything the importer read from one document."""

    source: Path
    meta: PlanMeta
    year: int
    source_year: int
    standing_coordinator: str | None
    tasks: list[ImportedTask]
    indicators: list[Indicator]
    warnings: list[ImportWarning]
    organisation: Path | None = None

    def plan_dict(self) -> dict:
        """The plan's metadata as JSON-safe values."""
        m = self.meta
        return {
            "number": m.number,
            "title": m.title,
            "issuer": m.issuer,
            "place": m.place,
            "issued_on": m.issued_on.isoformat() if m.issued_on else None,
            "year": self.year,
            "source_year": self.source_year,
            "signer": m.signer,
            "signer_role": m.signer_role,
            "standing_coordinator": self.standing_coordinator,
            "source_file": str(self.source),
            "indicators": [
                {"text": i.text, "area": i.area, "owner": i.owner,
                 "source": {"line_start": i.line_start, "line_end": i.line_end}} for i in self.indicators
            ],
        }

    def to_json(self) -> dict:
        """``{"plan": ..., "tasks": [...], "warnings": [...]}`` for ``--json``."""
        return {
            "plan": self.plan_dict(),
            "tasks": [
                {
                    "code": t.code,
                    "area": t.task.area,
                    "title": t.task.title,
                    "lead": list(t.task.lead),
                    "coordinators": list(t.task.coordinators),
                    "deadline": {"text": t.task.deadline, "due": list(t.due)},
                    "product": t.task.product,
                    "source": {"line_start": t.task.line_start, "line_end": t.task.line_end},
                }
                for t in self.tasks
            ],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def import_plan(
    path: str | Path,
    year: int | None = None,
    org: Any | None = None,
    org_path: str | Path | None = None,
) -> ImportResult:
    """Import a plan document.

    Args:
        path: the .txt, .docx, .xlsx or .pdf file.
        year: the plan year to schedule for (default: the document's own year); a
            past plan is re-based onto it.
        org: a loaded ``OrganisationConfig`` to resolve unit names (optional).
        org_path: where ``org`` came from (recorded in the review file).

    Raises:
        IngestError: unreadable file, or not a plan.
    """
    path = Path(path)
    document = read_document(path)
    paras = paragraphs(document)
    root, closing = build_tree(paras)
    classify(root)

    intro = [n.para for child in root.children if child.role == "intro" for n in child.walk() if n.para]
    if not any(re.search(r"\bnăm\s+\d{4}", p.text, re.IGNORECASE) for p in intro):
        # An appendix on its own (.xlsx): its title and "(Kèm theo ...)" lines say it all.
        intro = intro + [p for p in paras[:6] if not p.cells and p not in intro]
    title_para = next((p for p in intro if re.match(r"^\s*KẾ\s+HOẠCH\b", p.text)), None)
    meta = read_metadata(intro, [n.source for n in closing], title_para)
    source_year = meta.year or year
    if source_year is None:
        raise NotAPlanError(
            f"Không xác định được năm của kế hoạch trong {path.name}: hãy ghi rõ bằng --year YYYY."
        )
    plan_year = year or source_year

    resolver = UnitResolver(org)
    collector = TaskCollector(source_year, resolver.known if org is not None else None)
    warnings: list[ImportWarning] = []
    _collect_each(root, collector, warnings)
    if len(collector.tasks) > MAX_TASKS:
        raise too_large(len(collector.tasks), MAX_TASKS, "nhiệm vụ")
    if not collector.tasks:
        raise NotAPlanError(
            f"Không tìm thấy nhiệm vụ nào trong {path.name}: tệp không giống một kế hoạch "
            "(cần các mục Nhiệm vụ/Nội dung/Phụ lục với các nhiệm vụ gạch đầu dòng hoặc bảng)."
        )

    sections = [n for n in root.walk() if n.role == "organisation" and (n.parent is None or n.parent.role != "organisation")]
    owners = build_owner_map(sections, resolver, source_year)
    tasks = collector.tasks + _reports(owners)
    if len(tasks) > MAX_TASKS:
        raise too_large(len(tasks), MAX_TASKS, "nhiệm vụ")
    _assign_owners(tasks, owners, resolver)
    calendar = org.work_calendar() if org is not None else WorkCalendar()
    imported = _finish(tasks, owners, resolver, source_year, plan_year, calendar, warnings)
    _indicator_owners(collector.indicators, imported, warnings)
    warnings.extend(ImportWarning(line, message) for line, message in collector.notes)
    warnings.sort(key=lambda w: (w.line is not None, w.line or 0))

    if not meta.signer:
        warnings.insert(0, ImportWarning(None, "Không thấy tên người ký kế hoạch."))
    if not meta.number:
        blank = any(re.search(r"\bSố\s*:?\s*/", p.text) for p in intro)
        warnings.insert(0, ImportWarning(None, "Số văn bản để trống (Số: .../KH-...): ghi số khi văn bản được vào sổ."
                                         if blank else "Không thấy số văn bản (Số: .../KH-...)."))
    if owners.standing is None:
        # "Theo đề nghị của công chức Văn phòng - Thống kê": the office that drafted it.
        for para in intro:
            if m := re.search(r"theo đề nghị của\s+(.+?)\s*\.?$", para.text, re.IGNORECASE):
                owners.standing = m.group(1)
                break
    standing = resolver.resolve(owners.standing)[0] if owners.standing else None
    return ImportResult(
        source=path, meta=meta, year=plan_year, source_year=source_year, standing_coordinator=standing,
        tasks=imported, indicators=collector.indicators, warnings=warnings,
        organisation=Path(org_path) if org_path else None,
    )


def _collect_each(root: Node, collector: TaskCollector, warnings: list[ImportWarning]) -> None:
    """Collect section by section: one unreadable section is reported, the rest imported."""
    groups: list[list[Node]] = []
    for child in root.children:
        if child.kind == "row" and groups and groups[-1][-1].kind == "row":
            groups[-1].append(child)  # one table stays one table
        else:
            groups.append([child])
    for group in groups:
        child = group[0]
        if child.role == "skip" and child.kind in ("roman", "caps", "decimal") and child.children \
                and heading_role(child.text) is None and _looks_like_tasks(child):
            warnings.append(ImportWarning(
                child.line_start,
                f'Không rõ mục "{child.text[:80]}" chứa gì (không phải nhiệm vụ, chỉ tiêu hay tổ chức thực hiện): '
                "chưa lấy nhiệm vụ nào từ mục này, hãy kiểm tra."))
        holder = Node("root", "", "", children=group)
        try:
            collector.collect(holder, [], None)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
            warnings.append(ImportWarning(
                child.line_start, f'Không đọc được mục "{child.text[:80]}" ({type(error).__name__}): hãy nhập tay các nhiệm vụ của mục này.'))


def _looks_like_tasks(node: Node) -> bool:
    """A section with bullets or owner/deadline labels: worth a warning if it is skipped."""
    from ingest.normalise import LABEL_ANY

    return any(n.kind in ("dash", "plus", "letter", "row") or LABEL_ANY.search(n.text) for n in node.walk() if n is not node)


def _reports(owners: OwnerMap) -> list[Task]:
    out = []
    for report in owners.reports:
        out.append(Task(
            area="chi_dao", area_label="Chế độ báo cáo", title=report.title, text=report.text,
            line_start=report.line_start, line_end=report.line_end, lead=list(report.units),
            deadline=report.deadline, kind="report", owner_how="beside",
        ))
    return out


def _assign_owners(tasks: list[Task], owners: OwnerMap, resolver: UnitResolver) -> None:
    for task in tasks:
        if not task.lead:
            lead = owners.plan_lead if owners.plan_lead and owners.how.get(task.area) in (None, "function", "standing") else None
            lead = lead or owners.leads.get(task.area)
            if lead:
                task.lead = list(lead)
                task.owner_how = "plan" if lead is owners.plan_lead else owners.how.get(task.area)
                lead_keys = {resolver.key(u) for u in lead}
                extra = [u for u in owners.coordinators.get(task.area, []) if resolver.key(u) not in lead_keys]
                task.coordinators = task.coordinators or extra
        if task.lead and not task.coordinators and task.owner_how not in ("table", "beside"):
            # "Công chức X: chủ trì, phối hợp với Y ...": Y works on X's tasks.
            for unit in task.lead:
                partners = owners.unit_coordinators.get(resolver.key(unit))
                if partners:
                    task.coordinators = list(partners)
                    break


def _finish(
    tasks: list[Task], owners: OwnerMap, resolver: UnitResolver, source_year: int, plan_year: int,
    calendar: WorkCalendar, warnings: list[ImportWarning],
) -> list[ImportedTask]:
    counters: dict[str, int] = {}
    out: list[ImportedTask] = []
    unknown_reported: set[str] = set()
    for task in sorted(tasks, key=lambda t: (t.kind == "report", t.line_start)):
        prefix = REPORT_PREFIX if task.kind == "report" else CODE_PREFIX[task.area]
        counters[prefix] = counters.get(prefix, 0) + 1
        code = f"{prefix}-{counters[prefix]:02d}"
        line = task.line_start
        _drop_collectives(task, owners, resolver, line, code, warnings)

        # Deadline: beside the task, else the date by which its lead reports the plan's
        # results (a one-off date). A recurring reporting date is a reporting duty of its
        # own: pasted onto tasks it would turn a continuous task into a quarterly one.
        how_deadline = None
        if not task.deadline and task.kind == "task":
            keys = [resolver.key(u) for u in task.lead]
            task.deadline = next((owners.unit_final_deadline[k] for k in keys if k in owners.unit_final_deadline), None)
            how_deadline = "hạn báo cáo kết quả của đơn vị chủ trì" if task.deadline else None
        elif not task.deadline:
            keys = [resolver.key(u) for u in task.lead]
            task.deadline = next((owners.unit_deadline[k] for k in keys if k in owners.unit_deadline), None)
            how_deadline = "hạn báo cáo của đơn vị" if task.deadline else None
            if not task.deadline and owners.plan_deadline:
                task.deadline = owners.plan_deadline
                how_deadline = "chế độ báo cáo chung của kế hoạch"
        due: list[str] = []
        if task.deadline:
            try:
                schedule = parse_deadline(task.deadline, source_year)
                due = [d.due.isoformat() for d in expand(schedule, plan_year, calendar)]
            except DeadlineError as error:
                if not re.search(r"\d", task.deadline):
                    # "theo kế hoạch hằng năm", "theo chỉ đạo của cấp trên": no date is
                    # written, so none is guessed: the task is continuous until the
                    # reviewer gives a date.
                    written = task.deadline
                    task.deadline = "thường xuyên"
                    warnings.append(ImportWarning(
                        line, f'Thời hạn "{written}" không có ngày cụ thể: tạm ghi "thường xuyên"; '
                        "hãy ghi hạn nếu có.", code))
                else:
                    warnings.append(ImportWarning(line, f"{error}; hãy sửa thời hạn.", code))
            else:
                if how_deadline:
                    warnings.append(ImportWarning(
                        line, f'Nhiệm vụ không ghi thời hạn riêng: lấy "{task.deadline}" ({how_deadline}).', code))
        else:
            warnings.append(ImportWarning(
                line, "Chưa có thời hạn: ghi thời hạn (ví dụ 'trước 30/6/2025', 'hàng quý') hoặc 'thường xuyên'.", code))

        if task.area_guessed:
            warnings.append(ImportWarning(line, f"Lĩnh vực đoán theo nội dung: {task.area}; hãy kiểm tra.", code))
        if not task.lead:
            warnings.append(ImportWarning(line, "Chưa có cơ quan chủ trì.", code))
        elif task.owner_how in ("function", "duties", "standing", "plan"):
            warnings.append(ImportWarning(line, f"Cơ quan chủ trì {', '.join(task.lead)}: {_HOW[task.owner_how]}.", code))

        task.lead = _resolve_all(task.lead, resolver, line, code, warnings, unknown_reported)
        task.coordinators = _resolve_all(task.coordinators, resolver, line, code, warnings, unknown_reported)
        task.coordinators = [u for u in task.coordinators if u not in task.lead]
        out.append(ImportedTask(code, task, due))
    return out


def _indicator_owners(indicators: list[Indicator], tasks: list[ImportedTask], warnings: list[ImportWarning]) -> None:
    """Each chỉ tiêu's area (from its text) and owner (the unit leading most tasks of that area).

    The reviewer sees both in the review file; an indicator without an owner is a warning.
    """
    owners = owner_by_area((t.task.area, t.task.lead[0]) for t in tasks if t.task.lead)
    for number, indicator in enumerate(indicators, start=1):
        indicator.area = guess_area(indicator.text)
        indicator.owner = owners.get(indicator.area or "")
        if indicator.owner is None:
            short = indicator.text if len(indicator.text) <= 80 else indicator.text[:80].rstrip() + "…"
            why = ("không đoán được lĩnh vực" if indicator.area is None
                   else f"lĩnh vực «{AREAS[indicator.area]}» chưa có nhiệm vụ nào có chủ trì")
            warnings.append(ImportWarning(
                indicator.line_start, f'Chưa rõ đơn vị chủ trì báo cáo chỉ tiêu "{short}" ({why}): '
                "hãy chọn đơn vị (owner).", indicator_code(number)))


def _drop_collectives(
    task: Task, owners: OwnerMap, resolver: UnitResolver, line: int, code: str, warnings: list[ImportWarning],
) -> None:
    """Take "các cơ quan, đơn vị liên quan" and the like out of a task's owners.

    Such a phrase names whoever is concerned, not a unit that can be reminded: as a
    coordinator it is dropped; as the only lead it gives way to the unit the "Tổ chức
    thực hiện" section makes responsible for the task's area (else the plan's lead or
    standing office), and the reviewer is asked to choose. A collective the
    organisation file lists as a unit ("Các ban, ngành, đoàn thể xã") is kept.
    """
    def vague(unit: str) -> bool:
        return is_collective(unit) and not resolver.known(unit)

    dropped = [u for u in task.coordinators if vague(u)]
    if dropped:
        task.coordinators = [u for u in task.coordinators if not vague(u)]
        warnings.append(ImportWarning(
            line, f'Bỏ "{", ".join(dropped)}" khỏi đơn vị phối hợp: đây là cách gọi chung, không phải một đơn vị; '
            "ghi tên đơn vị cụ thể nếu cần.", code))
    dropped = [u for u in task.lead if vague(u)]
    if not dropped:
        return
    task.lead = [u for u in task.lead if not vague(u)]
    if task.lead:
        warnings.append(ImportWarning(
            line, f'Bỏ "{", ".join(dropped)}" khỏi cơ quan chủ trì: đây là cách gọi chung, không phải một đơn vị.', code))
        return
    written = ", ".join(dropped)
    candidates = [
        (owners.leads.get(task.area), _HOW.get(owners.how.get(task.area, ""), "theo mục Tổ chức thực hiện")),
        (owners.plan_lead, _HOW["plan"]),
        ([owners.standing] if owners.standing else None, _HOW["standing"]),
    ]
    for units, how in candidates:
        units = [u for u in units or [] if not vague(u)]
        if units:
            task.lead = units
            task.owner_how = "collective"  # the warning below says where the lead came from
            task.coordinators = [u for u in task.coordinators if resolver.key(u) not in {resolver.key(x) for x in units}]
            warnings.append(ImportWarning(
                line, f'Cơ quan chủ trì ghi chung "{written}", không phải một đơn vị: tạm giao {", ".join(units)} '
                f"({how}); hãy chọn đơn vị chủ trì.", code))
            return
    warnings.append(ImportWarning(
        line, f'Cơ quan chủ trì ghi chung "{written}", không phải một đơn vị: để trống; hãy chọn đơn vị chủ trì.', code))


def _resolve_all(
    names: list[str], resolver: UnitResolver, line: int, code: str,
    warnings: list[ImportWarning], reported: set[str],
) -> list[str]:
    out: list[str] = []
    for name in names:
        resolved, known = resolver.resolve(name)
        if not known and resolver.org is not None:
            warnings.append(ImportWarning(line, f'Đơn vị "{name}" không có trong tệp tổ chức: giữ nguyên như văn bản.', code))
        if resolved not in out:
            out.append(resolved)
    return out


__all__ = ["ImportResult", "ImportWarning", "ImportedTask", "IngestError", "import_plan", "Para", "Node"]
