"""Edits of a review file made in the browser: the same YAML the CLI reads and writes.

The review file stays the storage of a plan under review: the browser loads it as
data, changes one task (or adds, removes, splits, merges tasks) and writes it back
atomically; ``dondoc plan check`` and ``dondoc plan activate`` read the result. Hand
edits made with a text editor are kept (except comments, which the browser rewrites).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

HEADER = (
    "# TỆP RÀ SOÁT KẾ HOẠCH — tạo bằng `dondoc import` hoặc trang Nhập kế hoạch, sửa trên trình duyệt.\n"
    "# Kiểm tra: dondoc plan check <tệp này>; kích hoạt: dondoc plan activate <tệp này> (hoặc nút Kích hoạt).\n"
)
TASK_FIELDS = ("code", "area", "area_label", "kind", "title", "text", "lead", "coordinators", "deadline", "product", "source")
_TASK_REF = re.compile(r"\[([^\]\s]+)\]")


def load_data(path: str | Path) -> dict[str, Any]:
    """The review file as plain data (an empty plan if the file holds nothing)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
    if not isinstance(data, dict):
        raise ValueError("Tệp rà soát phải là một bảng (plan, tasks...).")
    data.setdefault("tasks", [])
    data.setdefault("warnings", [])
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump_data(data: dict[str, Any]) -> str:
    """The YAML text of ``data`` (key order kept)."""
    return HEADER + yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, width=110)


def save_data(data: dict[str, Any], path: str | Path) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + replace: never half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_data(data))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _codes(data: dict[str, Any]) -> set[str]:
    return {str(t.get("code")) for t in data["tasks"]}


def unique_code(data: dict[str, Any], base: str) -> str:
    """``base`` if free, else ``base-2``, ``base-3``..."""
    codes, n = _codes(data), 2
    if base not in codes:
        return base
    while f"{base}-{n}" in codes:
        n += 1
    return f"{base}-{n}"


def update_task(data: dict[str, Any], index: int, values: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields of task ``index`` (lists for lead/coordinators; None clears)."""
    task = data["tasks"][index]
    for name, value in values.items():
        if name not in TASK_FIELDS:
            raise KeyError(name)
        task[name] = value
    data["tasks"][index] = {k: task[k] for k in TASK_FIELDS if k in task} | {k: v for k, v in task.items() if k not in TASK_FIELDS}
    return data["tasks"][index]


def add_task(data: dict[str, Any], after: int | None = None, area: str = "chi_dao") -> int:
    """Add an empty task after task ``after`` (at the end if None); returns its index."""
    near = data["tasks"][after] if after is not None and data["tasks"] else None
    task = {"code": unique_code(data, f"{near['code']}-moi" if near else "moi"), "area": near.get("area", area) if near else area,
            "kind": "task", "title": "", "text": None, "lead": [], "coordinators": [], "deadline": None, "product": None}
    index = len(data["tasks"]) if after is None else after + 1
    data["tasks"].insert(index, task)
    return index


def remove_task(data: dict[str, Any], index: int) -> dict[str, Any]:
    """Remove task ``index``; returns it."""
    return data["tasks"].pop(index)


def split_task(data: dict[str, Any], index: int) -> int:
    """Split task ``index`` in two: a copy follows it with its own code; returns the copy's index.

    The title is cut at its first ";" when there is one (two duties written in one bullet).
    """
    task = data["tasks"][index]
    copy = dict(task, lead=list(task.get("lead") or []), coordinators=list(task.get("coordinators") or []))
    title = str(task.get("title") or "")
    first, sep, rest = title.partition(";")
    if sep and rest.strip():
        task["title"], copy["title"] = first.strip(), rest.strip()
    copy["code"] = unique_code(data, f"{task['code']}b")
    data["tasks"].insert(index + 1, copy)
    return index + 1


def merge_with_next(data: dict[str, Any], index: int) -> dict[str, Any]:
    """Merge task ``index + 1`` into task ``index`` (titles, texts, units joined; source lines spanned).

    Raises:
        IndexError: ``index`` is the last task.
    """
    task, other = data["tasks"][index], data["tasks"][index + 1]
    task["title"] = "; ".join(t for t in (task.get("title"), other.get("title")) if t)
    texts = [t for t in (task.get("text"), other.get("text")) if t]
    task["text"] = "\n".join(texts) if texts else None
    for name in ("lead", "coordinators"):
        task[name] = list(dict.fromkeys([*(task.get(name) or []), *(other.get(name) or [])]))
    if not task.get("deadline"):
        task["deadline"] = other.get("deadline")
    if not task.get("product"):
        task["product"] = other.get("product")
    a, b = task.get("source") or {}, other.get("source") or {}
    starts = [v for v in (a.get("line_start"), b.get("line_start")) if v]
    ends = [v for v in (a.get("line_end"), b.get("line_end")) if v]
    if starts or ends:
        task["source"] = {"line_start": min(starts) if starts else None, "line_end": max(ends) if ends else None}
    data["tasks"].pop(index + 1)
    return task


def warnings_by_task(data: dict[str, Any]) -> tuple[dict[str, list[str]], list[str]]:
    """The importer's warnings grouped by the task code they name (``[1.2]``), and the rest."""
    codes = _codes(data)
    by_task: dict[str, list[str]] = {}
    general: list[str] = []
    for warning in data.get("warnings") or []:
        match = _TASK_REF.search(str(warning))
        if match and match.group(1) in codes:
            by_task.setdefault(match.group(1), []).append(str(warning))
        else:
            general.append(str(warning))
    return by_task, general


def unresolved_warnings(path: str | Path) -> int:
    """The number of importer warnings still listed in the review file (resolved ones are removed)."""
    try:
        return len(load_data(path).get("warnings") or [])
    except (OSError, ValueError, yaml.YAMLError):
        return 0


@dataclass
class TaskChange:
    """How one task differs between two versions of a review."""

    code: str
    kind: str  # "added", "removed", "changed"
    title: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (before, after)


_COMPARED = ("area", "kind", "title", "lead", "coordinators", "deadline", "product")


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[TaskChange]:
    """Tasks added, removed and changed from ``before`` to ``after`` (matched by code)."""
    old = {str(t.get("code")): t for t in before.get("tasks") or []}
    new = {str(t.get("code")): t for t in after.get("tasks") or []}
    changes: list[TaskChange] = []
    for code, task in new.items():
        if code not in old:
            changes.append(TaskChange(code, "added", str(task.get("title") or "")))
            continue
        fields = {name: (old[code].get(name), task.get(name)) for name in _COMPARED
                  if (old[code].get(name) or None) != (task.get(name) or None)}
        if fields:
            changes.append(TaskChange(code, "changed", str(task.get("title") or ""), fields))
    changes += [TaskChange(code, "removed", str(t.get("title") or "")) for code, t in old.items() if code not in new]
    return changes
