"""The choices a print figure offers (paper, format, theme indicator), apart from the drawing code.

Why a module of its own: the command line builds its options from these for every command, and
importing the figure code for them (matplotlib, mapclassify, SciPy) cost each ``webmap import``
or ``export`` 1.5 s of start-up.
"""

from __future__ import annotations

PAPER_MM = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}  # landscape width, height
FORMATS = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml"}
THEMES = {
    "poverty": "poor_household_rate",
    "infrastructure": "hardened_commune_roads_pct",
    "tourism": "tourist_arrivals",
    "resettlement": "resettlement_households",
    "population": "population_density",
}
