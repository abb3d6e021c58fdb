"""Checks of the source documents against themselves.

Why: reports state "đạt X% kế hoạch"; recomputing X from the report's own actual
and plan exposes typing errors and plans that changed between sections (the Bình Lư
report calls 319,000 tourists 55% of plan while its stated 2025 plan is 395,900).
A disagreement is shown with both numbers, never silently resolved.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from geodata import store
from geodata.numbers import written

# "đạt 84,9% kế hoạch", "đạt 64% so với KH", "đạt 55% so với kế ho[ạch]" (quotes are cut at 160 chars);
# a bare "đạt 82,6%" is a level, not a share of plan.
_STATED_QUOTE = re.compile(
    r"đạt\s*(?P<pct>\d+(?:[.,]\d+)?)\s*%\s*(?:so\s*(?:với\s*)?)?(?:kế\s*ho|KH)", re.IGNORECASE
)
_STATED_NOTE = re.compile(r"(?P<pct>\d+(?:\.\d+)?)% of (?:the )?(?:full-year |annual |2025 )?plan", re.IGNORECASE)
TOLERANCE_PP = 1.0  # reports truncate (84.98 -> 84.9) or round (39.3 -> 39)


def stated_percentage(o: dict[str, Any]) -> float | None:
    """The "% of plan" a report states for an actual, from its quote or the extraction note."""
    m = _STATED_QUOTE.search(o.get("quote") or "")
    if m:
        return float(m["pct"].replace(",", "."))
    m = _STATED_NOTE.search(o.get("note") or "")
    return float(m["pct"]) if m else None


def _plan_for(conn: sqlite3.Connection, o: dict[str, Any]) -> dict[str, Any] | None:
    year = (o["period"] or "")[:4]
    rows = store.observations(conn, indicator=o["indicator_code"], unit_codes=[o["unit_code"]],
                              vintage=o["unit_vintage"], period=year)
    for kind in ("plan", "target"):
        for r in rows:
            if r["kind"] == kind and r["value"] and r["target_type"] in ("at_least", "at_most", "exactly", None):
                return r
    return None


def check(conn: sqlite3.Connection, o: dict[str, Any]) -> dict[str, Any] | None:
    """A flag for one actual whose report states a % of plan; None when nothing is stated."""
    stated = stated_percentage(o)
    if stated is None or o["value"] is None:
        return None
    plan = _plan_for(conn, o)
    flag: dict[str, Any] = {
        "observation_id": o["id"], "indicator_code": o["indicator_code"], "period": o["period"],
        "actual": o["value"], "stated_pct_of_plan": stated,
        "implied_plan": round(o["value"] / stated * 100, 3) if stated else None,
        "source": {"document": o["source_doc"], "row": o["source_row"], "quote": o["quote"]},
    }
    if plan is None:
        flag.update(status="unverifiable", plan=None, recomputed_pct=None,
                    message_vi="Văn bản không nêu kế hoạch để kiểm tra tỷ lệ này",
                    message_en="The document states no plan to check this percentage against")
        return flag
    recomputed = o["value"] / plan["value"] * 100
    ok = abs(recomputed - stated) <= TOLERANCE_PP
    flag.update(
        plan=plan["value"], plan_source={"document": plan["source_doc"], "row": plan["source_row"],
                                         "section": plan["source_section"], "quote": plan["quote"]},
        recomputed_pct=round(recomputed, 2), status="consistent" if ok else "inconsistent",
    )
    if not ok:
        flag["message_vi"] = (f"Báo cáo ghi đạt {_vi(stated)} % kế hoạch, nhưng {_vi(o['value'])} / "
                              f"{_vi(plan['value'])} = {_vi(round(recomputed, 1))} % (kế hoạch ngầm định "
                              f"{_vi(flag['implied_plan'])})")
        flag["message_en"] = (f"The report states {stated:g}% of plan, but {o['value']:,.10g} / {plan['value']:,.10g}"
                              f" = {recomputed:.1f}% (implied plan {flag['implied_plan']:,.10g})")
    return flag


def flags_for(conn: sqlite3.Connection, unit_code: str, vintage: str, indicator: str, period: str) -> list[dict]:
    rows = store.observations(conn, indicator=indicator, unit_codes=[unit_code], vintage=vintage,
                              period=period, kind="actual")
    return [f for o in rows if (f := check(conn, o)) is not None]


def all_flags(conn: sqlite3.Connection, *, only_inconsistent: bool = False) -> list[dict[str, Any]]:
    rows = store.observations(conn, kind="actual")
    flags = [f for o in rows if (f := check(conn, o)) is not None]
    return [f for f in flags if f["status"] == "inconsistent"] if only_inconsistent else flags


def _vi(value: float) -> str:
    """The message is read as is: its numbers in Vietnamese (``319.000``, ``80,6``, ``272,903``)."""
    return written(value, "vi", digits=3)
