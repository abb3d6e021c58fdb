"""Which print figure a report draft carries: one place for the command line and the server."""

from __future__ import annotations

from typing import Any

from webmap import figures


def figure_request(draft: Any, lang: str) -> figures.FigureRequest:
    """The unit's map at a report's size (A4 portrait, 150 dpi): the first ranked indicator some
    commune reported, for the report's period; else population density, 2025."""
    ranked = next((r for r in draft.rankings if r.reported), None)
    indicator, period = (ranked.code, draft.period) if ranked is not None else ("population_density", "2025")
    return figures.FigureRequest(unit=draft.unit["code"], period=period, indicator=indicator, paper="A4",
                                 orientation="portrait", fmt="png", dpi=150, lang=lang)
