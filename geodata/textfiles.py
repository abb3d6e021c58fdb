"""Text files as commune offices still produce them: UTF-8 (with or without BOM), UTF-16,
Windows-1258, and the legacy font encodings TCVN3 (ABC) and VNI.

Why detect by Vietnamese syllables: the legacy encodings reuse the same byte values
for different letters, so any byte string "decodes" in each of them; only one of the
results reads as Vietnamese.  Each candidate is scored by the share of its words
whose vowel cluster is a Vietnamese one, and the best wins.  Output is Unicode NFC.
No maintained Python library covers TCVN3 and VNI, so the tables live here.
"""

from __future__ import annotations

import re
import unicodedata

# TCVN 5712:1993 (VN3 / "ABC"): bytes 0x80-0xFF, plus a few uppercase letters in the C0 range.
_TCVN3_HIGH = [
    0x00C0, 0x1EA2, 0x00C3, 0x00C1, 0x1EA0, 0x1EB6, 0x1EAC, 0x00C8, 0x1EBA, 0x1EBC, 0x00C9, 0x1EB8, 0x1EC6, 0x00CC,
    0x1EC8, 0x0128, 0x00CD, 0x1ECA, 0x00D2, 0x1ECE, 0x00D5, 0x00D3, 0x1ECC, 0x1ED8, 0x1EDC, 0x1EDE, 0x1EE0, 0x1EDA,
    0x1EE2, 0x00D9, 0x1EE6, 0x0168, 0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110, 0x0103, 0x00E2,
    0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0, 0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4, 0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0,
    0x1EB7, 0x1EA7, 0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD, 0x00E9, 0x1EB9, 0x1EC1, 0x1EC3,
    0x1EC5, 0x1EBF, 0x1EC7, 0x00EC, 0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2, 0x1ED4, 0x1ECF,
    0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7, 0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF, 0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD,
    0x1EF5, 0x1ED0,
]
_TCVN3_LOW = {0x01: 0x00DA, 0x02: 0x1EE4, 0x04: 0x1EEA, 0x05: 0x1EEC, 0x06: 0x1EEE, 0x11: 0x1EE8, 0x12: 0x1EF0,
              0x13: 0x1EF2, 0x14: 0x1EF6, 0x15: 0x1EF8, 0x16: 0x00DD, 0x17: 0x1EF4}

# VNI-Windows: a base letter followed by a mark byte (read as Windows-1252 characters).
_VNI_MARKS = {  # mark character -> combining sequence (NFD), lowercase and uppercase forms
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "Ù": "\u0301", "Ø": "\u0300", "Û": "\u0309", "Õ": "\u0303", "Ï": "\u0323",
    "â": "\u0302", "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309", "ã": "\u0302\u0303",
    "ä": "\u0302\u0323", "Â": "\u0302", "Á": "\u0302\u0301", "À": "\u0302\u0300", "Å": "\u0302\u0309",
    "Ã": "\u0302\u0303", "Ä": "\u0302\u0323",
    "ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309", "ü": "\u0306\u0303",
    "ë": "\u0306\u0323", "Ê": "\u0306", "É": "\u0306\u0301", "È": "\u0306\u0300", "Ú": "\u0306\u0309",
    "Ü": "\u0306\u0303", "Ë": "\u0306\u0323",
}
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "Ô": "Ơ", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ",
               "ò": "ị", "î": "ỵ", "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ"}
_VNI_BASES = set("aeouyAEOUYôöÔÖ")
_VNI_BREVE_BASES = set("aA")  # ă only exists on a

ENCODINGS = ("utf-8", "utf-16", "cp1258", "tcvn3", "vni")


def decode_tcvn3(data: bytes) -> str:
    out = []
    for b in data:
        if b >= 0x80:
            out.append(chr(_TCVN3_HIGH[b - 0x80]))
        else:
            out.append(chr(_TCVN3_LOW.get(b, b)))
    return unicodedata.normalize("NFC", "".join(out))


def decode_vni(data: bytes) -> str:
    text = data.decode("cp1252", errors="replace")
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in _VNI_BASES and nxt in _VNI_MARKS:
            base = _VNI_SINGLE.get(ch, ch)
            marks = _VNI_MARKS[nxt]
            if marks.startswith("\u0306") and ch not in _VNI_BREVE_BASES:
                marks = "\u0302" + marks[1:]  # ê-family marks on e/o read as circumflex forms
            if base in "ơưƠƯ" and marks[:1] in ("\u0302", "\u0306"):
                out.append(base)
                i += 1
                continue
            out.append(base + marks)
            i += 2
            continue
        out.append(_VNI_SINGLE.get(ch, ch))
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_NUCLEI = {
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu",
    "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui", "uô", "uơ", "ưa", "ưi",
    "ưu", "ươ", "uy", "yê", "iêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "yêu", "uyu",
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_VOWELS = set("aăâeêioôơuưy")


def _syllable_ok(word: str) -> bool:
    nfd = unicodedata.normalize("NFD", word.lower())
    if sum(c in _TONES for c in nfd) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
    if not all(("a" <= c <= "z") or c in "ăâđêôơư" for c in base):
        return False
    for onset in ("gi", "qu"):
        if base.startswith(onset) and len(base) > 2 and base[2] in _VOWELS:
            base = base[len(onset) - 1:] if onset == "gi" else base[2:]
            if onset == "gi":
                base = base[1:]
            break
    cluster = "".join(c for c in base if c in _VOWELS)
    return not cluster or cluster in _NUCLEI


def vietnamese_score(text: str) -> float:
    """Share of words that are well-formed Vietnamese syllables (ASCII-only words count half)."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    good = 0.0
    for w in words:
        if _syllable_ok(w):
            good += 1.0 if not w.isascii() else 0.5
    return good / len(words)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of a text file; returns (text in NFC, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return unicodedata.normalize("NFC", data[3:].decode("utf-8")), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
    if data[:200].count(b"\x00") > len(data[:200]) // 4:
        enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return unicodedata.normalize("NFC", data.decode(enc)), enc
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = {
        "cp1258": unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")),
        "tcvn3": decode_tcvn3(data),
        "vni": decode_vni(data),
    }
    best = max(candidates, key=lambda k: vietnamese_score(candidates[k]))
    return candidates[best], best
