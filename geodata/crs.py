"""Coordinate reference systems used for Vietnamese data: VN-2000 and its TM-3 zones.

Why pyproj with EPSG codes: EPSG carries the official VN-2000 -> WGS 84 7-parameter
transformation ("VN-2000 to WGS 84 (2)": dx -191.90441429 m, dy -39.30318279 m,
dz -111.45032835 m, rx -0.00928836", ry 0.01975479", rz -0.00427372",
ds 0.252906278 ppm), which PROJ picks by default; a test checks that it does.
Provincial TM-3 zones have k = 0.9999 and x_0 = 500 km on the province's central
meridian (Thông tư 973/2001/TT-TCĐC).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from pyproj import CRS

# Central meridians (degrees) of the 63 provinces' TM-3 zones, by pre-2025 province code:
# the table of Thông tư 973/2001/TT-TCĐC (Phụ lục), the one every provincial cadastre uses.
OFFICIAL_MERIDIANS: dict[str, float] = {
    "01": 105.0, "02": 105.5, "04": 105.75, "06": 106.5, "08": 106.0, "10": 104.75, "11": 103.0,
    "12": 103.0, "14": 104.0, "15": 104.75, "17": 106.0, "19": 106.5, "20": 107.25, "22": 107.75,
    "24": 107.0, "25": 104.75, "26": 105.0, "27": 105.5, "30": 105.5, "31": 105.75, "33": 105.5,
    "34": 105.5, "35": 105.0, "36": 105.5, "37": 105.0, "38": 105.0, "40": 104.75, "42": 105.5,
    "44": 106.0, "45": 106.25, "46": 107.0, "48": 107.75, "49": 107.75, "51": 108.0, "52": 108.25,
    "54": 108.5, "56": 108.25, "58": 108.25, "60": 108.5, "62": 107.5, "64": 108.5, "66": 108.5,
    "67": 108.5, "68": 107.75, "70": 106.25, "72": 105.5, "74": 105.75, "75": 107.75, "77": 107.75,
    "79": 105.75, "80": 105.75, "82": 105.75, "83": 105.75, "84": 105.5, "86": 105.5, "87": 105.0,
    "89": 104.75, "91": 104.5, "92": 105.0, "93": 105.0, "94": 105.5, "95": 105.0, "96": 104.5,
}

# The 2025 provinces made of several (Nghị quyết 202/2025/QH15), by 2025 code: the pre-2025
# provinces merged into each.  Each keeps the code of the old province that holds its seat (the
# crosswalk in ../shared shows it; a test checks this table against it).  The other 11 are unchanged.
MERGED_2025: dict[str, tuple[str, ...]] = {
    "08": ("02", "08"), "15": ("10", "15"), "19": ("06", "19"), "24": ("24", "27"),
    "25": ("17", "25", "26"), "31": ("30", "31"), "33": ("33", "34"), "37": ("35", "36", "37"),
    "44": ("44", "45"), "48": ("48", "49"), "51": ("51", "62"), "52": ("52", "64"), "56": ("56", "58"),
    "66": ("54", "66"), "68": ("60", "67", "68"), "75": ("70", "75"), "79": ("74", "77", "79"),
    "80": ("72", "80"), "82": ("82", "87"), "86": ("83", "84", "86"), "91": ("89", "91"),
    "92": ("92", "93", "94"), "96": ("95", "96"),
}
UNCHANGED_2025 = ("01", "04", "11", "12", "14", "20", "22", "38", "40", "42", "46")


class Zone(NamedTuple):
    """A province's TM-3 zone and how it was chosen.

    basis: "official" (the 2001 table, and every merged part agrees), "seat" (a merged province
    whose parts had different zones: the zone of the part that holds the seat and gave the code),
    or "nearest" (no table entry: the 15′ meridian nearest the province's centre)."""

    meridian: float
    basis: str
    parts: tuple[tuple[str, float], ...] = ()  # (pre-2025 code, its meridian) for a merged province


# EPSG codes of VN-2000 / TM-3 zones by central meridian.
_TM3_EPSG = {
    103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.0: 5897, 105.5: 9209, 105.75: 9210, 106.0: 9211,
    106.25: 9212, 106.5: 9213, 107.0: 9214, 107.25: 9215, 107.5: 9216, 107.75: 5899, 108.0: 5898, 108.25: 9217,
    108.5: 9218,
}
VN2000_GEOGRAPHIC = 4756
VN2000_UTM = {48: 3405, 49: 3406}


def vn2000_tm3(meridian: float) -> CRS:
    """VN-2000 / TM-3 zone on ``meridian`` (degrees, e.g. 103 or 104.75)."""
    code = _TM3_EPSG.get(round(meridian * 4) / 4)
    if code is not None:
        return CRS.from_epsg(code)
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={meridian} +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 "
        "+units=m +no_defs"
    )


def province_zone(province_code: str, centroid_lon: float | None = None, vintage: str = "2025") -> Zone:
    """The VN-2000 TM-3 zone of a province.

    Why the seat's zone for a merged province: no table for the 34 provinces has been published
    (December 2026), and the seat's own survey archive and cadastral maps continue in its zone,
    so a figure or Shapefile in that zone lines up with what the provincial office already holds.
    At 1.2° from the seat's meridian (the far edge of Lâm Đồng or Đồng Nai) the TM-3 scale error is
    about 0.01 %, below what a printed map shows.  Codes are reused across vintages, so the vintage says which table."""
    if vintage == "2025" and province_code in MERGED_2025:
        parts = tuple((c, OFFICIAL_MERIDIANS[c]) for c in MERGED_2025[province_code])
        meridian = OFFICIAL_MERIDIANS[province_code]
        basis = "official" if len({m for _, m in parts}) == 1 else "seat"
        return Zone(meridian, basis, parts)
    if province_code in OFFICIAL_MERIDIANS and (vintage != "2025" or province_code in UNCHANGED_2025):
        return Zone(OFFICIAL_MERIDIANS[province_code], "official")
    if centroid_lon is None or not math.isfinite(centroid_lon):
        raise KeyError(f"no VN-2000 TM-3 meridian known for province {province_code}")
    return Zone(round(centroid_lon * 4) / 4, "nearest")


def province_meridian(province_code: str, centroid_lon: float | None = None) -> tuple[float, bool]:
    """The central meridian of a 2025 province's zone, and whether it is the official one."""
    zone = province_zone(province_code, centroid_lon)
    return zone.meridian, zone.basis == "official"


def province_crs(province_code: str, centroid_lon: float | None = None) -> CRS:
    """The province's own VN-2000 TM-3 zone (where its maps are true to scale)."""
    return vn2000_tm3(province_zone(province_code, centroid_lon).meridian)


def meridian_label(meridian: float) -> str:
    degrees = int(meridian)
    minutes = round((meridian - degrees) * 60)
    return f"{degrees}°{minutes:02d}′"
