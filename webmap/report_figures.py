"""Which print figure a report draft carries: one place for the command line and the server."""

from __future__ import annotations

from typing import Any

from webmap import figures


def figure_request(draft: Any, lang: str) -> figures.FigureRequest:
    """The map the draft chose (``draft.map_choice``: an indicator the unit or its units below
    have figures of) at a report's size (A4 portrait, 150 dpi)."""
    choice = draft.map_choice or {"unit": draft.unit["code"], "indicator": "population_density", "period": "2025"}
    return figures.FigureRequest(unit=choice["unit"], period=choice["period"], indicator=choice["indicator"],
                                 paper="A4", orientation="portrait", fmt="png", dpi=150, lang=lang,
                                 highlight=choice.get("highlight"))


def caption(draft: Any, title: str, lang: str) -> str:
    """The figure's title, said to be illustrative when the figures it maps are."""
    from geodata.report_wording import TEXT

    illustrative = bool((draft.map_choice or {}).get("illustrative"))
    return title + (TEXT[lang]["figure_illustrative"] if illustrative else "")
