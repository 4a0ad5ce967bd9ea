"""Unit names as plans write them: lists, subjects of duties, resolution via the org file."""

from __future__ import annotations

import re
from typing import Any

from domain.organisation import unit_key
from domain.text import fold, normalise

# First words of a unit's name (folded): "Công chức ...", "Phòng ...", "UBND ...".
_UNIT_START = re.compile(
    r"^(?:cong chuc|can bo|phong|van phong|trung tam|ban|bo phan|ubnd|uy ban|chu tich|pho chu tich|"
    r"thu truong|cac|so|dai|hoi|doan|truong|cong an|quan su|tram|hoi dong|mat tran|lanh dao|"
    r"giam doc|to|nguoi dung dau|co quan|don vi|chi cuc|hat|kho bac|thanh tra|cc|bao|tinh doan|"
    r"huyen doan|thanh doan|lien doan|cuc|vien|benh vien|ngan hang|buu dien|chi nhanh|cong ty|"
    r"hop tac xa|thon|khu pho|ban chi huy|bo|hdnd|bch|tap chi|nha van hoa)\b"
)
# "Văn phòng HĐND và UBND": one office serving both bodies, not two units.
_JOINT_OFFICE = re.compile(r"(?:hdnd|hoi dong nhan dan)$")
_JOINT_RIGHT = re.compile(r"^(?:ubnd|uy ban nhan dan)\b")
_PLURAL_GROUP = re.compile(r"^các\s+(Phòng|Sở|Ban|Trung tâm|Công chức|Bộ phận|đơn vị)\s*:?\s*(.+)$", re.IGNORECASE)
_TRAILING = re.compile(
    r"\s*(?:\((?:chủ trì|phối hợp|b/c)\)|trên địa bàn(?: [^,;]*)?|theo chức năng,? nhiệm vụ.*|có liên quan)$",
    re.IGNORECASE,
)


# Words that begin what a unit does, not its name ("Trung tâm X tiếp tục đổi mới ...",
# "các đơn vị liên quan kiểm soát ..."). Matched in lower case only: a capitalised word
# belongs to a name ("Ban Quản lý dự án", "Trung tâm Phát triển quỹ đất"). Words that
# also describe what a body is for ("tiếp nhận", "phổ biến", "quản lý", "chỉ đạo") are
# left out: "Bộ phận tiếp nhận và trả kết quả" is a name.
_PREDICATE = re.compile(
    r"(?:tiếp tục|kiểm soát|thực hiện|triển khai|chủ động|tăng cường|đẩy mạnh|nâng cao|đổi mới|rà soát|"
    r"hướng dẫn|theo dõi|đôn đốc|kiểm tra|tham mưu|tổng hợp|xây dựng|cập nhật|giải quyết|ban hành|"
    r"hoàn thiện|duy trì|bố trí|cung cấp|đề xuất|giúp|hỗ trợ|chịu trách nhiệm|có trách nhiệm|chủ trì|"
    r"bảo đảm|đảm bảo|thường xuyên|định kỳ|kịp thời|khẩn trương|tập trung|tuyên truyền|công khai|"
    r"niêm yết|hoàn thành|báo cáo|gửi|tham gia|nghiên cứu|đa dạng hóa|đa dạng hoá|tổ chức|để|nhằm)(?![\w])"
)
# "các tổ chức", "những cá nhân": a noun after a plural word, not a verb.
_PLURAL_BEFORE = re.compile(r"(?:^|\s)(?:các|những|mọi|và)$", re.IGNORECASE)
# Of these, the ones that never describe what a body is for ("Tổ công tác triển khai
# Đề án ...", "Hội đồng ... phổ biến"): they cut the name of a purpose-named body too.
_PREDICATE_ONLY = re.compile(
    r"(?:tiếp tục|chủ động|chịu trách nhiệm|có trách nhiệm|thường xuyên|định kỳ|kịp thời|khẩn trương|"
    r"tăng cường|đẩy mạnh)(?![\w])"
)
_PURPOSE_BODY = re.compile(r"^(?:to|ban chi dao|ban quan ly|hoi dong|doan|to cong tac)\b")


def cut_clause(text: str) -> str:
    """The unit name at the start of ``text``, without the sentence that runs on after it.

    "Trung tâm Văn hóa huyện tiếp tục đổi mới, đa dạng hóa ..." → "Trung tâm Văn hóa
    huyện"; "Phòng Nội vụ, tổ chức kiểm tra ..." → "Phòng Nội vụ". The cut is made at a
    lower-case verb that starts a predicate (after a space or a comma), never at the
    first word.
    """
    purpose = bool(_PURPOSE_BODY.match(fold(text).lstrip("- ")))
    pattern = _PREDICATE_ONLY if purpose else _PREDICATE
    for match in re.finditer(r"(?:\s*,\s*|\s+)(?=\S)", text):
        if match.start() == 0:
            continue
        if pattern.match(text, match.end()) and not text[match.end()].isupper() \
                and not _PLURAL_BEFORE.search(text[: match.start()]):
            return text[: match.start()].rstrip(" ,;:-")
    return text


# Nouns that say nothing of which body is meant.
_GENERIC_NOUN = r"(?:cơ quan(?: chuyên môn| nhà nước)?|đơn vị|ngành|địa phương|tổ chức|cá nhân|bộ phận|cấp)"
# Kinds of body: a set of them is defined ("các sở, ban, ngành", "các phòng chuyên môn")
# unless it is narrowed to "those concerned".
_BODY_NOUN = rf"(?:{_GENERIC_NOUN}|sở|ban|phòng|bộ|đoàn thể|hội|phòng chuyên môn)"
_PLACE = r"(?:\s+(?:của\s+|trên địa bàn\s+)?(?:xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh))?"
_LIST_SEP = r"\s*(?:,|và|/)\s*"
# "các cơ quan, đơn vị liên quan", "các đơn vị có liên quan", "các sở, ban, ngành khác":
# whoever is concerned. "các ngành", "các cơ quan, đơn vị": nobody in particular.
_COLLECTIVE = (
    re.compile(
        rf"^(?:các|những|mọi)\s+{_BODY_NOUN}(?:{_LIST_SEP}{_BODY_NOUN})*{_PLACE}"
        rf"\s+(?:(?:có\s+)?liên quan|khác)(?:\s+(?:đến|tới)\b.*)?{_PLACE}$",
        re.IGNORECASE,
    ),
    re.compile(rf"^(?:các|những|mọi)\s+{_GENERIC_NOUN}(?:{_LIST_SEP}{_GENERIC_NOUN})*{_PLACE}$", re.IGNORECASE),
)


def is_collective(name: str) -> bool:
    """A vague collective ("các cơ quan, đơn vị liên quan", "các ngành") rather than a unit."""
    text = normalise(name).strip(" .,;:-")
    text = re.sub(r"^(?:đề nghị|Đề nghị)\s+", "", text)
    return any(p.match(text) for p in _COLLECTIVE)


def looks_like_unit(text: str) -> bool:
    """Does ``text`` start like the name of a unit or an officer's post?"""
    key = fold(text).lstrip("- ")
    key = re.sub(r"^de nghi\s+", "", key)
    return bool(_UNIT_START.match(key)) and len(text.split()) <= 24


def clean_unit(text: str) -> str:
    """A unit name without list punctuation, a leading "Đề nghị" or trailing qualifiers."""
    text = normalise(text).strip(" .,;:-")
    text = re.sub(r"^(?:đề nghị|Đề nghị)\s+", "", text)
    text = cut_clause(text)
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING.sub("", text).strip(" .,;:-")
    return text[:1].upper() + text[1:] if text else text


def split_units(text: str, known=None) -> list[str]:
    """Split a written list of units ("Phòng Nội vụ, Phòng Tư pháp và UBND các xã").

    A piece that starts in lower case continues the previous one ("các cơ quan, đơn
    vị"); "các Phòng: Nội vụ, Tư pháp" expands to "Phòng Nội vụ", "Phòng Tư pháp".
    With ``known`` (name -> bool, the organisation file), the longest run of pieces
    that names a known unit is kept together ("Công chức Văn hóa - Xã hội phụ trách
    thông tin, TDTT").
    """
    text = cut_clause(normalise(text).strip(" .;:"))
    if not text or fold(text) in ("khong", "-", "khong co"):
        return []
    plural = re.search(r"\bcác\s+(Phòng|Sở|Ban)\s*:\s*", text)
    if plural:
        head = re.sub(r"\s*(?:,|;|\bvà)\s*$", "", text[: plural.start()])
        kind = plural.group(1)
        members = [p for p in re.split(r"\s*[,;]\s*|\s+và\s+", text[plural.end():]) if p.strip()]
        return split_units(head, known) + [clean_unit(f"{kind} {m}") for m in members]
    tokens = re.split(r"(\s*[;,\n]\s*|\s+và\s+|\s*\+\s*)", text)
    if known is not None:
        pieces, seps = tokens[0::2], tokens[1::2]
        out_known: list[str] = []
        i = 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):
                joined = pieces[i] + "".join(s + p for s, p in zip(seps[i:j - 1], pieces[i + 1:j], strict=False))
                if j - i > 1 and known(clean_unit(joined)):
                    out_known.append(joined)
                    i = j
                    break
            else:
                out_known.append(pieces[i])
                i += 1
        if len(out_known) < len(pieces):
            return [u for u in (clean_unit(p) for p in out_known) if u]
    out: list[str] = []
    pieces = [tokens[i].strip(" -") for i in range(0, len(tokens), 2)]
    seps = [tokens[i] for i in range(1, len(tokens), 2)] + [""]
    for index, piece in enumerate(pieces):
        if not piece:
            continue
        sep = tokens[2 * index - 1] if index else ""
        if out and _continues_name(out[-1], sep, piece, seps[index], pieces[index + 1] if index + 1 < len(pieces) else ""):
            out[-1] = out[-1] + sep + piece  # "các cơ quan, đơn vị", "Phòng Văn hóa và Thông tin"
        else:
            out.append(piece)
    return [u for u in (clean_unit(p) for p in out) if u]


def _continues_name(previous: str, sep: str, piece: str, next_sep: str, next_piece: str) -> bool:
    """Is ``piece`` the rest of the unit before it rather than a unit of its own?

    Names of units list their fields with commas and "và" ("Phòng Kinh tế, Hạ tầng và
    Đô thị", "Sở Văn hóa, Thể thao và Du lịch", "Phòng Tài nguyên và Môi trường"): a
    piece that does not start like a unit continues the name; so does the right side
    of "Văn phòng HĐND và UBND".
    """
    if piece[:1].islower() and not piece.lower().startswith("các "):
        return True
    joined = sep.strip() == "và"
    if joined and _JOINT_OFFICE.search(fold(previous)) and _JOINT_RIGHT.match(fold(piece)) and looks_like_unit(previous):
        return True
    if looks_like_unit(piece):
        return False
    if joined:
        return True
    # "Phòng Kinh tế, Hạ tầng và Đô thị": a comma piece followed by "và" + a non-unit.
    return sep.strip() == "," and (
        " và " in piece and not looks_like_unit(piece.split(" và ", 1)[1])
        or next_sep.strip() == "và" and bool(next_piece) and not looks_like_unit(next_piece)
    )


class UnitResolver:
    """Resolve unit names against the organisation file (if any)."""

    def __init__(self, org: Any | None = None) -> None:
        self.org = org
        level = getattr(getattr(org, "organisation", None), "level", "xã") if org else "xã"
        self.level = level

    def resolve(self, name: str) -> tuple[str, bool]:
        """The unit's name in the org file and True, or the name as written and False."""
        if self.org is None:
            return name, False
        unit = self.org.resolve_unit(name)
        if unit is None:
            stripped = clean_unit(re.sub(r"\s+(?:xã|huyện|phường|thị trấn|tỉnh)$", "", name))
            unit = self.org.resolve_unit(stripped) if stripped != name else None
        return (unit.name, True) if unit is not None else (name, False)

    def known(self, name: str) -> bool:
        """Does the organisation file know this unit?"""
        return self.org is not None and self.resolve(name)[1]

    def key(self, name: str) -> str:
        """A key that is the same for two spellings of one unit."""
        if self.org is not None:
            unit = self.org.resolve_unit(name)
            if unit is not None:
                return "code:" + unit.code
        return unit_key(clean_unit(name), self.level)
