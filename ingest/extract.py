"""Tasks, indicators and reporting duties from the section tree.

Rules (from how plans are written, not from any one plan):
- tasks live in sections whose heading says "nhiệm vụ", "nội dung", "giải pháp",
  "phụ lục" or names a reform area; "Mục đích", "Yêu cầu", "Kinh phí" hold none;
  "Chỉ tiêu" items are indicators; an item that starts with a percentage ("100% hồ
  sơ ...") is an indicator wherever it stands;
- each bullet, lettered or numbered item without sub-items, and each plain paragraph
  is one task; paragraphs before the first item of a list are its introduction; an
  item ending with ":" that has sub-items only groups them;
- lines beside a task ("Cơ quan chủ trì: ...", "Thời gian thực hiện: ...") belong to it;
- appendix tables (STT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian
  hoàn thành | Sản phẩm) give one task per row; rows without a lead or a deadline and
  with a Roman number or a single merged cell are area headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.text import fold, normalise
from ingest.areas import AREAS, areas_in, guess_area
from ingest.deadline_text import find_deadline
from ingest.normalise import LABEL, LABEL_ANY
from ingest.sections import Node, heading_role
from ingest.units import looks_like_unit, split_units


@dataclass
class Task:
    """A task as read from the document (before owners are filled in)."""

    area: str
    area_label: str
    title: str
    text: str
    line_start: int
    line_end: int
    lead: list[str] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    deadline: str | None = None
    product: str | None = None
    kind: str = "task"  # "task" or "report"
    area_guessed: bool = False
    owner_how: str | None = None  # "beside", "table", "area", "duties", "function", "standing"


@dataclass
class Indicator:
    """A target (chỉ tiêu): not a task; tracked per reporting period, its owner reminded to report it."""

    text: str
    line_start: int
    line_end: int
    area: str | None = None  # guessed from the text (ingest.importer)
    owner: str | None = None  # the unit that reports it, guessed from the area (ingest.importer)


_TARGET_START = re.compile(r"^(?:(?:tối thiểu|ít nhất|trên|từ|đạt|đảm bảo|phấn đấu)\s+)?\d+(?:[.,]\d+)?\s*%", re.IGNORECASE)
_TARGET_WORDS = re.compile(r"^(?:tỷ lệ|tỉ lệ|mức độ|chỉ số|số lượng)\b.*\d+(?:[.,]\d+)?\s*%", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"^\(.*\)\.?$")
# "Các nhiệm vụ cụ thể tại Phụ lục kèm theo": a pointer to the appendix, not a task.
_APPENDIX_POINTER = re.compile(r"phụ lục.{0,60}kèm theo|kèm theo.{0,60}phụ lục", re.IGNORECASE)


def is_target(text: str) -> bool:
    """A numeric target rather than a task."""
    return bool(_TARGET_START.match(text) or _TARGET_WORDS.match(text))


def title_of(text: str, limit: int = 180) -> str:
    """A short title: the first sentence, cut at a word boundary."""
    text = text.strip()
    match = re.search(r"(?<=[^\s.]{2})[.;](?=\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ]|\s*$)", text)
    first = text[: match.start()] if match else text
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + "…"
    return first.strip(" ,;:")


def _attributes(text: str) -> tuple[str, dict[str, str]]:
    """Split "task text. Cơ quan chủ trì: X; Thời gian: Y" into text and attributes."""
    attrs: dict[str, str] = {}
    matches = list(LABEL_ANY.finditer(text))
    if not matches:
        return text, attrs
    body = text[: matches[0].start()].strip(" .;,-")
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[match.end(): end].strip(" .;,")
        label = fold(match.group("label"))
        if "phoi hop" in label:
            attrs["coordinators"] = value
        elif "thoi gian" in label or "thoi han" in label or "tien do" in label:
            attrs["deadline"] = value
        elif "san pham" in label or "ket qua" in label:
            attrs["product"] = value
        else:
            attrs["lead"] = value
    return body, attrs


# "a) Nhiệm vụ: ..." in a block that also gives the owners and the deadline.
TASK_LABEL = re.compile(r"^(?:nhiệm vụ|nội dung(?:\s+(?:nhiệm vụ|công việc|thực hiện))?|tên nhiệm vụ)\s*:\s*", re.IGNORECASE)
# "(Phòng Tư pháp chủ trì, Sở Nội vụ phối hợp; hoàn thành trước 31/10/2026)".
_PAREN_OWNERS = re.compile(r"\(([^()]{3,300}?\bchủ trì\b[^()]*)\)\s*[.;]?\s*$", re.IGNORECASE)
# "Chủ trì, phối hợp với Công an phường rà soát ...": who works with the lead.
_WITH = re.compile(r"\bphối hợp (?:chặt chẽ )?với\s+", re.IGNORECASE)
# Lower-case words that belong to unit names ("Công an phường", "các cơ quan liên quan").
_NAME_WORDS = frozenset(
    "xã phường huyện tỉnh thị trấn thành phố quận các cơ quan đơn vị liên quan có và - ban ngành đoàn thể "
    "phòng chuyên môn của tổ dân thôn bản khu trực thuộc".split()
)


def _paren_owners(text: str) -> tuple[str, dict[str, str]]:
    """Owners and deadline written in a bracket after the task."""
    match = _PAREN_OWNERS.search(text)
    if not match:
        return text, {}
    attrs: dict[str, str] = {}
    rest: list[str] = []
    for part in re.split(r"\s*;\s*", match.group(1)):
        for piece in re.split(r",\s*(?=[^,]*\b(?:chủ trì|phối hợp)\s*$)", part):
            piece = piece.strip(" .,")
            if m := re.match(r"^(.+?)\s+chủ trì(?:\s+thực hiện)?$", piece, re.IGNORECASE):
                attrs["lead"] = m.group(1)
            elif m := re.match(r"^(.+?)\s+phối hợp(?:\s+thực hiện)?$", piece, re.IGNORECASE):
                attrs["coordinators"] = m.group(1)
            elif piece:
                rest.append(piece)
    if "lead" not in attrs:
        return text, {}
    if rest:
        attrs["deadline"] = "; ".join(rest)
    return text[: match.start()].rstrip(" ,;"), attrs


# Verbs that start the action after the units ("... phối hợp với Công an xã rà soát ...").
_ACTION = re.compile(
    r"^(?:tổ chức|thực hiện|triển khai|rà soát|hướng dẫn|xây dựng|theo dõi|kiểm tra|tham mưu|đề xuất|"
    r"tuyên truyền|cập nhật|tổng hợp|báo cáo|giải quyết|ban hành|hoàn thiện|nâng cao|đẩy mạnh|duy trì|"
    r"bố trí|quản lý|tiếp nhận|lập|cung cấp|đánh giá|phổ biến|số hóa|vận hành|công khai|niêm yết|"
    r"thẩm định|chỉ đạo|đôn đốc|giám sát|thanh tra|đào tạo|bồi dưỡng|sắp xếp|kiện toàn|trình|để|nhằm|"
    r"trong|theo|tại|đối với|về|hoàn thành|bảo đảm|đảm bảo)\b",
    re.IGNORECASE,
)


def _owner_cell(text: str) -> tuple[str, str]:
    """One "executing unit" cell that names both roles: "X chủ trì; Y phối hợp" or
    "Chủ trì: X; Phối hợp: Y". Returns (lead, coordinators) texts."""
    if not re.search(r"\b(?:chủ trì|phối hợp)\b", text, re.IGNORECASE):
        return text, ""
    _, attrs = _paren_owners(f"({text})")
    if attrs:
        return attrs.get("lead", ""), attrs.get("coordinators", "")
    _, labelled = _attributes(text)
    if "lead" in labelled:
        return labelled["lead"], labelled.get("coordinators", "")
    return text, ""


def coordinated_with(text: str) -> list[str]:
    """The units after "phối hợp với" ("... phối hợp với Công an phường rà soát ...").

    A unit name runs until the action begins (a verb such as "rà soát", "tổ chức") or
    the clause ends.
    """
    match = _WITH.search(text)
    if not match:
        return []
    rest = text[match.end():]
    end = len(rest)
    for m in re.finditer(r"[;.:()]|\s+(?=\S)", rest):
        if m.group(0) in ";.:()":
            end = m.start()
            break
        if _ACTION.match(rest[m.end():]) and m.start() > 0:
            end = m.start()
            break
    names = rest[:end].strip(" ,;.")
    return split_units(names) if names and looks_like_unit(names) else []


_REPORT_ITEM = re.compile(r"^(?:dinh ky |dinh ki )?(?:tong hop,? )?(?:gui )?bao cao\b(?! (?:ket qua )?(?:danh gia|tu danh gia))")


_RECURRING = re.compile(r"hàng|hằng|định kỳ|mỗi|theo (?:quý|quí|tháng|năm)", re.IGNORECASE)


class TaskCollector:
    """Walks task sections and tables."""

    def __init__(self, year: int, known=None) -> None:
        self.year = year
        self.known = known  # name -> bool: keeps "Văn phòng HĐND và UBND huyện" whole
        self.tasks: list[Task] = []
        self.indicators: list[Indicator] = []
        self.notes: list[tuple[int, str]] = []  # (line, message) for the reviewer
        self._lead: list[str] | None = None  # the unit a "PHÂN CÔNG" sub-heading names
        self._kind = "task"

    # ------------------------------------------------------------------ tree

    def collect(self, node: Node, areas: list[str], label: str | None) -> None:
        """Collect from the children of ``node`` (a section with role tasks/targets)."""
        children = node.children
        has_items = any(c.kind in ("decimal", "letter", "dash", "plus") for c in children)
        seen_item = False
        rows: list[Node] = []
        for child in children + [None]:
            if child is not None and child.kind == "row":
                rows.append(child)
                continue
            if rows:
                self.table(rows, areas, label)
                rows = []
            if child is None:
                break
            if child.kind in ("decimal", "letter", "dash", "plus"):
                seen_item = True
            if child.role in ("skip", "organisation", "intro", "closing"):
                continue
            if child.role == "targets":
                self._targets(child)
                continue
            if child.is_heading and self._field_block(child, areas, label):
                continue
            if child.is_heading:
                self._heading(child, areas, label)
                continue
            if child.kind == "para" and has_items and not seen_item:
                continue  # the introduction of a list
            self.item(child, areas, label)

    def _heading(self, node: Node, areas: list[str], label: str | None) -> None:
        """A sub-heading: an area, a unit (its tasks beneath), or reporting duties."""
        found = areas_in(node.text)
        saved_lead, saved_kind = self._lead, self._kind
        unit_text = node.text.rstrip(" :.")
        if not found and looks_like_unit(unit_text) and len(unit_text) < 120 and not _is_sentence(node.text):
            # "III. PHÂN CÔNG NHIỆM VỤ / 1. Văn phòng HĐND và UBND phường / - ...":
            # the unit leads the tasks listed under it.
            self._lead = split_units(unit_text, self.known) or [unit_text]
        if node.role == "reports" or heading_role(node.text) == "reports":
            self._kind = "report"
        try:
            heading = _heading_label(node.text)
            self.collect(node, found or areas, heading if found else label)
        finally:
            self._lead, self._kind = saved_lead, saved_kind

    def _field_block(self, node: Node, areas: list[str], label: str | None) -> bool:
        """A numbered heading that is itself a task, its fields beneath it.

        "3. Tập huấn ... / - Đơn vị chủ trì: ... / - Thời gian hoàn thành: ..." or
        "2. ... / a) Nhiệm vụ: ... / b) Cơ quan thực hiện: - Đơn vị chủ trì: ... / c) Thời gian thực hiện: ...".
        """
        fields: list[Node] = []
        body: str | None = None

        def visit(parent: Node) -> bool:
            nonlocal body
            for child in parent.children:
                if child.kind == "row":
                    return False
                if TASK_LABEL.match(child.text) and body is None:
                    body = TASK_LABEL.sub("", child.text).strip()
                    if child.children and not visit(child):
                        return False
                    continue
                if not LABEL.match(child.text):
                    return False
                fields.append(child)
                if child.children and not visit(child):
                    return False
            return True

        if not node.children or not visit(node) or not fields:
            return False
        text = body or node.text
        task = self._task(text, node.source.line_start, node.line_end, areas, label)
        for field_node in fields:
            _, attrs = _attributes(field_node.text)
            self._apply(task, attrs)
        self.tasks.append(task)
        return True

    def _targets(self, node: Node) -> None:
        # One indicator per item; a plain paragraph under an item continues it.
        rows = [sub for sub in node.walk() if sub.kind == "row"]
        if rows:
            self._target_rows(rows)
        for sub in node.walk():
            if sub.kind == "row":
                continue
            if sub.para is None or sub.kind in ("roman", "caps", "para") and sub is not node:
                continue
            if sub.kind in ("roman", "caps") or (sub.is_heading and not _is_sentence(sub.text)):
                continue
            text = " ".join([sub.text] + [c.text for c in sub.children if c.kind == "para"])
            self.indicators.append(Indicator(text, sub.para.line_start, sub.line_end if sub.children else sub.para.line_end))

    def _target_rows(self, rows: list[Node]) -> None:
        """A targets table: one indicator per data row (header rows skipped)."""
        for row in rows:
            cells = [c for c in row.source.cells if c]
            if not cells or _is_column_numbers(cells):
                continue
            keys = [fold(c) for c in cells]
            if any(k in ("stt", "tt", "chi tieu", "noi dung", "noi dung chi tieu") for k in keys):
                continue
            text = " ".join(c for c in cells if not re.fullmatch(r"[0-9IVX]{1,4}\.?", c))
            if len(cells) == 1 and text.isupper():
                continue  # a group row
            self.indicators.append(Indicator(normalise(text), row.source.line_start, row.source.line_end))

    def item(self, node: Node, areas: list[str], label: str | None) -> None:
        text = node.text
        if _PARENTHETICAL.match(text) or (len(text) < 200 and _APPENDIX_POINTER.search(text)):
            return
        if LABEL_ANY.match(text) and self.tasks:
            self._attach(self.tasks[-1], text, node)
            return
        if text.endswith(":") and node.children:
            self.collect(node, areas, label)  # a group header ("- Nội dung tuyên truyền:")
            return
        if is_target(text):
            self.indicators.append(Indicator(text, node.source.line_start, node.source.line_end))
        else:
            self.tasks.append(self._task(text, node.source.line_start, node.source.line_end, areas, label))
        for child in node.children:
            if child.kind == "row":
                continue
            if LABEL_ANY.match(child.text) and self.tasks:
                self._attach(self.tasks[-1], child.text, child)
            else:
                self.item(child, areas, label)

    def _attach(self, task: Task, text: str, node: Node) -> None:
        _, attrs = _attributes(text)
        self._apply(task, attrs)
        task.line_end = max(task.line_end, node.source.line_end)

    def _apply(self, task: Task, attrs: dict[str, str]) -> None:
        if "lead" in attrs:
            task.lead = split_units(attrs["lead"], self.known)
            task.owner_how = "beside"
        if "coordinators" in attrs:
            task.coordinators = split_units(attrs["coordinators"], self.known)
        if "deadline" in attrs and attrs["deadline"]:
            task.deadline = attrs["deadline"]
        if "product" in attrs and attrs["product"]:
            task.product = attrs["product"]

    def _task(self, text: str, start: int, end: int, areas: list[str], label: str | None) -> Task:
        body, attrs = _attributes(text)
        body = body or text
        body, paren = _paren_owners(body)
        for key, value in paren.items():
            attrs.setdefault(key, value)
        area, guessed = _area_for(body, areas)
        task = Task(
            area=area,
            area_label=label if (label and not guessed and len(areas) == 1) else AREAS[area],
            title=title_of(body),
            text=body,
            line_start=start,
            line_end=end,
            area_guessed=guessed,
        )
        task.kind = self._kind
        if self._lead and "lead" not in attrs:
            task.lead = list(self._lead)
            task.owner_how = "heading"
            if re.match(r"^\W*chủ trì\b", body, re.IGNORECASE):
                task.coordinators = coordinated_with(body)
        self._apply(task, attrs)
        if task.deadline is None:
            task.deadline = find_deadline(body, self.year)
        if task.kind == "task" and task.deadline and _REPORT_ITEM.match(fold(body)) and _RECURRING.search(task.deadline):
            task.kind = "report"  # "Tổng hợp, báo cáo ... định kỳ hằng quý": a reporting duty in the list
        return task

    # ------------------------------------------------------------------ tables

    def table(self, rows: list[Node], areas: list[str], label: str | None) -> None:
        """One task per row of an appendix table."""
        columns: dict[str, int] | None = None
        last: Task | None = None
        for row in rows:
            cells = list(row.source.cells)
            found = _header(cells)
            if found is not None:
                columns = found
                last = None
                continue
            if columns is None or not any(cells):
                continue
            if _is_column_numbers(cells):
                continue
            get = lambda name, cells=cells, columns=columns: (  # noqa: E731
                cells[columns[name]].strip() if name in columns and columns[name] < len(cells) else "")
            content = get("content")
            number = get("number")
            lead_text, deadline = get("lead"), get("deadline")
            distinct = {c for c in cells if c}
            if not content and len(distinct) == 1:
                content = next(iter(distinct))
            if not content:
                continue
            if last is not None and not number and not lead_text and not deadline and len(distinct) > 0 and not content.isupper():
                # A row typed over several lines ("|   | rest of the text |   | rest of the unit |"):
                # each cell continues the cell above.
                last.text = normalise(f"{last.text} {content}")
                last.title = title_of(last.text)
                extra = get("coordinators")
                if extra and last.coordinators:
                    last.coordinators = split_units(f"{', '.join(last.coordinators)} {extra}", self.known)
                elif extra:
                    last.coordinators = split_units(extra, self.known)
                last.line_end = row.source.line_end
                continue
            if (not lead_text and not deadline) and (re.fullmatch(r"[IVX]+\.?|[A-ZĐ]\.?", number) or len(distinct) == 1):
                found_areas = areas_in(content)
                if found_areas:
                    areas, label = found_areas, _heading_label(content)
                continue
            text = normalise(content)
            if is_target(text):
                self.indicators.append(Indicator(text, row.source.line_start, row.source.line_end))
                last = None
                continue
            task = self._task(text, row.source.line_start, row.source.line_end, areas, label)
            lead_text, partners = _owner_cell(lead_text)
            task.lead = split_units(lead_text, self.known) if lead_text else []
            coordinators = get("coordinators") or partners
            task.coordinators = split_units(coordinators, self.known) if coordinators else []
            task.deadline = normalise(deadline) if deadline else task.deadline
            task.product = normalise(get("product")) or None
            task.owner_how = "table" if task.lead else None
            self.tasks.append(task)
            last = task


def _is_sentence(text: str) -> bool:
    return len(text) > 100 or text.rstrip().endswith((".", ";"))


def _heading_label(text: str) -> str:
    text = re.sub(r"^(?:Về|Đối với)\s+", "", text.strip()).rstrip(" :.")
    text = text.split(":")[0].strip()
    return text[:1].upper() + text[1:]


def _area_for(text: str, areas: list[str]) -> tuple[str, bool]:
    if len(areas) == 1:
        return areas[0], False
    if areas:
        return guess_area(text, among=areas) or areas[0], False
    guessed = guess_area(text)
    return (guessed or "chi_dao"), True


_HEADER_KEYS = {
    "number": ("stt", "tt", "so tt"),
    "content": ("noi dung", "nhiem vu", "ten nhiem vu", "cong viec", "noi dung cong viec"),
    "lead": ("chu tri", "co quan thuc hien", "don vi thuc hien", "thuc hien"),
    "coordinators": ("phoi hop",),
    "deadline": ("thoi gian", "thoi han", "tien do"),
    "product": ("san pham", "ket qua"),
}


def _header(cells: list[str]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = fold(cell)
        if not key:
            continue
        for name, words in (
            ("deadline", _HEADER_KEYS["deadline"]),
            ("coordinators", _HEADER_KEYS["coordinators"]),
            ("lead", _HEADER_KEYS["lead"]),
            ("product", _HEADER_KEYS["product"]),
            ("content", _HEADER_KEYS["content"]),
        ):
            if name not in columns and any(w in key for w in words):
                columns[name] = index
                break
        else:
            if key.strip(". ") in _HEADER_KEYS["number"]:
                columns.setdefault("number", index)
    if "content" in columns and ("lead" in columns or "deadline" in columns):
        return columns
    return None


def _is_column_numbers(cells: list[str]) -> bool:
    """The "(1) (2) (3)" row under a header."""
    return all(re.fullmatch(r"\(?\d{1,2}\)?", c.strip()) or not c.strip() for c in cells)
