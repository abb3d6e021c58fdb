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

from pyproj import CRS

# Central meridians of the provincial TM-3 zones (degrees), by 2025 province code.
PROVINCE_MERIDIANS: dict[str, float] = {"12": 103.0, "14": 104.0}
PROVINCE_NAMES = {"12": "Lai Châu", "14": "Sơn La"}

# EPSG codes of VN-2000 / TM-3 zones by central meridian.
_TM3_EPSG = {
    103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.5: 9209, 105.75: 9210, 106.0: 9211,
    106.25: 9212, 106.5: 9213, 107.0: 9214, 107.25: 9215, 107.5: 9216, 107.75: 5899, 108.25: 9217,
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


def province_meridian(province_code: str, centroid_lon: float | None = None) -> tuple[float, bool]:
    """The central meridian of a province's VN-2000 TM-3 zone, and whether it is the official one.

    Why a fallback: the official meridians (Thông tư 973/2001/TT-TCĐC) are known here for the two
    sample provinces, and the 2025 merged provinces have none of their own yet.  Any other
    province gets the 15′ meridian nearest its centroid: TM-3 with k = 0.9999 keeps the scale
    within 0.03 % across the province, and figures and exports say it is not the official zone."""
    if province_code in PROVINCE_MERIDIANS:
        return PROVINCE_MERIDIANS[province_code], True
    if centroid_lon is None or not math.isfinite(centroid_lon):
        raise KeyError(f"no VN-2000 TM-3 meridian known for province {province_code}")
    return round(centroid_lon * 4) / 4, False


def province_crs(province_code: str, centroid_lon: float | None = None) -> CRS:
    """The province's own VN-2000 TM-3 zone (where its maps are true to scale)."""
    return vn2000_tm3(province_meridian(province_code, centroid_lon)[0])


def meridian_label(meridian: float) -> str:
    degrees = int(meridian)
    minutes = round((meridian - degrees) * 60)
    return f"{degrees}°{minutes:02d}′"
