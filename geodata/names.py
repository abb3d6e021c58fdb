"""Vietnamese unit names as people type them: with or without diacritics, prefixes,
spacing and number styles.

Why several keys: "Bình Lư", "binh lu", "xã Bình Lư" and "BìnhLư" must find the same
unit, but an accent-less match ("Bình Lục" vs "Bình Lư") can be wrong, so each key
says how loose it is and callers decide what may be applied without asking.
"""

from __future__ import annotations

import functools
import re
import unicodedata

PREFIXES = (
    "thành phố", "thị trấn", "thị xã", "tiểu khu", "tổ dân phố", "phường", "huyện", "tỉnh", "xã", "bản",
    "thôn", "tp", "tt", "tk", "tx",
)
# Abbreviations that are prefixes only when followed by a dot ("P. Tân Phong", "X. Bình Lư").
DOT_PREFIXES = ("p", "x", "tt", "tp", "tx", "b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
          "xi": 11, "xii": 12}
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[.,;:()\[\]\"'’`]")


def fold(text: str) -> str:
    """Remove diacritics; đ becomes d (the last resort: it merges distinct names)."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).replace("đ", "d").replace("Đ", "D")


def _strip_dot_prefix(text: str) -> str:
    lowered = text.lower()
    for prefix in DOT_PREFIXES:
        if lowered.startswith(prefix + ".") and len(lowered) > len(prefix) + 2:
            return text[len(prefix) + 1:].strip()
    return text


# Each prefix as written and without its diacritics, in PREFIXES' order, each with what may follow
# it (folded once: folding them per call made indexing the national store's 190,000 names take
# 35 s).
_PREFIX_FORMS = tuple((c + " ", c + ".") for p in PREFIXES for c in dict.fromkeys((p, fold(p))))


def strip_prefix(text: str) -> str:
    text = _strip_dot_prefix(text)
    lowered = text.lower()
    for forms in _PREFIX_FORMS:
        if lowered.startswith(forms):
            return text[len(forms[0]):].strip()
    return text


def _numbers(text: str) -> str:
    words = [w for w in text.split(" ") if w not in ("số", "so")]
    return " ".join(str(_ROMAN[w]) if w in _ROMAN and i > 0 else w for i, w in enumerate(words))


@functools.lru_cache(maxsize=1 << 18)
def key(text: str) -> str:
    """Exact key: case, Unicode form, spacing, punctuation, prefix and number style normalised;
    diacritics kept (``"xã  Bình Lư"`` -> ``"bình lư"``)."""
    text = unicodedata.normalize("NFC", text or "").strip()
    text = _strip_dot_prefix(text)
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    text = strip_prefix(text).lower()
    text = strip_prefix(text)  # "Xã TT ..." style double prefixes
    return _numbers(_SPACE.sub(" ", text).strip())


def compact(text: str) -> str:
    """Key without spaces: ``"BìnhLư"`` and ``"Bình Lư"`` meet."""
    return key(text).replace(" ", "")


def loose(text: str) -> str:
    """Accent-less compact key (``"binhlu"``): a suggestion, never applied silently."""
    return fold(compact(text))
