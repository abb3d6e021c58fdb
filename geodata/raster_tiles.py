"""Map tiles (256 px PNG, Web Mercator) drawn from the COGs the raster imports keep.

Why our own renderer instead of rio-tiler: rio-tiler would bring its own stack (morecantile,
rio-cogeo, pydantic) to do what one WarpedVRT read does here: the COG's overviews are picked by
GDAL for the tile's resolution, so a tile costs one small read whatever the zoom.  Colours are
fixed per kind so the legend can say them: forest classes green, other land-cover classes grey
shades, a DEM on a terrain ramp between the raster's own 2nd and 98th percentiles, a population
grid on a log ramp.  Nodata and cells outside the raster are transparent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.vrt import WarpedVRT

from geodata import vector_tiles

SIZE = 256
FOREST = (26, 152, 80)
OTHER_CLASSES = [(189, 189, 189), (150, 150, 150), (217, 217, 217), (120, 120, 120), (240, 240, 240)]
# matplotlib's "terrain" at five stops, so the legend can draw the same ramp.
TERRAIN = [(0.0, (51, 153, 255)), (0.15, (0, 204, 102)), (0.4, (255, 255, 153)), (0.75, (153, 102, 51)),
           (1.0, (255, 255, 255))]
POPULATION = [(0.0, (255, 255, 204)), (0.5, (253, 141, 60)), (1.0, (189, 0, 38))]


@dataclass(frozen=True)
class Style:
    kind: str
    classes: tuple[int, ...] = ()
    low: float = 0.0  # the ramp's ends (DEM, population)
    high: float = 1.0


def style_of(cog: Path, kind: str, classes: tuple[int, ...]) -> Style:
    """The colours of a raster: for a continuous one, its own 2nd–98th percentile from the smallest overview."""
    if kind in ("landcover", "forest"):
        return Style(kind, classes or (1,))
    with rasterio.open(cog) as src:
        level = src.overviews(1)[-1] if src.overviews(1) else 1
        data = src.read(1, out_shape=(max(1, src.height // level), max(1, src.width // level)), masked=True)
    values = data.compressed()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return Style(kind)
    if kind == "population":
        values = values[values > 0]
        if values.size == 0:
            return Style(kind, low=0.0, high=1.0)
        low, high = np.log10(np.percentile(values, 2)), np.log10(np.percentile(values, 98))
        return Style(kind, low=float(low), high=float(high))
    return Style(kind, low=float(np.percentile(values, 2)), high=float(np.percentile(values, 98)))


def _ramp(t: np.ndarray, stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    xs = [s for s, _ in stops]
    return np.stack([np.interp(t, xs, [c[i] for _, c in stops]) for i in range(3)], axis=-1)


def render_array(cog: Path, style: Style, crs: str, bounds: tuple[float, float, float, float], width: int,
                 height: int) -> np.ndarray:
    """The raster in ``style``'s colours as RGBA (rows, cols, 4) on a grid of ``bounds`` (west,
    south, east, north in ``crs``): a map tile's grid, or a print figure's in VN-2000.  Nodata
    and cells outside the raster are transparent."""
    west, south, east, north = bounds
    categorical = style.kind in ("landcover", "forest")
    resampling = Resampling.nearest if categorical else Resampling.bilinear
    grid = from_bounds(west, south, east, north, width, height)  # the destination itself is the VRT's grid
    with rasterio.open(cog) as src, WarpedVRT(src, crs=crs, transform=grid, width=width, height=height,
                                              resampling=resampling, nodata=src.nodata if src.nodata is not None
                                              else np.nan) as vrt:
        data = vrt.read(1, masked=True)
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    valid = ~np.ma.getmaskarray(data)
    values = np.ma.getdata(data).astype("float64")
    valid &= np.isfinite(values)
    if categorical:
        forest = valid & np.isin(values, style.classes)
        rgba[forest, :3] = FOREST
        others = valid & ~forest
        if others.any():
            idx = (values[others].astype(int) % len(OTHER_CLASSES))
            rgba[others, :3] = np.array(OTHER_CLASSES, dtype=np.uint8)[idx]
    else:
        v = values
        if style.kind == "population":
            v = np.log10(np.where(v > 0, v, np.nan))
            valid &= np.isfinite(v)
        span = style.high - style.low or 1.0
        t = np.clip((np.nan_to_num(v) - style.low) / span, 0, 1)
        rgba[..., :3] = _ramp(t, TERRAIN if style.kind == "dem" else POPULATION).astype(np.uint8)
    rgba[valid, 3] = 255
    return rgba


def render(cog: Path, style: Style, z: int, x: int, y: int) -> bytes:
    """One tile as PNG; a tile beside the raster is fully transparent (and small)."""
    rgba = render_array(cog, style, "EPSG:3857", vector_tiles.bounds(z, x, y), SIZE, SIZE)
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    return out.getvalue()
