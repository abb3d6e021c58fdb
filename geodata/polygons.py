"""Boundaries as one geometry type: MultiPolygons without slivers.

Why: a layer whose features mix types is read by QGIS and ogrinfo as "Unknown (any)".  Xã Hua Bum
(03460) came from the official file with a 3-vertex sliver of 2e-14 square degrees beside its
real polygon; GDAL's GeoJSON and KML writers collapse it to a line at their precision and write
the commune as a GeometryCollection.  A part smaller than a square metre is no part of a commune.
"""

from __future__ import annotations

import shapely

# About 1 m² at these latitudes (1e-5 degrees is about 1.1 m): far below any real parcel.
SLIVER_DEG2 = 1e-10


def as_multipolygon(geom: shapely.Geometry | None) -> tuple[shapely.Geometry | None, int]:
    """The polygonal parts of ``geom`` larger than a sliver, as one MultiPolygon, and how many
    parts were dropped.  The largest part is kept even when it is small (a geometry never vanishes)."""
    if geom is None or geom.is_empty:
        return geom, 0
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    parts += [q for p in shapely.get_parts(geom) if p.geom_type == "MultiPolygon" for q in p.geoms]
    if not parts:
        return geom, 0
    kept = [p for p in parts if p.area >= SLIVER_DEG2] or [max(parts, key=lambda p: p.area)]
    return shapely.MultiPolygon(kept), len(parts) - len(kept)
