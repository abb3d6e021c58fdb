"""Find a unit by any spelling, including names it had before the 2025 reform.

Why the crosswalk: a planner types the name they know ("Sơn Bình", "TT Tam Đường");
since 1 July 2025 those communes are part of Xã Bình Lư, so the answer is the 2025
unit, with the former name shown as the reason.
"""

from __future__ import annotations

import difflib
import sqlite3
from typing import Any

from geodata import names, store

RULES = ("exact", "compact", "accentless", "fuzzy")


def search(conn: sqlite3.Connection, query: str, *, limit: int = 10) -> list[dict[str, Any]]:
    q = (query or "").strip()
    if not q:
        return []
    rows = store.units.listing(conn, levels=("province", "commune", "village"))
    successor = store.units.successors(conn)
    current = {r["code"]: r for r in rows if r["vintage"] == "2025"}
    keys = (names.key(q), names.compact(q), names.loose(q))
    found: dict[str, dict[str, Any]] = {}

    def add(unit: dict[str, Any], rule: str, score: float, via: dict[str, Any] | None) -> None:
        best = found.get(unit["code"])
        if best is None or score > best["score"]:
            found[unit["code"]] = {
                "code": unit["code"], "vintage": "2025", "level": unit["level"], "full_name": unit["full_name"],
                "parent_code": unit["parent_code"], "illustrative": bool(unit["illustrative"]),
                "rule": rule, "score": round(score, 3),
                "former_name": via["full_name"] if via else None,
                "former_code": via["code"] if via else None,
            }

    for row in rows:
        target = row if row["vintage"] == "2025" else current.get(successor.get(row["code"], ""))
        if target is None:
            continue
        via = None if row["vintage"] == "2025" else row
        candidates = (names.key(row["full_name"]), names.compact(row["full_name"]), names.loose(row["full_name"]))
        for rule, mine, theirs, score in zip(RULES, keys, candidates, (1.0, 0.97, 0.9), strict=False):
            if mine and mine == theirs:
                add(target, rule, score - (0.05 if via else 0), via)
                break
        else:
            ratio = difflib.SequenceMatcher(None, keys[2], candidates[2]).ratio()
            if ratio >= 0.8:
                add(target, "fuzzy", ratio * 0.85 - (0.05 if via else 0), via)
    order = {"province": 0, "commune": 1, "village": 2}
    return sorted(found.values(), key=lambda r: (-r["score"], order[r["level"]], r["code"]))[:limit]
