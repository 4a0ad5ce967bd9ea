"""Text normalisation for the noise of real documents (PDF/Word extractions)."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\u2212\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


def normalise(text: str) -> str:
    """NFC, ASCII hyphens for every dash, single spaces, stripped ends."""
    text = unicodedata.normalize("NFC", text)
    text = _DASHES.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """A matching key: normalised, lower-case, without diacritics (đ → d)."""
    text = normalise(text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# The Vietnamese alphabet (with the foreign f, j, w, z where Latin puts them): ă, â
# after a, đ after d, ê after e, ô and ơ after o, ư after u.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Letter marks: decomposed, they follow their base letter.
_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
                 ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# Tones in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_sort_key(text: str, *, given_name_first: bool = False) -> tuple:
    """A sort key that orders Vietnamese text as Vietnamese dictionaries do.

    Letters first (a < ă < â < b ... d < đ < e < ê ... o < ô < ơ ... u < ư < v), the
    tones only between words spelt alike (ngang < huyền < hỏi < ngã < sắc < nặng),
    then upper before lower case. ``sorted(names, key=vietnamese_sort_key)`` puts
    "Đỗ" after "Dương" and before "Giang", not after "Vũ" as code points do.

    Args:
        text: a name or title (any Unicode normalisation).
        given_name_first: order people's full names as lists of Vietnamese names do:
            by the given name (last word), then the rest ("Trần Văn An" before
            "Lê Thị Bình").
    """
    words = normalise(text or "").split(" ")
    if given_name_first and len(words) > 1:
        words = [words[-1], *words[:-1]]
    letters: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFD", " ".join(words)):
        if unicodedata.combining(char):
            if char in _TONES and tones:
                tones[-1] = _TONES[char]
            elif letters and (base := _ALPHABET[letters[-1] - 1] if 0 < letters[-1] <= len(_ALPHABET) else None):
                marked = _LETTER_MARKS.get((base, char))
                if marked:
                    letters[-1] = _RANK[marked] + 1
            continue
        lower = char.lower()
        if lower in _RANK:
            letters.append(_RANK[lower] + 1)
        elif char == " ":
            letters.append(0)  # a shorter word first: "An" < "An Bình" < "Anh"
        else:
            letters.append(len(_ALPHABET) + 1 + ord(lower))
        tones.append(0)
        cases.append(0 if char.isupper() else 1)
    return tuple(letters), tuple(tones), tuple(cases)
