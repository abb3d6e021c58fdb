"""The words planners use for indicators, and how a column heading finds its catalogue entry.

Why a vocabulary: a poverty sheet says "Tỷ lệ hộ nghèo (%)", "Số hộ nghèo" and "Tổng số hộ",
the catalogue says "Tỷ lệ hộ nghèo đa chiều"; refusing the commonest headings turns every
import into a support call, and guessing silently puts numbers on the wrong indicator.  So
each catalogue entry carries the names statistical forms use (its aliases, stored in the
``indicator_aliases`` table and editable through the catalogue import), headings are
normalised like unit names (case, spacing, punctuation, units in brackets), and anything
looser than an accent-less unique match is a suggestion that the user must accept.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from geodata import catalogue, names, store

# Aliases of catalogue entries, as written on Vietnamese statistical forms and reports.
ALIASES: dict[str, tuple[str, ...]] = {
    "poor_household_rate": (
        "Tỷ lệ hộ nghèo", "Tỉ lệ hộ nghèo", "Tỷ lệ hộ nghèo đa chiều", "Tỷ lệ hộ nghèo theo chuẩn đa chiều",
        "Tỷ lệ nghèo", "Poverty rate", "Poor household rate", "poor household rate (%)",
    ),
    "poor_households": ("Số hộ nghèo", "Hộ nghèo", "Tổng số hộ nghèo", "Số hộ nghèo đa chiều", "Poor households"),
    "households": (
        "Tổng số hộ", "Số hộ", "Tổng số hộ dân cư", "Số hộ dân cư", "Tổng số hộ dân", "Tổng hộ", "Số hộ gia đình",
        "Tổng số hộ gia đình", "Households", "Total households",
    ),
    "near_poor_households": ("Số hộ cận nghèo", "Hộ cận nghèo", "Tổng số hộ cận nghèo", "Near-poor households"),
    "near_poor_household_rate": ("Tỷ lệ hộ cận nghèo", "Tỉ lệ hộ cận nghèo", "Near-poor household rate"),
    "population": ("Dân số", "Tổng dân số", "Quy mô dân số", "Số dân", "Số nhân khẩu", "Số khẩu", "Population"),
    "clean_water_hh_pct": (
        "Tỷ lệ hộ dùng nước sạch", "Tỷ lệ hộ sử dụng nước sạch", "Tỷ lệ hộ được sử dụng nước sạch",
        "Tỉ lệ hộ dùng nước sạch",
    ),
    "hygienic_water_hh_pct": (
        "Tỷ lệ hộ dùng nước hợp vệ sinh", "Tỷ lệ hộ sử dụng nước hợp vệ sinh",
        "Tỷ lệ hộ được sử dụng nước sinh hoạt hợp vệ sinh",
    ),
    "clean_water_pop_pct": ("Tỷ lệ dân số dùng nước sạch", "Tỷ lệ dân số sử dụng nước sạch"),
    "hygienic_water_pop_pct": ("Tỷ lệ dân số dùng nước hợp vệ sinh", "Tỷ lệ dân cư sử dụng nước hợp vệ sinh"),
    "forest_cover_pct": ("Tỷ lệ che phủ rừng", "Độ che phủ rừng", "Tỉ lệ che phủ rừng", "Forest cover"),
    "grid_electricity_pct": (
        "Tỷ lệ hộ sử dụng điện lưới", "Tỷ lệ hộ dùng điện lưới quốc gia", "Tỷ lệ hộ có điện",
        "Tỷ lệ hộ sử dụng điện",
    ),
    "hardened_commune_roads_pct": ("Tỷ lệ đường xã được cứng hoá", "Tỷ lệ cứng hóa đường xã"),
    "income_per_capita_mvnd": ("Thu nhập bình quân đầu người", "Thu nhập bình quân", "Thu nhập BQĐN"),
    "health_insurance_pct": ("Tỷ lệ tham gia bảo hiểm y tế", "Tỷ lệ người dân tham gia BHYT", "Tỷ lệ bao phủ BHYT"),
    "tourist_arrivals": ("Lượt khách du lịch", "Số lượt khách du lịch", "Tổng lượt khách"),
    "area_km2": ("Diện tích", "Diện tích tự nhiên (km2)"),
    "trained_labour_pct": ("Tỷ lệ lao động qua đào tạo", "Tỉ lệ lao động qua đào tạo"),
}

# Measurement units that headings carry, in brackets or after a comma ("Tỷ lệ hộ nghèo (%)").
_UNIT_WORDS = (
    "%", "hộ", "người", "khẩu", "ha", "km", "km2", "km²", "tấn", "triệu đồng", "tr.đ", "trđ", "đồng", "tỷ đồng",
    "lượt", "bản", "xã", "công trình", "trường", "m2", "m3", "người/km2",
)
_BRACKETS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*")
_TRAILING_UNIT = re.compile(r"\s*(?:(?:[,:;-]|\bđvt\b:?|\bđơn vị tính\b:?)\s*(" +
                            "|".join(re.escape(u) for u in sorted(_UNIT_WORDS, key=len, reverse=True)) +
                            r")|(%))\s*$")


def key(text: str) -> str:
    """Heading key: NFC, lower case, spacing and punctuation folded; diacritics kept."""
    t = unicodedata.normalize("NFC", text or "").lower().replace("tỉ lệ", "tỷ lệ").replace("hoá", "hóa")
    t = re.sub(r"[.,;:\"'’`/_]+", " ", t)
    return " ".join(t.split())


def strip_units(text: str) -> tuple[str, str | None]:
    """``"Tỷ lệ hộ nghèo (%)"`` -> ``("Tỷ lệ hộ nghèo", "%")``: the unit is kept for the report."""
    unit = None
    m = _BRACKETS.search(text)
    out = text
    if m:
        unit = m.group(1).strip() or None
        out = _BRACKETS.sub(" ", text).strip()
    t = _TRAILING_UNIT.search(out.lower())
    if t and t.start() > 0:
        unit = unit or t.group(1) or t.group(2)
        out = out[: t.start()].strip()
    return out, unit


@dataclass
class IndicatorMatch:
    """How one heading (or ``Chỉ tiêu`` cell) was matched to the catalogue."""

    written: str
    code: str | None
    status: str  # matched, matched_by_rule, suggested, ambiguous, unmatched
    rule: str | None = None
    score: float = 1.0
    measure_unit: str | None = None
    candidates: list[str] = field(default_factory=list)


@dataclass
class Vocabulary:
    """Catalogue codes, names and aliases of one store, normalised once (not once per row)."""

    codes: set[str]
    exact: dict[str, set[str]]
    loose: dict[str, set[str]]
    labels: dict[str, str]  # code -> Vietnamese name, for messages

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Vocabulary:
        exact: dict[str, set[str]] = {}
        loose: dict[str, set[str]] = {}
        labels: dict[str, str] = {}
        words: list[tuple[str, str]] = []
        indicators, aliases = store.figures.vocabulary_rows(conn)
        for code, name_vi, name_en in indicators:
            labels[code] = name_vi
            words += [(name_vi, code), (name_en, code)]
        words += aliases
        for word, code in words:
            exact.setdefault(key(word), set()).add(code)
            loose.setdefault(names.fold(key(word)).replace(" ", ""), set()).add(code)
        return cls(set(labels), exact, loose, labels)

    def label(self, code: str) -> str:
        return f"{self.labels.get(code) or self.labels.get(catalogue.base_code(code), code)} ({code})"

    def resolve(self, written: str) -> IndicatorMatch:
        """Code, then name or alias, then the same without units, then accent-less; else suggestions."""
        text = (written or "").strip()
        if text in self.codes or (catalogue.base_code(text) in self.codes and "__" in text):
            return IndicatorMatch(written, text, "matched", "code")
        bare, unit = strip_units(text)
        for candidate, rule in ((text, "name"), (bare, "name, units in brackets")):
            hits = self.exact.get(key(candidate), set())
            if len(hits) == 1:
                status = "matched" if rule == "name" else "matched_by_rule"
                return IndicatorMatch(written, next(iter(hits)), status, rule, 1.0, unit)
            if len(hits) > 1:
                return IndicatorMatch(written, None, "ambiguous", rule, 0, unit, [self.label(c) for c in sorted(hits)])
        folded = names.fold(key(bare)).replace(" ", "")
        hits = self.loose.get(folded, set())
        if len(hits) == 1:
            return IndicatorMatch(written, next(iter(hits)), "matched_by_rule", "accentless", 0.9, unit)
        if len(hits) > 1:
            return IndicatorMatch(written, None, "ambiguous", "accentless", 0, unit,
                                  [self.label(c) for c in sorted(hits)])
        close = difflib.get_close_matches(folded, list(self.loose), n=5, cutoff=0.75)
        codes = list(dict.fromkeys(c for k in close for c in sorted(self.loose[k])))
        if codes:
            score = difflib.SequenceMatcher(None, folded, close[0]).ratio()
            status = "suggested" if len(self.loose[close[0]]) == 1 else "ambiguous"
            return IndicatorMatch(written, codes[0] if status == "suggested" else None, status, "fuzzy",
                                  round(score, 3), unit, [self.label(c) for c in codes[:3]])
        return IndicatorMatch(written, None, "unmatched", None, 0, unit)


def alias_rows(codes: set[str], dataset_id: str) -> list[dict[str, str]]:
    """Rows for ``indicator_aliases`` (only for codes the catalogue has)."""
    out, seen = [], set()
    for code, aliases in sorted(ALIASES.items()):
        if code not in codes:
            continue
        for alias in aliases:
            k = key(alias)
            if k not in seen:
                seen.add(k)
                out.append({"alias": alias, "alias_key": k, "indicator_code": code, "dataset_id": dataset_id})
    return out
