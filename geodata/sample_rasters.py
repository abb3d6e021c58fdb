"""Illustrative rasters for the sample store: a land-cover map and a DEM of Lai Châu, made up.

Why made up: no public land-cover, forest or elevation raster of these communes ships with the
project (the province's own are not open), yet a newcomer should see what a raster import gives:
forest cover per commune against the resolutions' targets, slopes per village, the overlay.  The
fields are smooth sums of waves with a fixed seed, so a rebuild gives the same bytes; they are
imported with ``illustrative`` set, which marks the dataset, every figure from them, the overlay's
name and every print figure that draws them "minh hoạ".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from geodata import crs as vncrs

CELL_M = 250.0  # coarse on purpose: the files are committed with the sample
# Lai Châu in VN-2000 / TM-3 103° (EPSG:9205), with a margin: west, south, east, north (metres).
BOX = (425_000.0, 2_395_000.0, 606_000.0, 2_528_000.0)
FOREST_CLASSES = (1, 2)  # 1 rừng tự nhiên, 2 rừng trồng; 3 nương rẫy, 4 cây bụi, 5 đất ở, nước…
LICENCE = "CC0 – ảnh tự tạo cho bản demo, không phải số liệu chính thức"


def _field(shape: tuple[int, int], seed: int, waves: int = 24) -> np.ndarray:
    """A smooth field in [0, 1]: the sum of ``waves`` plane waves of random direction and length."""
    rng = np.random.default_rng(seed)
    rows, cols = shape
    yy, xx = np.mgrid[0:rows, 0:cols].astype("float64")
    out = np.zeros(shape)
    for _ in range(waves):
        angle, length, phase = rng.uniform(0, np.pi), rng.uniform(12, 160), rng.uniform(0, 2 * np.pi)
        weight = length / 160.0  # long waves dominate, as in terrain
        out += weight * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / length + phase)
    return (out - out.min()) / (out.max() - out.min())


def _write(path: Path, data: np.ndarray, nodata: float | int | None) -> Path:
    west, _, _, north = BOX
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype.name, crs=vncrs.vn2000_tm3(103.0).to_wkt(),
                       transform=from_origin(west, north, CELL_M, CELL_M), nodata=nodata,
                       compress="deflate", predictor=2) as dst:
        dst.write(data, 1)
    return path


def _shape() -> tuple[int, int]:
    west, south, east, north = BOX
    return int((north - south) // CELL_M), int((east - west) // CELL_M)


def elevation() -> np.ndarray:
    """Whole metres, 250–3,100: Lai Châu's range (Phan Xi Păng's ridge is on its border)."""
    return np.round(250.0 + 2850.0 * _field(_shape(), 2025) ** 1.3).astype("int16")


def landcover() -> np.ndarray:
    """Classes 1–5; forest (1, 2) mostly high and away from the valleys, as it is there."""
    high = _field(_shape(), 2025) ** 1.3
    patches = _field(_shape(), 7, waves=40)
    score = 0.55 * high + 0.45 * patches
    # About half forest, as the province reports (Bình Lư: 57,85 % in 2025), the rest shifting cultivation,
    # shrub, settlements and water.
    cuts = np.quantile(score, [0.08, 0.22, 0.48, 0.72])
    return np.select([score > cuts[3], score > cuts[2], score > cuts[1], score > cuts[0]], [1, 2, 4, 3], 5
                     ).astype("uint8")


def write_all(folder: Path) -> dict[str, Path]:
    """The two GeoTIFFs as a province would send them (VN-2000, its .tif only)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {"landcover": _write(folder / "lop_phu_minh_hoa_2025.tif", landcover(), 0),
            "dem": _write(folder / "do_cao_minh_hoa.tif", elevation(), -32768)}

