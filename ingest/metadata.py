"""Plan metadata: issuer, number, place and date, plan year, signer and role."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from domain.text import fold
from ingest.normalise import Para, is_caps

_NUMBER = re.compile(r"\bSố\s*:\s*(\d+[A-Za-z]?\s*/\s*[A-ZĐa-zđ0-9\-]+(?:\s*/\s*[A-ZĐa-zđ0-9\-]+)*)")
_PLACE_DATE = re.compile(
    r"(?P<place>[A-ZĐÂĂÊÔƠƯ][^\d,;:()/\n]{1,40}?)\s*,\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})"
)
_LEVELS = r"(?:xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh)"
_UBND = r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)"
_ISSUER = re.compile(rf"{_UBND}\s+(?P<level>{_LEVELS})\s+(?P<name>.+)", re.IGNORECASE)
_PLACE_IN_TITLE = re.compile(rf"\b(?P<level>{_LEVELS})\s+(?P<name>[A-ZĐÂĂÊÔƠƯ].*)")
_ISSUES_PLAN = re.compile(
    rf"{_UBND}\s+(?P<level>{_LEVELS})\s+(?P<name>\S+(?:\s+\S+){{0,3}}?)\s+(?:ban hành|xây dựng)\s+(?:kế hoạch|KH)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)
_ROLE_LINE = re.compile(
    r"^(?:KT\.?\s*)?(?:PHÓ\s+)?(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|TRƯỞNG\s+(?:BAN|PHÒNG))\b|^KT\.",
    re.IGNORECASE,
)
# "(Kèm theo Kế hoạch số 05/KH-UBND ngày ...)": the number when the header has none (an appendix alone).
_ATTACHED_NUMBER = re.compile(r"kèm theo\s+(?:kế hoạch|quyết định)\s+số\s*:?\s*(\d+[A-Za-z]?\s*/\s*[A-ZĐa-zđ0-9\-]+)", re.IGNORECASE)
_BLANK_NUMBER = re.compile(r"\bSố\s*:?\s*/\s*[A-ZĐ]")
# A body under its parent in the header ("UBND TỈNH BẮC NINH" / "SỞ TƯ PHÁP").
_BODY = re.compile(r"^(?:SỞ|PHÒNG|BAN|CHI CỤC|TRUNG TÂM|VĂN PHÒNG|THANH TRA|CỤC|BỘ)\s+\S")
_PARENT_PLACE = re.compile(rf"{_UBND}\s+(?P<level>{_LEVELS})\s+(?P<name>.+)", re.IGNORECASE)
_NATIONAL = {"thu tuong chinh phu": "Thủ tướng Chính phủ", "chinh phu": "Chính phủ"}


@dataclass
class PlanMeta:
    """What the document says about itself."""

    number: str | None = None
    title: str | None = None
    issuer: str | None = None
    place: str | None = None
    issued_on: date | None = None
    year: int | None = None
    signer: str | None = None
    signer_role: str | None = None


def _name_words(text: str) -> str:
    """Leading capitalised words of a place name ("Vĩnh Lập năm 2021" → "Vĩnh Lập")."""
    words: list[str] = []
    for word in text.split():
        word = word.strip(".,;:()")
        if not word or not word[0].isupper() or word.isupper() and len(word) > 1 and words:
            break
        words.append(word)
        if len(words) == 4:
            break
    return " ".join(words)


def _issuer_from(text: str) -> str | None:
    for match in _ISSUER.finditer(text):
        name = _name_words(match["name"]) if not match["name"].isupper() else match["name"].split(",")[0].title()
        if name:
            return f"UBND {match['level'].lower()} {name}"
    return None


def _organ_name(caps: str) -> str:
    """ "SỞ TƯ PHÁP" → "Sở Tư pháp": the organ's word, then the name's first word capitalised."""
    words = caps.lower().split()
    if not words:
        return caps
    words[0] = words[0].capitalize()
    if len(words) > 1:
        words[1] = words[1].capitalize()
    return " ".join(words)


def header_issuer(intro: list[Para]) -> str | None:
    """The issuer from the header block (Nghị định 30/2020, the top-left corner).

    The corner holds the parent body and, under it, the issuing body ("UBND TỈNH BẮC
    NINH" / "SỞ TƯ PHÁP"), or the issuing body alone over one or two lines ("ỦY BAN
    NHÂN DÂN" / "XÃ PHÚ LỘC"); the national motto may share its lines.
    """
    block: list[str] = []
    done = False
    for para in intro[:8]:
        for line in para.lines or [para.text]:
            text = re.split(r"\s*(?:CỘNG\s+H[OÒ]A|Độc\s+lập|ĐỘC\s+LẬP)", line.strip())[0].strip(" *-")
            if re.match(r"^(?:KẾ\s+HOẠCH|QUYẾT\s+ĐỊNH|PHỤ\s+LỤC|SỐ|Số)\b", text):
                done = bool(block) or done
                if done:
                    break
                continue
            if text and is_caps(text + " XX"):
                block.append(text)
            elif text and block:
                done = True
                break
        if done or len(block) >= 3:
            break
    if not block:
        return None
    folded = fold(" ".join(block))
    for key, name in _NATIONAL.items():
        if folded.startswith(key):
            return name
    for index, line in enumerate(block[1:], start=1):
        if _BODY.match(line):
            parent = " ".join(block[:index])
            place = _PARENT_PLACE.search(parent)
            suffix = f" {place['level'].lower()} {place['name'].title()}" if place else ""
            return _organ_name(line) + suffix
    return _issuer_from(" ".join(block))


def read_metadata(intro: list[Para], closing: list[Para], title_para: Para | None) -> PlanMeta:
    """Read metadata from the paragraphs before the first section and the closing block."""
    meta = PlanMeta()
    head_text = "\n".join(p.text for p in intro)
    if m := _NUMBER.search(head_text):
        meta.number = re.sub(r"\s+", "", m.group(1))
    elif not _BLANK_NUMBER.search(head_text) and (m := _ATTACHED_NUMBER.search(head_text)):
        meta.number = re.sub(r"\s+", "", m.group(1))
    if m := _PLACE_DATE.search(head_text):
        try:
            meta.issued_on = date(int(m["y"]), int(m["m"]), int(m["d"]))
            meta.place = m["place"].strip()
        except ValueError:
            pass

    if title_para is not None:
        text = title_para.text
        rest = re.sub(r"^\s*KẾ\s+HOẠCH\s*", "", text).strip()
        if not rest:
            index = intro.index(title_para)
            rest = intro[index + 1].text if index + 1 < len(intro) else ""
        rest = rest.strip()
        if rest:
            meta.title = "Kế hoạch " + (rest[:1].lower() + rest[1:] if not rest[:2].isupper() else rest.lower())
    if meta.title and (m := _YEAR.search(meta.title)):
        meta.year = int(m.group(1))

    # Issuer: the header block, the "Kèm theo ..." line, the body, the title's place.
    meta.issuer = header_issuer(intro)
    for para in intro[:6] if meta.issuer is None else ():
        if is_caps(para.text) and (found := _issuer_from(para.text)):
            meta.issuer = found
            break
    if meta.issuer is None and meta.title and (m := _PLACE_IN_TITLE.search(meta.title)):
        name = _name_words(m["name"])
        if name:
            meta.issuer = f"UBND {m['level']} {name}"
    paras = intro + closing
    if meta.issuer is None:
        # "(Kèm theo Quyết định ... của Chủ tịch UBND xã X)": the plan's own issuer.
        for para in paras:
            if m := re.search(r"kèm theo.*", para.text, re.IGNORECASE):
                meta.issuer = _issuer_from(m.group(0))
                if meta.issuer:
                    break
    if meta.issuer is None:
        # "... UBND xã X xây dựng/ban hành kế hoạch" (not "của UBND huyện Y về ban hành").
        for para in paras:
            for m in _ISSUES_PLAN.finditer(para.text):
                if all(w[:1].isupper() for w in m["name"].split()):
                    meta.issuer = f"UBND {m['level'].lower()} {m['name']}"
                    break
            if meta.issuer:
                break
    if meta.issuer is None:
        meta.issuer = _issuer_from(head_text)

    if meta.year is None:
        years = Counter(int(y) for y in _YEAR.findall(head_text + " " + " ".join(p.text for p in closing)))
        if years:
            meta.year = years.most_common(1)[0][0]
    if meta.year is None and meta.issued_on is not None:
        meta.year = meta.issued_on.year

    _signature(meta, closing, intro)
    return meta


def _signature(meta: PlanMeta, closing: list[Para], intro: list[Para]) -> None:
    roles: list[str] = []
    name: str | None = None
    for para in closing:
        for line in para.lines or [para.text]:
            text = line.strip()
            for part in re.split(r"\s{2,}", text):
                if _ROLE_LINE.match(part) and len(part) < 40:
                    roles.append(re.sub(r"\s+", " ", part.upper()))
        if not para.marker and not is_caps(para.text) and _is_person(para.text):
            name = para.text.strip()
    if roles:
        meta.signer_role = " / ".join(dict.fromkeys(roles))
    if name:
        meta.signer = name
    if meta.signer_role is None:
        # Approved by a decision: "(Kèm theo Quyết định ... của Chủ tịch UBND xã X)".
        for para in intro:
            m = re.search(r"kèm theo.*?của\s+((?:Phó\s+)?Chủ tịch)\b", para.text, re.IGNORECASE)
            if m:
                meta.signer_role = m.group(1).upper()
                break


def _is_person(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 5
        and all(w[0].isupper() and w.isalpha() for w in words)
        and not any(fold(w) in ("ubnd", "uy", "ban", "nhan", "dan", "noi", "nhan:") for w in words)
    )
