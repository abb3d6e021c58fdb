"""Zonal statistics of a 30 m land-cover raster of Lai Châu, ours beside a plain rasterio mask loop.

Ours: ``geodata.rasters.import_raster`` (checks, COG copy, exactextract with coverage fractions,
the observations written) and exactextract alone; baseline: ``rasterio.mask.mask`` per unit
(cell centres, the loop most scripts write), on the same units in the same run.  Accuracy: both
against a count of sub-cells (a fifth of a cell) for ten communes.  The units are every 2025
commune and village of the store (the national store's 3,321 communes when ``--store`` names it;
those outside the raster are skipped by both).

No assertions: read the ratios.  ``python scripts/bench_rasters.py [--store instance/national.gpkg]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
import rasterio.mask
from rasterio.features import rasterize
from rasterio.transform import from_origin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata import crs as vncrs  # noqa: E402
from geodata import rasters, store  # noqa: E402

CELL = 30.0


def _raster(store_path: Path, out: Path) -> tuple[Path, np.ndarray, object]:
    conn = store.connect(store_path, readonly=True)
    prov = store.units_frame(conn, level="province")
    conn.close()
    tm3 = vncrs.vn2000_tm3(103.0)
    minx, miny, maxx, maxy = prov[prov["code"] == "12"].to_crs(tm3).total_bounds
    width, height = int((maxx - minx) // CELL) + 1, int((maxy - miny) // CELL) + 1
    yy, xx = np.mgrid[0:height, 0:width]
    classes = ((((np.sin(xx / 111.0) + np.cos(yy / 69.0) + 2) * 1.25).astype("uint8") % 5) + 1).astype("uint8")
    transform = from_origin(minx, maxy, CELL, CELL)
    with rasterio.open(out, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs=tm3,
                       transform=transform, nodata=0, tiled=True, compress="deflate") as dst:
        dst.write(classes, 1)
    return out, classes, transform


def _mask_loop(path: Path, units) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    out = {}
    with rasterio.open(path) as src:
        frame = units.to_crs(src.crs)
        for code, geom in zip(frame["code"], frame.geometry, strict=True):
            try:
                data, _ = rasterio.mask.mask(src, [geom], crop=True, filled=True, nodata=0)
            except ValueError:  # outside the raster
                continue
            valid = data[0] != 0
            if valid.any():
                out[code] = 100.0 * np.count_nonzero(np.isin(data[0], (1, 2)) & valid) / np.count_nonzero(valid)
    return time.perf_counter() - start, out


def _truth(geom, classes, transform, factor: int = 5) -> float:
    minx, miny, maxx, maxy = geom.bounds
    col0, row0 = max(0, int((minx - transform.c) // CELL)), max(0, int((transform.f - maxy) // CELL))
    col1, row1 = int((maxx - transform.c) // CELL) + 1, int((transform.f - miny) // CELL) + 1
    window = classes[row0:row1, col0:col1]
    fine = np.kron(window, np.ones((factor, factor), dtype=window.dtype))
    t = from_origin(transform.c + col0 * CELL, transform.f - row0 * CELL, CELL / factor, CELL / factor)
    inside = rasterize([(geom, 1)], out_shape=fine.shape, transform=t, fill=0).astype(bool) & (fine != 0)
    return 100.0 * np.count_nonzero(inside & np.isin(fine, (1, 2))) / max(1, np.count_nonzero(inside))


def _naive_tile(path: Path, z: int, x: int, y: int) -> np.ndarray:
    """The baseline: the source GeoTIFF (no overviews) reprojected onto the tile's grid."""
    from rasterio.transform import from_bounds
    from rasterio.warp import Resampling, reproject

    from geodata import vector_tiles

    out = np.zeros((256, 256), dtype="uint8")
    with rasterio.open(path) as src:
        reproject(rasterio.band(src, 1), out, dst_transform=from_bounds(*vector_tiles.bounds(z, x, y), 256, 256),
                  dst_crs="EPSG:3857", resampling=Resampling.nearest)
    return out


def _tiles(path: Path, result) -> None:
    import math

    from geodata import raster_tiles

    style = raster_tiles.style_of(result.cog, "landcover", (1, 2))
    for z in (8, 11):
        n = 2 ** z
        lon, lat = 103.3, 22.3
        cx = int((lon + 180) / 360 * n)
        cy = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        tiles = [(z, cx + dx, cy + dy) for dx in range(-1, 2) for dy in range(-1, 2)]
        start = time.perf_counter()
        for t in tiles:
            raster_tiles.render(result.cog, style, *t)
        ours = (time.perf_counter() - start) / len(tiles)
        start = time.perf_counter()
        for t in tiles:
            _naive_tile(path, *t)
        base = (time.perf_counter() - start) / len(tiles)
        print(f"  overlay tile z{z} (9 tiles): {ours * 1000:6.1f} ms each (COG overviews, PNG included)   "
              f"reproject from the source GeoTIFF {base * 1000:6.1f} ms (no PNG)   {base / ours:5.1f}× ours faster")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=str(ROOT / "data/sample/sample.gpkg"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "store.gpkg"
        shutil.copyfile(args.store, db)
        path, classes, transform = _raster(db, tmp / "lai_chau_30m.tif")
        conn = store.connect(db)
        units = rasters._units_under(conn, rasters.shapely.box(*rasters.transform_bounds(
            vncrs.vn2000_tm3(103.0).to_wkt(), "EPSG:4326", *rasterio.open(path).bounds)))
        n_all = store.units.count(conn, vintage="2025", levels=("commune", "village"))
        print(f"Rasters bench: {classes.size:,} cells of {CELL:g} m over Lai Châu; {len(units)} of the store's "
              f"{n_all:,} communes and villages under it")
        start = time.perf_counter()
        result = rasters.import_raster(conn, path, rasters.Options(kind="landcover", period="2025", classes=(1, 2),
                                                                   illustrative=True))
        ours_import = time.perf_counter() - start
        conn.close()
        with rasterio.open(path) as src:
            start = time.perf_counter()
            rasters._zonal({"cover": src}, units, {"cover": ["unique", "frac", "count"]})
            ours_zonal = time.perf_counter() - start
        base, plain = _mask_loop(path, units)
        print(f"  exactextract, zonal only           {ours_zonal:7.2f} s   rasterio.mask loop {base:7.2f} s   "
              f"{base / ours_zonal:5.1f}× ours faster")
        print(f"  the whole import (checks, COG, figures written) {ours_import:7.2f} s, "
              f"{result.counts['observations']} figures")
        tm3 = units.to_crs(vncrs.vn2000_tm3(103.0))
        communes = tm3[tm3["level"] == "commune"].head(10)
        errs_ours, errs_base = [], []
        for code, geom in zip(communes["code"], communes.geometry, strict=True):
            truth = _truth(geom, classes, transform)
            errs_ours.append(abs(result.figures[code]["forest_cover_pct"] - truth))
            errs_base.append(abs(plain.get(code, float("nan")) - truth))
        print(f"  error against sub-cell truth, 10 communes: exactextract max {max(errs_ours):.3f} điểm %, "
              f"mask loop max {np.nanmax(errs_base):.3f} điểm %")
        _tiles(path, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
