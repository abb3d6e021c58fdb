"""Illustrative (invented) village geometry and values for the demo.

Why invented: no public village boundaries, points or village-level figures exist
for these communes.  The sample still needs a village level to show drill-down, so
this module makes one, deterministically (fixed seed), and every record it makes
is flagged ``illustrative`` in the store and labelled as such on screen.
Values are split from a real commune total, so they add up to it exactly.
"""

from __future__ import annotations

import hashlib

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

# UTM 48N: metric and close to true shape across Lai Châu and Sơn La (102-105°E).
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
_TO_DEG = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)


def transform(transformer: Transformer, geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))


def _seed(key: str) -> int:
    return int.from_bytes(key.encode("utf-8")[:8].ljust(8, b"\0"), "little") ^ 0x5EED


def _point_seed(key: str) -> int:
    """The whole key decides the point.  ``_seed`` reads only its first 8 bytes, so every place of
    one commune ("03390|…") and the Thác Tình hazard zone and site got the same point; the village
    partitions keep ``_seed`` so the illustrative villages (and their figures) stay as they are."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little")


def partition(commune: BaseGeometry, n: int, key: str, iterations: int = 8) -> list[BaseGeometry]:
    """Split a commune into ``n`` contiguous-looking parts that tile it exactly.

    Voronoi cells of ``n`` seeds, relaxed towards equal areas (Lloyd's method on
    random sample points inside the commune), clipped to the commune.
    """
    poly_m = transform(_TO_M, commune)
    rng = np.random.default_rng(_seed(key))
    minx, miny, maxx, maxy = poly_m.bounds
    samples: list[tuple[float, float]] = []
    while len(samples) < 400 * max(n, 1):
        xs = rng.uniform(minx, maxx, 2000)
        ys = rng.uniform(miny, maxy, 2000)
        inside = shapely.contains_xy(poly_m, xs, ys)
        samples.extend(zip(xs[inside], ys[inside], strict=True))
    pts = np.asarray(samples)
    centres = pts[rng.choice(len(pts), n, replace=False)]
    for _ in range(iterations):
        nearest = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        centres = np.array([pts[nearest == i].mean(axis=0) if (nearest == i).any() else centres[i]
                            for i in range(n)])
    if n == 1:
        cells = [poly_m]
    else:
        voronoi = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=poly_m.envelope)
        by_seed = {}
        for cell in voronoi.geoms:
            for i, c in enumerate(centres):
                if cell.contains(shapely.Point(c)):
                    by_seed[i] = cell
        cells = [shapely.intersection(by_seed[i], poly_m) for i in range(n)]
    out = []
    for cell in cells:
        geom = shapely.make_valid(transform(_TO_DEG, cell))
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        out.append(shapely.MultiPolygon(polys))
    return out


def split_total(total: int, n: int, key: str, concentration: float = 4.0) -> list[int]:
    """Split an integer total into ``n`` non-negative integers that sum to it.

    Dirichlet shares, rounded by largest remainder so the sum is exact.
    """
    if n <= 0:
        return []
    rng = np.random.default_rng(_seed(key))
    shares = rng.dirichlet(np.full(n, concentration))
    raw = shares * total
    floors = np.floor(raw).astype(int)
    remainder = total - int(floors.sum())
    order = np.argsort(-(raw - floors), kind="stable")
    floors[order[:remainder]] += 1
    return [int(v) for v in floors]


def point_in(area: BaseGeometry, key: str) -> shapely.Point:
    """A reproducible random point inside ``area`` (away from the edge where it can be)."""
    rng = np.random.default_rng(_point_seed(key))
    inner = area.buffer(-0.002)
    inner = inner if not inner.is_empty else area
    minx, miny, maxx, maxy = inner.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if inner.contains(shapely.Point(x, y)):
            return shapely.Point(round(x, 6), round(y, 6))
