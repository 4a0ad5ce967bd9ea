"""Edits of a review file made in the browser: the same YAML the CLI reads and writes.

The review file stays the storage of a plan under review: the browser loads it as
data, changes one task (or adds, removes, splits, merges tasks) and writes it back
atomically; ``dondoc plan check`` and ``dondoc plan activate`` read the result. The
file is loaded and written with ruamel.yaml's round-trip mode, so the comments and layout
written by the importer or by a person with a text editor survive a browser edit. Loading
keeps domain.safe_yaml's bounds (no anchors or aliases, bounded size and depth); the
problems of a file are reported by ``ingest.review.check_review``.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml import YAMLError as RoundTripError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from domain.indicators import indicator_code
from domain.safe_yaml import check_file_size, check_yaml_bounds

HEADER = (
    "# TỆP RÀ SOÁT KẾ HOẠCH — tạo bằng `dondoc import` hoặc trang Nhập kế hoạch, sửa trên trình duyệt.\n"
    "# Kiểm tra: dondoc plan check <tệp này>; kích hoạt: dondoc plan activate <tệp này> (hoặc nút Kích hoạt).\n"
)
TASK_FIELDS = ("code", "area", "area_label", "kind", "title", "text", "lead", "coordinators", "deadline", "product", "source")
INDICATOR_FIELDS = ("text", "area", "owner", "source")
_TASK_REF = re.compile(r"\[([^\]\s]+)\]")


def _null(representer: Any, _value: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _round_trip() -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True  # the importer quotes every text: keep it so
    rt.width = 4096  # never re-fold a long title a person wrote on one line
    rt.indent(mapping=2, sequence=4, offset=2)  # the importer's "  - code:" layout
    rt.representer.ignore_aliases = lambda _data: True  # a shared value is written out twice: the reader refuses anchors
    rt.representer.add_representer(type(None), _null)  # "deadline: null", as the importer writes
    return rt


def load_data(path: str | Path) -> dict[str, Any]:
    """The review file as data that remembers its comments (an empty plan if the file holds nothing).

    Raises:
        ValueError: the file is beyond domain.safe_yaml's bounds, or is not a mapping.
        yaml.YAMLError, ruamel.yaml.YAMLError: the file is not YAML.
    """
    check_file_size(path)
    text = Path(path).read_text(encoding="utf-8-sig")
    check_yaml_bounds(text)  # before building anything: no aliases, bounded depth
    data = _round_trip().load(text)
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise ValueError("Tệp rà soát phải là một bảng (plan, tasks...).")
    data.setdefault("tasks", CommentedSeq())
    data.setdefault("warnings", CommentedSeq())
    return data


def _quoted(value: Any) -> Any:
    """Texts typed in the browser as double-quoted YAML, like the importer writes them.

    A plain ``yes`` or ``12:30`` would read back as a boolean or a number under the
    YAML 1.1 rules of ``dondoc plan check``; quoted, a text stays a text.
    """
    if isinstance(value, str) and not isinstance(value, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(value)
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        seq = CommentedSeq(_quoted(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        mapping = CommentedMap((k, _quoted(v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, date):
        return value.isoformat()
    return value


def _task_map(task: dict[str, Any]) -> CommentedMap:
    """A task as the importer writes it: block mapping, texts quoted, lists and source on one line."""
    if not isinstance(task, CommentedMap):
        return CommentedMap((k, _quoted(v)) for k, v in task.items())
    for name, value in task.items():
        if isinstance(value, (list, dict)) and not isinstance(value, (CommentedSeq, CommentedMap)):
            task[name] = _quoted(value)
    return task


def dump_data(data: dict[str, Any]) -> str:
    """The YAML text of ``data`` (key order, comments and quoting kept; a header for new data)."""
    tasks = data.get("tasks")
    if isinstance(tasks, list):
        for index, task in enumerate(tasks):
            if isinstance(task, dict) and not isinstance(task, CommentedMap):
                tasks[index] = _task_map(task)  # one by one: a slice assignment drops the list's comments
            elif isinstance(task, CommentedMap):
                _task_map(task)
    stream = StringIO()
    _round_trip().dump(data, stream)
    text = stream.getvalue()
    # Data loaded from a file carries its own comments; data built in code gets the header.
    return text if isinstance(data, CommentedMap) else HEADER + text


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


def _drop_due_note(task: CommentedMap) -> None:
    """Drop the importer's "# hạn năm ...: <dates>" note of a changed deadline (now stale).

    Only that note on the deadline's line goes; a comment a person wrote stays.
    """
    token = (task.ca.items.get("deadline") or [None, None, None])[2]
    if token is None or not token.value.lstrip().startswith("# hạn năm"):
        return
    first, newline, rest = token.value.partition("\n")
    token.value = "\n" + rest if newline else "\n"
    if not token.value.strip():
        del task.ca.items["deadline"]


def update_task(data: dict[str, Any], index: int, values: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields of task ``index`` (lists for lead/coordinators; None clears).

    The task is changed in place, so its comments (the importer's "hạn năm ..." note, a
    person's remark) stay; a field it lacked is inserted at its place in ``TASK_FIELDS``.
    """
    data["tasks"][index] = _task_map(data["tasks"][index])
    return _update(data["tasks"][index], TASK_FIELDS, values)


def update_indicator(data: dict[str, Any], index: int, values: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields (text, area, owner; None clears) of chỉ tiêu ``index``, as ``update_task`` does."""
    data["indicators"][index] = _task_map(data["indicators"][index])
    return _update(data["indicators"][index], INDICATOR_FIELDS, values)


def _update(item: CommentedMap, fields: tuple[str, ...], values: dict[str, Any]) -> CommentedMap:
    for name in values:
        if name not in fields:
            raise KeyError(name)
    for name, value in values.items():
        if name in item:
            if item[name] == value:
                continue  # unchanged: keep it as written (quotes, flow style)
            item[name] = _quoted(value)
            if name == "deadline":
                _drop_due_note(item)
        else:
            order = fields.index(name)
            position = sum(1 for k in item if k in fields and fields.index(k) < order)
            item.insert(position, name, _quoted(value))
    return item
def add_task(data: dict[str, Any], after: int | None = None, area: str = "chi_dao") -> int:
    """Add an empty task after task ``after`` (at the end if None); returns its index."""
    near = data["tasks"][after] if after is not None and data["tasks"] else None
    task: dict[str, Any] = {"code": unique_code(data, f"{near['code']}-moi" if near else "moi"), "area": near.get("area", area) if near else area,
            "kind": "task", "title": "", "text": None, "lead": [], "coordinators": [], "deadline": None, "product": None}
    index = len(data["tasks"]) if after is None else after + 1
    data["tasks"].insert(index, task)
    return index


def remove_item(data: dict[str, Any], key: str, index: int) -> Any:
    """Remove item ``index`` of the list ``data[key]`` (a warning), keeping the comment written after it.

    ruamel keeps the comment lines that head the next section ("# Chỉ tiêu: ...") with the
    last item of the list before them: they would go with that item.
    """
    seq = data[key]
    token = None
    if isinstance(seq, CommentedSeq) and index == len(seq) - 1:
        token = (seq.ca.items.pop(index, None) or [None])[0]
    removed = seq.pop(index)
    if token is None:
        return removed
    if seq:
        before = (seq.ca.items.get(len(seq) - 1) or [None])[0]
        if before is None:
            seq.ca.items[len(seq) - 1] = [token, None, None, None]
        return removed
    keys = list(data)
    following = keys[keys.index(key) + 1] if keys.index(key) + 1 < len(keys) else None
    lines = [line.lstrip("#").removeprefix(" ") for line in token.value.strip("\n").split("\n") if line.strip()]
    if following is not None and lines and isinstance(data, CommentedMap):
        data.yaml_set_comment_before_after_key(following, before="\n".join(lines), indent=0)
    return removed


def remove_task(data: dict[str, Any], index: int) -> dict[str, Any]:
    """Remove task ``index``; returns it."""
    return data["tasks"].pop(index)


def split_task(data: dict[str, Any], index: int) -> int:
    """Split task ``index`` in two: a copy follows it with its own code; returns the copy's index.

    The title is cut at its first ";" when there is one (two duties written in one bullet).
    """
    task = data["tasks"][index]
    copy = dict(task, lead=list(task.get("lead") or []), coordinators=list(task.get("coordinators") or []))
    if isinstance(task.get("source"), dict):
        copy["source"] = dict(task["source"])  # its own span, not the original's (shared values are not YAML we read)
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
    """The importer's warnings grouped by the task or chỉ tiêu code they name (``[1.2]``, ``[CT-03]``), and the rest."""
    codes = _codes(data) | {indicator_code(n) for n in range(1, len(data.get("indicators") or []) + 1)}
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
    except (OSError, ValueError, yaml.YAMLError, RoundTripError):
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


def indicator_diff(before: dict[str, Any], after: dict[str, Any]) -> list[TaskChange]:
    """Chỉ tiêu added, removed and changed (owner, area) from ``before`` to ``after``.

    Indicators have no code in the review (activation numbers them CT-01, CT-02... in
    order), so they are matched by their text; the code shown is the one in ``after``
    (``before`` for a removed one).
    """
    def keyed(data: dict[str, Any]) -> dict[str, tuple[int, dict[str, Any]]]:
        items = [i for i in data.get("indicators") or [] if isinstance(i, dict)]
        return {" ".join(str(i.get("text") or "").split()).casefold(): (n, i) for n, i in enumerate(items, start=1)}

    old, new = keyed(before), keyed(after)
    changes: list[TaskChange] = []
    for text, (number, item) in new.items():
        code = f"Chỉ tiêu {indicator_code(number)}"
        if text not in old:
            changes.append(TaskChange(code, "added", str(item.get("text") or "")))
            continue
        previous = old[text][1]
        fields = {name: (previous.get(name), item.get(name)) for name in ("owner", "area")
                  if (previous.get(name) or None) != (item.get(name) or None)}
        if fields:
            changes.append(TaskChange(code, "changed", str(item.get("text") or ""), fields))
    changes += [TaskChange(f"Chỉ tiêu {indicator_code(n)}", "removed", str(i.get("text") or ""))
                for text, (n, i) in old.items() if text not in new]
    return changes
