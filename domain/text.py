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
