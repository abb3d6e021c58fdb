"""Generate illustrative villages for every commune of a store (Voronoi cells of random points
inside each commune, clipped to it), to measure the village import at national size.

No public village boundaries exist; these are made up and flagged ``illustrative`` in the file.

    python scripts/make_villages.py --store instance/national.gpkg --per-commune 21 -o villages.gpkg
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata import store  # noqa: E402


def villages(communes: gpd.GeoDataFrame, per_commune: int, seed: int = 7) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for code, geom in zip(communes["code"], communes.geometry, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        pts: list[shapely.Point] = []
        while len(pts) < per_commune:
            xs = rng.uniform(minx, maxx, per_commune * 4)
            ys = rng.uniform(miny, maxy, per_commune * 4)
            candidates = shapely.points(xs, ys)
            pts += list(candidates[shapely.contains_xy(geom, xs, ys)])[: per_commune - len(pts)]
        cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=geom).geoms
        for i, cell in enumerate(cells, start=1):
            part = shapely.intersection(cell, geom)
            if part.is_empty or part.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            rows.append({"code": f"{code}-V{i:02d}", "full_name": f"Bản minh hoạ {i}", "parent_code": code,
                         "illustrative": 1, "geometry": part})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=ROOT / "instance" / "national.gpkg")
    parser.add_argument("--per-commune", type=int, default=21)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    conn = store.connect(args.store, readonly=True)
    communes = store.units_frame(conn, level="commune")
    communes = communes[communes.geometry.notna()]
    frame = villages(communes, args.per_commune)
    pyogrio.write_dataframe(frame, args.output, layer="villages")
    print(f"{args.output}: {len(frame)} villages in {len(communes)} communes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
