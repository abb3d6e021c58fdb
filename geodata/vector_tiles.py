"""Mapbox vector tiles of the units, for maps with more units than one GeoJSON can carry.

Why tiles: Thanh Hóa's 3,486 villages were a 1.92 MB page and the country's ~70,000 cannot be
one page at all.  A tile holds only the units that touch it, simplified to its own pixel, so
the first view of the whole country costs a few tiles, not every boundary.

The GeoPackage has no spatial index we could ask (the store writes none), so an index of one
level's boundaries is built in memory once per data version (an STRtree over the screen
geometries, in Web Mercator) and each tile is cut from it.  The encoder is mapbox-vector-tile
(the format's reference Python encoder; it clips with pyclipper and fixes winding order).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from pyproj import Transformer

EXTENT = 4096  # the tile's own coordinate grid: 16 cells per screen pixel of a 256 px tile
BUFFER = 64  # grid cells kept beyond the edge, so outlines do not stop at tile seams
SIMPLIFY_CELLS = 8  # half a screen pixel: finer detail cannot be seen and only weighs the tile
MAX_ZOOM = 18
LAYER = "units"
HALF_WORLD = 20037508.342789244  # Web Mercator's half circumference, metres
_TO_MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)


class TileOutOfRange(ValueError):
    """z/x/y outside the tile pyramid."""


def check(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM or not 0 <= x < 2**z or not 0 <= y < 2**z:
        raise TileOutOfRange(f"tile {z}/{x}/{y} is outside zoom 0–{MAX_ZOOM}")


def bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's box in Web Mercator metres (XYZ scheme: y grows southwards)."""
    check(z, x, y)
    size = 2 * HALF_WORLD / 2**z
    minx = -HALF_WORLD + x * size
    maxy = HALF_WORLD - y * size
    return minx, maxy - size, minx + size, maxy


def lonlat_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = bounds(z, x, y)

    def lon(mx: float) -> float:
        return mx / HALF_WORLD * 180.0

    def lat(my: float) -> float:
        return math.degrees(2 * math.atan(math.exp(my / HALF_WORLD * math.pi)) - math.pi / 2)

    return lon(minx), lat(miny), lon(maxx), lat(maxy)


@dataclass(frozen=True)
class Index:
    """One level's units in Web Mercator with an STRtree over them."""

    codes: np.ndarray
    names: np.ndarray
    geoms: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def of(cls, codes: list[str], names: list[str], geoms_lonlat: list[Any]) -> Index:
        keep = [i for i, g in enumerate(geoms_lonlat) if g is not None and not g.is_empty]
        merc = shapely.transform(np.array([geoms_lonlat[i] for i in keep], dtype=object),
                                 lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1])))
        return cls(np.array([codes[i] for i in keep], dtype=object), np.array([names[i] for i in keep], dtype=object),
                   merc, shapely.STRtree(merc))

    def codes_in(self, z: int, x: int, y: int) -> list[str]:
        return [str(c) for c in self.codes[self.tree.query(shapely.box(*bounds(z, x, y)))]]


def encode(index: Index, z: int, x: int, y: int, properties: Mapping[str, Mapping[str, Any]] | None = None,
           only: Collection[str] | None = None) -> bytes:
    """The tile's units (code, name and ``properties[code]``; only those in ``only`` when given),
    clipped to the tile and its buffer and simplified to half a screen pixel, in layer ``units``."""
    minx, miny, maxx, maxy = bounds(z, x, y)
    cell = (maxx - minx) / EXTENT
    pad = BUFFER * cell
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    hits = np.array(sorted(index.tree.query(box), key=lambda k: index.codes[k]), dtype=int)
    if only is not None and len(hits):
        hits = hits[[index.codes[k] in only for k in hits]]
    geoms = index.geoms[hits] if len(hits) else np.array([], dtype=object)
    inside = shapely.contains(box, geoms)
    geoms = np.where(inside, geoms, shapely.intersection(geoms, box))  # cut only what crosses the edge
    geoms = shapely.simplify(geoms, cell * SIMPLIFY_CELLS, preserve_topology=True)
    # To the tile's integer grid, valid and wound as the encoder would make them, but for every
    # feature at once: the encoder does it one feature at a time in Python (6 s for the 48,543
    # villages of one national tile, against 0.6 s here).
    geoms = shapely.transform(geoms, lambda xy: np.round((xy - (minx, miny)) / cell))
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    geoms = shapely.orient_polygons(geoms, exterior_cw=True)
    features = []
    for i, geom in zip(hits, geoms, strict=True):
        if geom.is_empty:
            continue
        if geom.geom_type == "GeometryCollection":  # a cut that left a sliver line beside the polygon
            polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            if not polys:
                continue
            geom = shapely.union_all(polys)
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        code = str(index.codes[i])
        props = {"code": code, "name": str(index.names[i])}
        props.update({k: v for k, v in (properties or {}).get(code, {}).items() if v is not None})
        features.append({"geometry": geom, "properties": props})
    return mapbox_vector_tile.encode(
        [{"name": LAYER, "features": features}],
        default_options={"extents": EXTENT, "check_winding_order": False})
