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

    Returns:
        The root, and the closing block (closing paragraph, Nơi nhận, signature) as a
        flat list.
    """
    root = Node("root", "", "")
    stack = [root]
    closing: list[Node] = []
    for para in paras:
        node = _node(para)
        if closing or (node.kind in ("para", "caps") and is_closing(para.text)) or _starts_closing(para.text):
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

_ORGANISATION = ("to chuc thuc hien", "trach nhiem thuc hien", "phan cong thuc hien", "phan cong nhiem vu")
_TARGETS = ("chi tieu", "muc tieu cu the")
_SKIP = (
    "muc dich", "yeu cau", "muc tieu", "quan diem", "kinh phi", "can cu", "tinh hinh",
    "ket qua thuc hien", "danh gia ket qua", "pham vi", "doi tuong", "nguyen tac",
)
_TASKS = ("nhiem vu", "noi dung", "giai phap", "phu luc", "hoat dong")


def heading_role(text: str) -> str | None:
    """The role a heading gives its section, or None if it says nothing."""
    key = fold(text)
    head = key.split(":")[0] if len(key.split(":")[0]) < 80 else key[:80]
    if any(k in head for k in _ORGANISATION):
        return "organisation"
    if any(k in head for k in _TARGETS):
        return "targets"
    if any(head.startswith(k) or f" {k}" in head[:30] for k in _SKIP) and not any(k in head for k in _TASKS[:3]):
        return "skip"
    if any(k in head for k in _TASKS):
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


def _assign(node: Node, role: str) -> None:
    node.role = role
    for child in node.children:
        child_role = role
        # Only a task section is refined by its sub-headings (a "Chỉ tiêu" sub-section);
        # inside targets or the organisation section an area name changes nothing.
        if role == "tasks" and child.is_heading:
            child_role = heading_role(child.text) or role
        _assign(child, child_role)
