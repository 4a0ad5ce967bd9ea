"""The review file: a human-editable YAML of the imported plan, and its checks.

``write_review`` writes it (atomically: temp file + ``os.replace``) with comments in
Vietnamese; ``check_review`` reports every problem with its line; ``load_review``
returns the plan or raises ``ReviewError`` when there are errors — a plan with errors
cannot be activated.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from domain.deadlines import DeadlineError, parse_deadline
from ingest.areas import AREAS

# --------------------------------------------------------------------------- model


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewSource(_Model):
    """Where a task is in the source document."""

    line_start: int | None = None
    line_end: int | None = None


class ReviewPlanInfo(_Model):
    """The plan's metadata."""

    number: str | None = None
    title: str
    issuer: str | None = None
    place: str | None = None
    issued_on: date | None = None
    year: int
    source_year: int | None = None
    signer: str | None = None
    signer_role: str | None = None
    standing_coordinator: str | None = None
    source_file: str | None = None
    code: str | None = None  # a user-chosen plan code, for a plan without a number (or to tell two apart)


class ReviewTask(_Model):
    """One task as the coordinator approved it."""

    code: str
    area: str
    area_label: str | None = None
    kind: Literal["task", "report"] = "task"
    title: str
    text: str | None = None
    lead: list[str] = []
    coordinators: list[str] = []
    deadline: str | None = None
    product: str | None = None
    source: ReviewSource | None = None


class ReviewIndicator(_Model):
    """A target (chỉ tiêu): tracked each reporting period, its owner reminded to report the actual value.

    ``owner`` is a unit as tasks' ``lead`` names one (code, name or alias of the
    organisation file); ``area`` a reform area key. Activation guesses what is left empty.
    """

    text: str
    area: str | None = None
    owner: str | None = None
    source: ReviewSource | None = None


class ReviewStep(_Model):
    """One rung of the chasing ladder (see domain.policy.Step)."""

    name: str
    offset: int
    kind: str
    level: int = 0
    audience: list[str]


class ReviewChasing(_Model):
    """How the plan's tasks are chased; a missing field takes the default."""

    requires_confirmation: bool = True
    steps: list[ReviewStep] | None = None
    repeat_every_days: int | None = None
    repeat_audience: list[str] | None = None
    day_start: str | None = None
    day_end: str | None = None
    timezone: str | None = None
    spread_minutes: int | None = None

    def policy_dict(self) -> dict:
        """The stored form of the policy (``Plan.policy``); ``{}`` is the default ladder."""
        return self.model_dump(exclude={"requires_confirmation"}, exclude_none=True)


class ReviewPlan(_Model):
    """The whole review file."""

    plan: ReviewPlanInfo
    organisation: str | None = None
    chasing: ReviewChasing = ReviewChasing()
    warnings: list[str] = []
    indicators: list[ReviewIndicator] = []
    tasks: list[ReviewTask] = []


@dataclass(frozen=True)
class Problem:
    """A problem in a review file; ``line`` is 1-based (None: the whole file)."""

    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"dòng {self.line}: " if self.line else ""
        return f"{where}{self.message}"


class ReviewError(ValueError):
    """A review file with errors."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- writing


def _q(value: Any) -> str:
    """A YAML scalar (JSON strings are valid YAML double-quoted strings)."""
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def render_review(result: Any, review_path: Path | None = None) -> str:
    """The review file's text for an ``ImportResult``."""
    plan = result.plan_dict()
    org = None
    if result.organisation is not None:
        org = str(result.organisation)
        if review_path is not None:
            org = os.path.relpath(Path(result.organisation).resolve(), Path(review_path).resolve().parent)
    lines = [
        "# TỆP RÀ SOÁT KẾ HOẠCH — do `dondoc import` tạo từ văn bản gốc.",
        "# Hãy đọc lại từng nhiệm vụ, sửa cho đúng rồi kiểm tra bằng: dondoc plan check <tệp này>",
        "# Kế hoạch còn lỗi thì chưa thể kích hoạt (dondoc plan activate).",
        "# Thời hạn ghi như văn bản: 'trước 15/10/2025', 'hàng quý', 'định kỳ hàng quý, 6 tháng, năm',",
        "# 'Quý II/2025', 'thường xuyên' (không có hạn cụ thể)...",
        "",
        "plan:",
        f"  number: {_q(plan['number'])}            # số văn bản",
        f"  title: {_q(plan['title'])}",
        f"  issuer: {_q(plan['issuer'])}            # cơ quan ban hành",
        f"  place: {_q(plan['place'])}",
        f"  issued_on: {_q(plan['issued_on'])}      # ngày ban hành (YYYY-MM-DD)",
        f"  year: {plan['year']}                    # năm thực hiện (các hạn được tính cho năm này)",
        f"  source_year: {plan['source_year']}      # năm của văn bản gốc (năm ghi trong các thời hạn)",
        f"  signer: {_q(plan['signer'])}            # người ký",
        f"  signer_role: {_q(plan['signer_role'])}",
        f"  standing_coordinator: {_q(plan['standing_coordinator'])}   # cơ quan thường trực theo dõi chung",
        f"  source_file: {_q(plan['source_file'])}",
        "",
        "# Tệp tổ chức (đơn vị, cán bộ), đường dẫn tính từ thư mục của tệp này.",
        f"organisation: {_q(org)}",
        "",
        *_chasing_lines(),
        "",
        "# Những điểm người rà soát cần xem (có thể xoá sau khi đã xử lý).",
        "warnings:" + ("" if result.warnings else " []"),
    ]
    lines += [f"  - {_q(str(w))}" for w in result.warnings]
    lines += [
        "",
        "# Chỉ tiêu: được theo dõi; mỗi kỳ báo cáo, đơn vị chủ trì được nhắc báo cáo số liệu thực tế",
        "# (chưa báo cáo thì báo cơ quan thường trực, rồi Chủ tịch).",
        "# owner: đơn vị chủ trì báo cáo số liệu (ghi như lead của nhiệm vụ; đã đoán: đơn vị chủ trì nhiều",
        "# nhiệm vụ nhất của lĩnh vực, hãy kiểm tra); area: lĩnh vực (mã như ở mục tasks).",
        "indicators:" + ("" if result.indicators else " []"),
    ]
    for ind in result.indicators:
        lines += [
            f"  - text: {_q(ind.text)}",
            f"    area: {getattr(ind, 'area', None) or 'null'}",
            f"    owner: {_q(getattr(ind, 'owner', None))}",
            f"    source: {{line_start: {ind.line_start}, line_end: {ind.line_end}}}",
        ]
    lines += [
        "",
        "# Nhiệm vụ. lead: cơ quan/công chức chủ trì; coordinators: phối hợp; deadline: thời hạn;",
        "# area: " + ", ".join(f"{k} ({v})" for k, v in AREAS.items()) + ".",
        "# kind: task (nhiệm vụ) hoặc report (chế độ báo cáo). source: dòng trong văn bản gốc.",
        "tasks:" + ("" if result.tasks else " []"),
    ]
    current = None
    for item in result.tasks:
        task = item.task
        group = "Chế độ báo cáo" if task.kind == "report" else AREAS[task.area]
        if group != current:
            lines.append(f"  # ---- {group} ----")
            current = group
        due = ", ".join(item.due) if item.due else ("không có hạn cụ thể" if task.deadline else "chưa có")
        lines += [
            f"  - code: {_q(item.code)}",
            f"    area: {task.area}",
            f"    area_label: {_q(task.area_label)}",
            f"    kind: {task.kind}",
            f"    title: {_q(task.title)}",
            f"    text: {_q(task.text)}",
            f"    lead: {_list(task.lead)}",
            f"    coordinators: {_list(task.coordinators)}",
            f"    deadline: {_q(task.deadline)}   # hạn năm {result.year}: {due}",
            f"    product: {_q(task.product)}",
            f"    source: {{line_start: {task.line_start}, line_end: {task.line_end}}}",
        ]
    return "\n".join(lines) + "\n"


def _chasing_lines() -> list[str]:
    """The default chasing section, written out so that the coordinator can adjust it."""
    from domain.policy import DEFAULT_POLICY as p

    lines = [
        "# Cách đôn đốc (mặc định như dưới; xoá mục này cũng là dùng mặc định).",
        "# steps: offset = số ngày làm việc so với hạn (âm: trước hạn); kind: reminder (nhắc trước),",
        "# due (đến hạn), overdue (quá hạn), escalation (báo cấp trên); audience: lead (chủ trì),",
        "# coordinator (thường trực), vice_chairman (phó chủ tịch phụ trách), chairman (chủ tịch).",
        "chasing:",
        "  requires_confirmation: true   # báo hoàn thành phải được thường trực xác nhận",
        "  steps:",
    ]
    lines += [
        f"    - {{name: {s.name}, offset: {s.offset}, kind: {s.kind}, level: {s.level}, "
        f"audience: [{', '.join(s.audience)}]}}"
        for s in p.steps
    ]
    return lines + [
        f"  repeat_every_days: {p.repeat_every_days}   # sau bước cuối, nhắc lại mỗi chừng ấy ngày (0: không)",
        f"  repeat_audience: [{', '.join(p.repeat_audience)}]",
        f'  day_start: "{p.day_start:%H:%M}"   # chỉ gửi trong giờ làm việc',
        f'  day_end: "{p.day_end:%H:%M}"',
    ]


def write_review(result: Any, path: str | Path) -> Path:
    """Write the review file atomically (never a half-written file)."""
    path = Path(path)
    text = render_review(result, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- checking


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (key.value,)] = key.start_mark.line + 1
            _line_map(value, path + (key.value,), out)
            out[path + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), out)
    return out


def _line(lines: dict[tuple, int], loc: tuple) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())




def _dotted(loc: tuple) -> str:
    return ".".join(f"[{p + 1}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def check_review(path: str | Path, org_path: str | Path | None = None) -> tuple[ReviewPlan | None, list[Problem]]:
    """Check a review file; every problem comes with its line.

    Args:
        path: the review file.
        org_path: organisation file to check unit names against (default: the one
            the review file names).

    Returns:
        The parsed plan (None if it could not be read) and the problems, errors
        and warnings, in line order.
    """
    from domain.safe_yaml import YamlBoundsError, check_file_size, check_yaml_bounds

    path = Path(path)
    try:
        check_file_size(path)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, [Problem(None, f"Không tìm thấy tệp {path}.")]
    except UnicodeDecodeError:
        return None, [Problem(None, f"Tệp {path.name} không phải văn bản UTF-8.")]
    except YamlBoundsError as error:
        return None, [Problem(error.line, f"Tệp rà soát {path.name}: {error.message}.")]
    from domain.yaml_problems import duplicate_keys, load_problem, validation_message

    try:
        # Aliases and deep nesting are refused before anything is built or walked (issue 17).
        check_yaml_bounds(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except YamlBoundsError as error:
        return None, [Problem(error.line, f"Tệp rà soát {path.name}: {error.message}.")]
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an impossible date (2026-02-30)
        problem = load_problem(error, text)
        return None, [Problem(problem.line, f"Tệp rà soát {path.name}: {problem.text()}.")]
    if node is None or not isinstance(data, dict):
        return None, [Problem(1, "Tệp rà soát phải có các mục plan, tasks.")]
    # PyYAML keeps the last of two equal keys without a word: the first would be lost.
    dupes = [Problem(p.line, f"{_dotted(loc)}: {p.message}.") for loc, p in duplicate_keys(node)]
    lines = _line_map(node)
    try:
        review = ReviewPlan.model_validate(data)
    except ValidationError as error:
        invalid = []
        for err in error.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc)
            message = validation_message(err)
            invalid.append(Problem(_line(lines, loc), f"{field}: {message}"))
        return None, sorted(dupes + invalid, key=lambda p: p.line or 0)

    problems: list[Problem] = dupes
    _check_chasing(review, lines, problems)
    from ingest.ranges import check_ranges  # what activation and the workflow can take

    problems.extend(Problem(line, message) for line, message in check_ranges(review, lambda *loc: _line(lines, loc)))
    resolve = _org_resolver(review, path, org_path, problems, lines)
    deadline_year = review.plan.source_year or review.plan.year
    seen: dict[str, int | None] = {}
    for index, task in enumerate(review.tasks):
        at = lambda *f, index=index: _line(lines, ("tasks", index, *f))  # noqa: E731
        name = f"Nhiệm vụ {task.code}"
        if task.code in seen:
            problems.append(Problem(at("code"), f"{name}: trùng mã với nhiệm vụ ở dòng {seen[task.code]}."))
        else:
            seen[task.code] = at("code")
        if task.area not in AREAS:
            problems.append(Problem(at("area"), f"{name}: lĩnh vực '{task.area}' không hợp lệ; chọn một trong: {', '.join(AREAS)}."))
        if not task.title.strip():
            problems.append(Problem(at("title"), f"{name}: thiếu tên nhiệm vụ (title)."))
        if not [u for u in task.lead if u.strip()]:
            problems.append(Problem(at("lead"), f"{name}: chưa có cơ quan chủ trì (lead)."))
        if not task.deadline or not task.deadline.strip():
            problems.append(Problem(at("deadline"), f"{name}: chưa có thời hạn (deadline); ghi thời hạn hoặc 'thường xuyên'."))
        else:
            try:
                parse_deadline(task.deadline, deadline_year)
            except DeadlineError as error:
                problems.append(Problem(at("deadline"), f"{name}: {error}."))
        if resolve is not None:
            for field in ("lead", "coordinators"):
                for unit in getattr(task, field):
                    problems.extend(_unit_problem(resolve, unit, name, at(field)))
    _check_indicators(review, lines, resolve, problems)
    return review, sorted(problems, key=lambda p: (p.line or 0))


def _unit_problem(resolve: Any, unit: str | None, name: str, line: int | None) -> list[Problem]:
    """A unit the organisation file does not know (a task's lead or coordinator, a chỉ tiêu's owner)."""
    if resolve is None or not unit or not unit.strip() or resolve(unit) is not None:
        return []
    return [Problem(line, f"{name}: đơn vị '{unit}' không có trong tệp tổ chức.")]


def _check_indicators(review: ReviewPlan, lines: dict, resolve: Any, problems: list[Problem]) -> None:
    from domain.indicators import indicator_code

    for index, indicator in enumerate(review.indicators):
        at = lambda *f, index=index: _line(lines, ("indicators", index, *f))  # noqa: E731
        name = f"Chỉ tiêu {indicator_code(index + 1)}"
        if not indicator.text.strip():
            problems.append(Problem(at("text"), f"{name}: thiếu nội dung chỉ tiêu (text)."))
        if indicator.area and indicator.area not in AREAS:
            problems.append(Problem(at("area"), f"{name}: lĩnh vực '{indicator.area}' không hợp lệ; chọn một trong: {', '.join(AREAS)}."))
        problems.extend(_unit_problem(resolve, indicator.owner, name, at("owner")))


def _check_chasing(review: ReviewPlan, lines: dict, problems: list[Problem]) -> None:
    from domain.policy import Policy, PolicyError

    try:
        Policy.from_dict(review.chasing.policy_dict())
    except PolicyError:
        pass  # each problem is reported with its line by ingest.ranges (the same rule)
    except ValueError as error:  # the policy's own checks, already in Vietnamese
        problems.append(Problem(_line(lines, ("chasing",)), f"Cách đôn đốc (chasing): {error}"))


def _org_resolver(review: ReviewPlan, path: Path, org_path: Any, problems: list[Problem], lines: dict) -> Any:
    from domain.organisation import OrganisationError, load_organisation

    if org_path is None and review.organisation:
        org_path = (path.parent / review.organisation).resolve()
    if org_path is None:
        problems.append(Problem(
            _line(lines, ("organisation",)),
            "Chưa ghi tệp tổ chức (organisation): chưa kiểm tra được tên đơn vị.", "warning"))
        return None
    try:
        return load_organisation(org_path).resolve_unit
    except OrganisationError as error:
        problems.append(Problem(_line(lines, ("organisation",)), f"Tệp tổ chức {org_path} có lỗi: {error}"))
        return None


def load_review(path: str | Path, org_path: str | Path | None = None) -> ReviewPlan:
    """Load a checked review file.

    Raises:
        ReviewError: with every error (warnings do not stop loading).
    """
    review, problems = check_review(path, org_path)
    errors = [p for p in problems if p.severity == "error"]
    if errors or review is None:
        raise ReviewError(errors or problems)
    return review
