"""Hillshade from a DEM GeoTIFF, on the grid of a map figure.

Why here: reading and reprojecting rasters is file-format work (rasterio/GDAL);
the figure code only draws the array it gets back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.transform import from_bounds
from rasterio.warp import Resampling, reproject


def hillshade(
    dem_path: str | Path,
    dst_crs: CRS,
    bounds: tuple[float, float, float, float],
    shape: tuple[int, int],
    azimuth: float = 315.0,
    altitude: float = 45.0,
) -> np.ndarray:
    """Shaded relief in [0, 1] on a ``shape`` (rows, cols) grid covering ``bounds`` in ``dst_crs``.

    Light from the north-west by cartographic convention; cells outside the DEM are NaN.
    """
    rows, cols = shape
    dst_transform = from_bounds(*bounds, width=cols, height=rows)
    elevation = np.full(shape, np.nan, dtype="float64")
    with rasterio.open(dem_path) as src:
        if src.crs is None:
            raise ValueError(f"{dem_path}: DEM has no CRS / mô hình số độ cao không có hệ toạ độ")
        reproject(
            source=rasterio.band(src, 1), destination=elevation, dst_transform=dst_transform,
            dst_crs=dst_crs.to_wkt(), dst_nodata=np.nan, resampling=Resampling.bilinear,
        )
    cell_x = (bounds[2] - bounds[0]) / cols
    cell_y = (bounds[3] - bounds[1]) / rows
    dz_dy, dz_dx = np.gradient(elevation, cell_y, cell_x)
    dz_dy = -dz_dy  # rows run north to south
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(-dz_dx, -dz_dy)  # direction the slope faces, clockwise from north
    az, alt = np.radians(azimuth), np.radians(altitude)
    shaded = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shaded, 0, 1)
