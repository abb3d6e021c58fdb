"""Reporting periods as the documents write them: ``2025``, ``2025H1``, ``2025Q1``, ``2026-2030``.

Why a type: a half-year actual is compared with the annual plan as progress to date,
never as a miss; a target "for 2026-2030" applies to every year of the range.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_PERIOD = re.compile(r"^(?P<start>[0-9]{4})(?:(?P<part>H[12]|Q[1-4])|-(?P<end>[0-9]{4}))?$")
_FRACTION = {"H1": 0.5, "H2": 1.0, "Q1": 0.25, "Q2": 0.5, "Q3": 0.75, "Q4": 1.0}


@dataclass(frozen=True, order=True)
class Period:
    start: int
    end: int
    part: str | None = None  # "H1", "Q1"… for a part of one year

    @property
    def is_partial(self) -> bool:
        return self.part is not None

    @property
    def is_range(self) -> bool:
        return self.end > self.start

    @property
    def elapsed_share(self) -> float:
        """Share of the year covered by a part-year period (H1 = 0.5)."""
        return _FRACTION[self.part] if self.part else 1.0

    @property
    def year(self) -> int:
        """The year a level observation refers to (the end of a range)."""
        return self.end

    def covers(self, year: int) -> bool:
        return self.start <= year <= self.end

    def __str__(self) -> str:
        if self.part:
            return f"{self.start}{self.part}"
        return f"{self.start}-{self.end}" if self.is_range else str(self.start)


def parse(text: str | Period | None) -> Period | None:
    """``"2025H1"`` -> Period(2025, 2025, "H1"); ``None`` or blank -> None; a Period is itself.

    One grammar for the validator at the edge (``webmap.params.period``) and for every stored
    period the evaluation reads (``2025H3`` passed one and failed the other: a 500); the same text
    is parsed once per process, however many figures carry it."""
    if isinstance(text, Period):
        return text
    if text is None or not str(text).strip():
        return None
    return _parse(str(text).strip())


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Period:
    m = _PERIOD.match(text)
    if not m:
        raise ValueError(f"không hiểu kỳ báo cáo / unrecognised period {text!r} (use 2025, 2025H1, 2025Q1, 2026-2030)")
    start = int(m["start"])
    end = int(m["end"]) if m["end"] else start
    if end < start:
        raise ValueError(f"kỳ báo cáo ngược / period ends before it starts: {text!r}")
    return Period(start, end, m["part"])


_ROMAN_Q = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "1": "1", "2": "2", "3": "3", "4": "4"}
_YEAR = r"((?:19|20)\d\d)(?:\.0)?"
# Ways reports write a period, most specific first; each gives (start, part or end).
_WRITTEN = [
    (re.compile(r"6\s*tháng\s*(?:đầu\s*)?năm\s*" + _YEAR + r"|(?:first\s+half|h1)\s*(?:of\s*)?" + _YEAR, re.I),
     lambda m: f"{m[1] or m[2]}H1"),
    (re.compile(r"6\s*tháng\s*cuối\s*năm\s*" + _YEAR + r"|(?:second\s+half|h2)\s*(?:of\s*)?" + _YEAR, re.I),
     lambda m: f"{m[1] or m[2]}H2"),
    (re.compile(r"(?:quý|q)\s*(iv|iii|ii|i|[1-4])\s*(?:/|năm|-)?\s*" + _YEAR, re.I),
     lambda m: f"{m[2]}Q{_ROMAN_Q[m[1].lower()]}"),
    (re.compile(r"(?:giai\s*đoạn\s*)?" + _YEAR + r"\s*[-–]\s*" + _YEAR), lambda m: f"{m[1]}-{m[2]}"),
    (re.compile(_YEAR + r"\s*(H[12]|Q[1-4])\b", re.I), lambda m: f"{m[1]}{m[2].upper()}"),
    (re.compile(r"(?:năm\s*|year\s*)?\b" + _YEAR + r"\b", re.I), lambda m: m[1]),
]


def find(text: str) -> tuple[Period | None, str]:
    """A period written anywhere in ``text`` and the text without it.

    ``"Số hộ nghèo năm 2024"`` -> (2024, "Số hộ nghèo"); ``"6 tháng đầu năm 2025"`` -> 2025H1;
    ``"Quý I/2025"`` -> 2025Q1.  Why: headings and title rows carry the period in words.
    """
    for pattern, code in _WRITTEN:
        m = pattern.search(text or "")
        if m:
            try:
                found = parse(code(m))
            except ValueError:
                continue
            rest = re.sub(r"[(\[]\s*[)\]]", " ", text[: m.start()] + " " + text[m.end():]).strip(" -–_,:;")
            return found, " ".join(rest.split())
    return None, text


_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def label(text: str | None, lang: str = "vi") -> str:
    """A period in words: ``2025H1`` -> "6 tháng đầu năm 2025", ``2025Q1`` -> "quý I/2025",
    ``2026-2030`` -> "giai đoạn 2026–2030"; English "first half of 2025", "Q1 2025", "2026–2030".
    Why here: exports (a spreadsheet's period column) and pages say periods the same way."""
    if not text:
        return ""
    try:
        p = parse(text)
    except ValueError:
        return text
    if p is None:
        return ""
    en = lang == "en"
    if p.is_range:
        return f"{p.start}–{p.end}" if en else f"giai đoạn {p.start}–{p.end}"
    if p.part in ("H1", "H2"):
        if en:
            return f"{'first' if p.part == 'H1' else 'second'} half of {p.start}"
        return f"6 tháng {'đầu' if p.part == 'H1' else 'cuối'} năm {p.start}"
    if p.part and p.part.startswith("Q"):
        return f"Q{p.part[1]} {p.start}" if en else f"quý {_ROMAN[p.part[1]]}/{p.start}"
    return str(p.start)


POVERTY_RATE_CODES = frozenset({"poor_household_rate", "near_poor_household_rate"})


def poverty_line(period: str | None) -> str | None:
    """The multidimensional poverty line a poverty rate of ``period`` is measured on: the standards
    run five years (2021–2025, 2026–2030), and a rate on one is not comparable with a target on the
    next (Lai Châu's 17,24 % of 2025 against ≤ 10 % by 2030)."""
    p = parse(period) if period else None
    if p is None:
        return None
    start = 2021 + (p.year - 2021) // 5 * 5
    return f"{start}–{start + 4}"
