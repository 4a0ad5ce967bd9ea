"""The section tree of a plan: I/II/III, 1./2./2.1., a)/b)/đ), -/+ bullets, paragraphs.

Vietnamese administrative documents (Decree 30/2020/NĐ-CP) nest Roman numerals, then
Arabic numbers (2., 2.1.), then letters (a), b), đ)), then dashes and plus signs. A
plain paragraph belongs to the item above it. The closing paragraph ("Trên đây là...",
"... ./.") and everything after it (Nơi nhận, signature) form the closing block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.text import fold
from ingest.normalise import Para, is_caps, is_closing

_RANKS = {"roman": 1, "caps": 1, "letter": 5, "dash": 6, "plus": 7, "para": 8, "row": 8}


@dataclass
class Node:
    """One node of the tree.

    Attributes:
        kind: "root", "roman", "caps", "decimal", "letter", "dash", "plus", "para", "row".
        label: the marker ("II", "2.1", "a", "-") or "".
        text: the text without its marker.
        para: the source paragraph (None for the root).
        role: what the section holds, set by ``classify``: "intro", "skip", "targets",
            "tasks", "organisation", "closing" (inherited by descendants).
    """

    kind: str
    label: str
    text: str
    para: Para | None = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    role: str = "intro"

    @property
    def rank(self) -> int:
        if self.kind == "root":
            return 0
        if self.kind == "decimal":
            return 2 + self.label.count(".")
        return _RANKS[self.kind]

    @property
    def source(self) -> Para:
        """The source paragraph: every node but the root has one."""
        if self.para is None:
            raise ValueError("Nút gốc của cây văn bản không có đoạn văn nguồn.")
        return self.para

    @property
    def line_start(self) -> int:
        return self.para.line_start if self.para else 0

    @property
    def line_end(self) -> int:
        """Last source line of this node and its descendants."""
        end = self.para.line_end if self.para else 0
        for child in self.children:
            end = max(end, child.line_end)
        return end

    @property
    def is_heading(self) -> bool:
        """A node that groups others (a numbered heading with items under it)."""
        return self.kind in ("roman", "caps") or (self.kind == "decimal" and bool(self.children))

    def walk(self):
        """This node and all descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self):
        """Parent, grandparent, ... up to (not including) the root."""
        node = self.parent
        while node is not None and node.kind != "root":
            yield node
            node = node.parent


def build_tree(paras: list[Para]) -> tuple[Node, list[Node]]:
    """Nest paragraphs into a tree.

    The closing block (closing paragraph, Nơi nhận, signature) ends the body, unless
    something attached follows it: a plan carried by a decision ("KẾ HOẠCH ... (Kèm
    theo Quyết định số ...)") or an appendix ("PHỤ LỤC ..."). The body then resumes
    there, at the top level.

    Returns:
        The root, and the closing block(s) as a flat list.
    """
    root = Node("root", "", "")
    stack = [root]
    closing: list[Node] = []
    in_closing = False
    for para in paras:
        node = _node(para)
        if in_closing and attachment_starts(para.text):
            in_closing = False
            stack = [root]
        elif in_closing or (node.kind in ("para", "caps") and is_closing(para.text)) or _starts_closing(para.text):
            in_closing = True
            node.role = "closing"
            closing.append(node)
            continue
        while stack[-1].rank >= node.rank and stack[-1].kind != "root":
            stack.pop()
        # A plain paragraph after a heading line belongs to the heading, not a sibling.
        node.parent = stack[-1]
        stack[-1].children.append(node)
        stack.append(node)
    return root, closing


_ATTACHMENT = re.compile(r"^\(?\s*(?:Ban hành\s+)?kèm theo\b|^PHỤ LỤC\b|^KẾ HOẠCH\s*$|^Phụ lục(?:\s+(?:số\s+)?[0-9IVX]+)?\s*[:.]?\s*$")


def attachment_starts(text: str) -> bool:
    """Does this paragraph start something attached to the document (a plan, an appendix)?"""
    return bool(_ATTACHMENT.match(text.strip()))


def _starts_closing(text: str) -> bool:
    return bool(re.match(r"^Nơi\s+nhận\s*:?", text))


def _node(para: Para) -> Node:
    if para.cells:
        return Node("row", "", para.text, para)
    marker = para.marker
    if marker is not None:
        return Node(marker.kind, marker.label, marker.rest, para)
    if is_caps(para.text) and len(para.text) < 160:
        return Node("caps", "", para.text, para)
    return Node("para", "", para.text, para)


# --------------------------------------------------------------------------- roles

_ORGANISATION = ("to chuc thuc hien", "trach nhiem thuc hien", "phan cong thuc hien", "trach nhiem cua")
_TARGETS = ("chi tieu", "muc tieu cu the")
_SKIP = (
    "muc dich", "yeu cau", "muc tieu", "quan diem", "kinh phi", "can cu", "tinh hinh",
    "ket qua thuc hien", "danh gia ket qua", "pham vi", "doi tuong", "nguyen tac",
)
_TASKS = ("nhiem vu", "noi dung", "giai phap", "hoat dong", "cong viec", "phan cong nhiem vu")
_REPORTS = ("che do bao cao", "che do thong tin", "thong tin, bao cao", "thong tin bao cao", "bao cao dinh ky")


def heading_role(text: str) -> str | None:
    """The role a heading gives its section, or None if it says nothing.

    A heading is read whole, as its author meant it: "NỘI DUNG, GIẢI PHÁP VÀ TRÁCH
    NHIỆM THỰC HIỆN" and "NHIỆM VỤ VÀ PHÂN CÔNG THỰC HIỆN" name the tasks together
    with who does them, so they are task lists; "TỔ CHỨC THỰC HIỆN" alone assigns
    owners; "PHỤ LỤC I: CHỈ TIÊU" holds targets; "Chế độ thông tin, báo cáo" holds
    reporting duties.
    """
    key = fold(text)
    head = key if len(key) < 140 else key[:140]
    tasks = any(k in head for k in _TASKS)
    if any(k in head for k in _REPORTS) and len(head) < 80:
        return "reports"
    if "to chuc thuc hien" in head and not tasks:
        return "organisation"
    if any(k in head for k in _ORGANISATION) and not tasks:
        return "organisation"
    if any(k in head for k in _TARGETS) and not tasks:
        return "targets"
    if tasks and not any(head.startswith(k) for k in ("muc dich", "yeu cau", "kinh phi")):
        return "tasks"
    if any(head.startswith(k) or f" {k}" in head[:30] for k in _SKIP):
        return "skip"
    if "phu luc" in head:
        return "tasks"
    from ingest.areas import areas_in

    if areas_in(head):
        return "tasks"
    return None


def classify(root: Node) -> None:
    """Set each node's role from its headings (a section inherits its parent's role)."""
    seen_heading = False
    for node in root.children:
        if node.kind in ("roman", "caps") or (node.kind == "decimal" and node.children):
            seen_heading = seen_heading or node.kind == "roman" or heading_role(node.text) is not None
        role = "intro"
        if node.kind in ("roman", "caps", "decimal"):
            role = heading_role(node.text) or ("intro" if not seen_heading else "skip")
        elif node.kind == "row":
            role = "tasks"
        elif seen_heading:
            role = "skip"
        _assign(node, role)


_SKIP_STRICT = re.compile(r"^(?:muc dich|yeu cau|kinh phi|can cu)\b")


def _assign(node: Node, role: str) -> None:
    node.role = role
    for child in node.children:
        child_role = role
        # Only a task section is refined by its sub-headings (a "Chỉ tiêu" sub-section);
        # inside targets or the organisation section an area name changes nothing.
        if role in ("tasks", "reports") and child.is_heading:
            found = heading_role(child.text)
            child_role = found if found not in (None, "skip", "organisation") else role
            if found == "skip" and _SKIP_STRICT.match(fold(child.text)):
                child_role = "skip"
        _assign(child, child_role)
