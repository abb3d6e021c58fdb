"""Which unit a row of a sheet is about, from its code or its name as written.

Why scoped and typed: the country has many "Tân Phong"s; a sheet about Lai Châu means
Phường Tân Phong of Lai Châu, not Xã Tân Phong of Sơn La.  A name is matched within the
province the user names (``--province``), the province column of the sheet, or, failing
both, the one province every unambiguous row of the sheet lies in (the rule says so), and a
written prefix (Phường, Xã, Thị trấn, Bản) picks among units of that type.  Names are
normalised once per distinct value and looked up in indexes, so a national sheet is linear.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from geodata import names, store

# A written prefix and the unit types it names.
_PREFIX_TYPES = {
    "xã": "xã", "phường": "phường", "thị trấn": "thị trấn", "tt": "thị trấn", "bản": "bản", "thôn": "bản",
    "thị xã": "thị xã", "thành phố": "thành phố", "tp": "thành phố", "đặc khu": "đặc khu", "tỉnh": "tỉnh",
    "p": "phường", "x": "xã",
}
RULES: tuple[tuple[str, Callable[[str], str], str], ...] = (
    ("exact", names.key, "matched"),
    ("spacing/prefix", names.compact, "matched_by_rule"),
    ("accentless", names.loose, "matched_by_rule"),
)


@dataclass
class Match:
    written: str
    code: str | None
    vintage: str | None
    full_name: str | None
    rule: str | None
    score: float
    status: str  # matched, matched_by_rule, suggested, unmatched, ambiguous
    candidates: list[str] = field(default_factory=list)
    province: str | None = None


def _written_type(name: str) -> str | None:
    lowered = names.fold(name.strip().lower())
    for prefix, kind in sorted(_PREFIX_TYPES.items(), key=lambda p: -len(p[0])):
        if (lowered.startswith(names.fold(prefix) + " ") and len(prefix) > 1) or \
                lowered.startswith(names.fold(prefix) + "."):
            return kind
    return None


class UnitIndex:
    """Every unit of the store, with its province, indexed by each name key."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.units = store.units.listing(conn, levels=("province", "district", "commune", "village"))
        by_key = {(u["code"], u["vintage"]): u for u in self.units}
        successor = store.units.successors(conn, default_only=True)
        for u in self.units:
            cur, seen = u, 0
            while cur and cur["level"] != "province" and seen < 5:
                cur, seen = by_key.get((cur["parent_code"], cur["parent_vintage"])), seen + 1
            u["province"] = cur["code"] if cur and cur["level"] == "province" else None
        for u in self.units:  # a pre-2025 unit also belongs to the 2025 province of its successor
            new = by_key.get((successor.get(u["code"]), "2025")) if u["vintage"] == "pre2025" else None
            u["provinces"] = {u["province"], new["province"] if new else None} - {None}
        self.matchable = [u for u in self.units if u["level"] != "district"]
        self.by_code = {(u["code"], u["vintage"]): u for u in self.matchable}
        self.index: dict[str, dict[str, list[dict]]] = {rule: {} for rule, _, _ in RULES}
        for u in self.matchable:
            for rule, fn, _ in RULES:
                self.index[rule].setdefault(fn(u["full_name"]), []).append(u)
        self.district_keys = {(u["code"], u["vintage"]): names.key(u["full_name"])
                              for u in self.units if u["level"] == "district"}
        provinces = [u for u in self.units if u["level"] == "province"]
        self.province_keys = {names.key(p["full_name"]): p["code"] for p in provinces}
        self.province_keys |= {p["code"]: p["code"] for p in provinces}
        self.province_names = {p["code"]: p["full_name"] for p in provinces if p["vintage"] == "2025"}

    def province_code(self, text: str | None) -> str | None:
        """``"12"``, ``"Lai Châu"`` or ``"Tỉnh Lai Châu"`` -> ``"12"``; None if unknown."""
        if not text or not str(text).strip():
            return None
        t = str(text).strip()
        return self.province_keys.get(t.zfill(2) if t.isdigit() else t) or self.province_keys.get(names.key(t))

    def match(self, code: str, name: str, vintage: str, scope: str | None, district: str = "") -> Match:
        if code:
            return self._by_code(code, name, vintage)
        kind = _written_type(name)
        for rule, fn, status in RULES:
            hits = self.index[rule].get(fn(name), [])
            if scope:
                hits = [u for u in hits if scope in u["provinces"]]
            if district and len(hits) > 1:  # a pre-2025 sheet's district column
                in_district = [u for u in hits if self.district_keys.get((u["parent_code"], u["parent_vintage"]))
                               == names.key(district)]
                hits = in_district or hits
            preferred = [u for u in hits if u["vintage"] == vintage] or hits
            if len(preferred) > 1 and kind:
                typed = [u for u in preferred if names.fold(u["unit_type"].lower()) == names.fold(kind)]
                preferred = typed or preferred
            if len({(u["code"], u["vintage"]) for u in preferred}) == 1:
                u = preferred[0]
                shown = rule if u["vintage"] == vintage else f"{rule}, former unit ({u['vintage']})"
                return Match(name, u["code"], u["vintage"], u["full_name"], shown, 1.0 if rule == "exact" else 0.9,
                             status if u["vintage"] == vintage else "matched_by_rule", province=u["province"])
            if len(preferred) > 1:
                return Match(name, None, None, None, rule, 0, "ambiguous",
                             [f"{u['full_name']} ({u['code']}, {u['vintage']}, "
                              f"{self.province_names.get(u['province'], u['province'])})" for u in preferred])
        return self._fuzzy(name, vintage, scope)

    def _by_code(self, code: str, name: str, vintage: str) -> Match:
        """A code, checked against the name beside it: codes are reused across vintages
        (03390 is Xã Bình Lư in 2025 and was Thị trấn Tam Đường), so a row whose name says
        otherwise is taken in the vintage the name agrees with, or refused."""
        order = [v for v in (vintage, "2025", "pre2025") if v]
        found = [self.by_code[(code, v)] for v in dict.fromkeys(order) if (code, v) in self.by_code]
        written = f"{code} {name}".strip()
        if not found:
            return Match(written, None, None, None, None, 0, "unmatched")
        if name:
            agree = [u for u in found if names.loose(u["full_name"]) == names.loose(name)]
            if not agree:
                return Match(written, None, None, None, "code/name", 0, "unmatched",
                             [f"{u['full_name']} ({u['code']}, {u['vintage']})" for u in found])
            found = agree
        u = found[0]
        rule = "code" if u["vintage"] == vintage else f"code ({u['vintage']})"
        if name and u["vintage"] != vintage:
            rule = f"code + name ({u['vintage']})"
        return Match(written, u["code"], u["vintage"], u["full_name"], rule, 1.0,
                     "matched" if u["vintage"] == vintage else "matched_by_rule", province=u["province"])

    def _fuzzy(self, name: str, vintage: str, scope: str | None) -> Match:
        keys = [k for k, us in self.index["accentless"].items()
                if any(u["vintage"] == vintage and (not scope or scope in u["provinces"]) for u in us)]
        close = difflib.get_close_matches(names.loose(name), keys, n=1, cutoff=0.75)
        if not close:
            return Match(name, None, None, None, None, 0, "unmatched")
        u = next(u for u in self.index["accentless"][close[0]] if u["vintage"] == vintage)
        score = difflib.SequenceMatcher(None, names.loose(name), close[0]).ratio()
        return Match(name, u["code"], u["vintage"], u["full_name"], "fuzzy", round(score, 3), "suggested",
                     province=u["province"])


def sheet_vintage(index: UnitIndex, written: set[tuple[str, str, str]]) -> tuple[str, int, int]:
    """Which vintage a sheet is keyed to, when the user did not say: ``pre2025`` if some of its
    units exist only before 2025 (Thị trấn Tam Đường, Xã Sơn Bình) and none only in 2025.
    Why: a pre-2025 sheet's "Xã Bình Lư" is the old commune 03412, not the new 03390."""
    only = {"2025": 0, "pre2025": 0}
    for code, name, _ in written:
        if code:
            vintages = {v for v in ("2025", "pre2025") if (code, v) in index.by_code}
            if name:
                vintages = {v for v in vintages
                            if names.loose(index.by_code[(code, v)]["full_name"]) == names.loose(name)}
        else:
            vintages = {u["vintage"] for u in index.index["spacing/prefix"].get(names.compact(name), [])}
        if len(vintages) == 1:
            only[vintages.pop()] += 1
    chosen = "pre2025" if only["pre2025"] and not only["2025"] else "2025"
    return chosen, only["2025"], only["pre2025"]


def match_units(conn: sqlite3.Connection, written: set[tuple[str, str, str]], vintage: str | None,
                province: str | None = None, index: UnitIndex | None = None
                ) -> tuple[dict[tuple[str, str, str], Match], str | None, str]:
    """Match (code, name, province as written) to units; returns the matches, the province
    the sheet was found to be about when none was given, and the vintage it is keyed to
    (``vintage``, or inferred by ``sheet_vintage`` when None)."""
    index = index or UnitIndex(conn)
    if vintage is None:
        vintage, _, _ = sheet_vintage(index, written)
    scope_of = {w: index.province_code(w[2].split("|")[0]) or province for w in written}
    district = {w: w[2].split("|")[1] if "|" in w[2] else "" for w in written}
    out = {w: index.match(w[0], w[1], vintage, scope_of[w], district[w]) for w in written}
    inferred = None
    if not province:
        found = {m.province for w, m in out.items() if m.status in ("matched", "matched_by_rule") and not w[0]}
        found |= {m.province for w, m in out.items() if m.status in ("matched", "matched_by_rule") and w[0]}
        found.discard(None)
        if len(found) == 1:
            inferred = found.pop()
            label = index.province_names.get(inferred, inferred)
            for w, m in out.items():
                if m.status in ("ambiguous", "suggested", "unmatched") and not scope_of[w]:
                    again = index.match(w[0], w[1], vintage, inferred, district[w])
                    if again.status in ("matched", "matched_by_rule"):
                        again.rule = f"{again.rule}, tỉnh của bảng / the sheet's province: {label}"
                        again.status = "matched_by_rule"
                        out[w] = again
    return out, inferred, vintage
