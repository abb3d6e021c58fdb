"""Boundaries simplified to the pixel size of the view a map opens at.

Why: the stored screen geometry (``unit_screen_geom``) is fine enough to zoom two
or three levels into a commune, but a province page opens far out, where most of
its vertices fall inside one pixel.  Leaflet would still parse, project and clip
every one of them before it draws.  A map page therefore ships its units
simplified to one pixel of its opening zoom (as a vector-tile server does per
zoom) and fetches the stored screen geometry once the user zooms in.  The whole
page is simplified as one coverage, so neighbours keep meeting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

TILE_PX = 256
# The map area of an office screen (1280-1366 px wide) once the browser's bars and
# the page's header are taken off.  A larger screen opens one zoom further in and
# fetches the finer geometry straight away.
NOMINAL_MAP_PX = (1280, 600)


def fit_zoom(bounds: Sequence[float], size_px: tuple[int, int] = NOMINAL_MAP_PX, max_zoom: int = 18) -> int:
    """The zoom Leaflet's ``fitBounds`` picks (whole zooms, no padding) for lon/lat bounds."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width = (maxx - minx) / 360.0
    height = (merc_y(maxy) - merc_y(miny)) / (2 * math.pi)
    for zoom in range(max_zoom, -1, -1):
        world = TILE_PX * 2**zoom
        if width * world <= size_px[0] and height * world <= size_px[1]:
            return zoom
    return 0


def pixel_degrees(zoom: int, lat: float) -> float:
    """The side of one screen pixel in degrees at ``lat`` (the shorter, north-south one)."""
    return 360.0 / (TILE_PX * 2**zoom) * math.cos(math.radians(lat))


@dataclass(frozen=True)
class ViewGeometry:
    """Geometries for the opening view, and whether they are coarser than the stored ones."""

    geometries: np.ndarray
    zoom: int
    tolerance_deg: float
    coarsened: bool


def for_view(geometries: Sequence[shapely.Geometry | None], zoom: int, lat: float,
             stored_tolerance_deg: float) -> ViewGeometry:
    """Simplify one coverage to a pixel at ``zoom``, if that is coarser than what is stored.

    A unit that would vanish keeps its stored shape (a pixel-sized commune still
    has to be clickable).
    """
    geoms = np.asarray(list(geometries), dtype=object)
    tolerance = pixel_degrees(zoom, lat)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    if tolerance <= stored_tolerance_deg * 1.2 or not present.any():
        return ViewGeometry(geoms, zoom, stored_tolerance_deg, False)
    out = geoms.copy()
    simplified = shapely.set_precision(shapely.coverage_simplify(geoms[present], tolerance), 1e-5)
    for i, geom in zip(np.flatnonzero(present), simplified, strict=True):
        if geom is not None and not geom.is_empty:
            out[i] = geom
    return ViewGeometry(out, zoom, tolerance, True)
