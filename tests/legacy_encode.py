"""Encoders for TCVN3 and VNI, to write the test corpus (the inverse of geodata.textfiles)."""

from __future__ import annotations

import unicodedata

from geodata import textfiles


def encode_tcvn3(text: str) -> bytes:
    table = {chr(u): 0x80 + i for i, u in enumerate(textfiles._TCVN3_HIGH) if u not in range(0x0300, 0x0324)}
    table |= {chr(u): b for b, u in textfiles._TCVN3_LOW.items()}
    out = bytearray()
    for c in unicodedata.normalize("NFC", text):
        if ord(c) < 0x80:
            out.append(ord(c))
        elif c in table:
            out.append(table[c])
        elif c.lower() in table:  # TCVN3 has no capitals with tone marks: the ABC "H" fonts show them
            out.append(table[c.lower()])
        else:
            raise ValueError(f"cannot encode {c!r} in TCVN3")
    return bytes(out)


def encode_vni(text: str) -> bytes:
    singles = {v: k for k, v in textfiles._VNI_SINGLE.items() if k != v}
    out = []
    for c in unicodedata.normalize("NFC", text):
        if ord(c) < 0x80 or c in ("í", "ì", "Í", "Ì"):
            out.append(c)
            continue
        if c in singles:
            out.append(singles[c])
            continue
        d = unicodedata.normalize("NFD", c)
        base, combining = d[0], d[1:]
        if base in "oOuU" and combining.startswith("\u031b"):  # ơ, ư
            base, combining = (
                ("ô" if base == "o" else "Ô" if base == "O" else "ö" if base == "u" else "Ö"),
                combining[1:],
            )
        upper = base.isupper() or base in "ÔÖ"
        key = combining
        candidates = [m for m, seq in textfiles._VNI_MARKS.items()
                      if sorted(seq) == sorted(key) and m.isupper() == upper]  # NFD orders dot below first
        if not candidates:
            raise ValueError(f"cannot encode {c!r} in VNI")
        out.append(base + candidates[0])
    return "".join(out).encode("cp1252")
