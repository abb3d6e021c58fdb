"""Query parameters, one validator per kind: a bad value is a bilingual 400 naming the parameter.

Why one place: the same ``period`` reached the figure, atlas, export and progress code, each
parsing it its own way, and "2025H5", "２０２５" or "2025\\r\\n" ended as a 500 or a hung
response.  Every view now takes its parameters through these functions, which return clean
ASCII values (canonical periods, codes) or raise ``ParamError``; nothing else reaches the
data layer.  The fuzz test sends thousands of hostile values through them.
"""

from __future__ import annotations

import math
import re
from urllib.parse import quote

from flask import request

from geodata import periods
from geodata.errors import BilingualError
from geodata.store import schema

_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,39}$")
_INDICATOR = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TITLE = 200


class ParamError(BilingualError):
    """A query parameter that cannot be used; ``param`` names it."""

    def __init__(self, param: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"Tham số '{param}': {message_vi}", f"Parameter '{param}': {message_en}")
        self.param = param


def raw(name: str) -> str | None:
    """The parameter as sent, stripped; None when absent or blank.  Control characters are refused."""
    value = request.values.get(name)  # query string, or a form posted (the atlas job)
    if value is None or not value.strip():
        return None
    if _CONTROL.search(value):
        raise ParamError(name, "có ký tự điều khiển (xuống dòng, tab…)", "contains control characters (newline, tab…)")
    if len(value) > 2000:
        raise ParamError(name, "dài quá 2000 ký tự", "is longer than 2000 characters")
    return value.strip()


def choice(name: str, allowed: list[str] | tuple[str, ...], default: str | None = None) -> str | None:
    value = raw(name)
    if value is None:
        return default
    if value not in allowed:
        raise ParamError(name, f"'{value[:40]}' không hợp lệ; dùng {', '.join(allowed)}",
                         f"'{value[:40]}' is not valid; use {', '.join(allowed)}")
    return value


def unit_code(name: str, default: str | None = None) -> str | None:
    value = raw(name)
    if value is None:
        return default
    if not _CODE.match(value):
        raise ParamError(name, f"'{value[:40]}' không phải mã đơn vị (vd. 12, 03390, 03390-B01)",
                         f"'{value[:40]}' is not a unit code (e.g. 12, 03390, 03390-B01)")
    return value


def indicator(name: str = "indicator", default: str | None = None) -> str | None:
    value = raw(name)
    if value is None:
        return default
    if not _INDICATOR.match(value):
        raise ParamError(name, f"'{value[:40]}' không phải mã chỉ tiêu (vd. poor_household_rate)",
                         f"'{value[:40]}' is not an indicator code (e.g. poor_household_rate)")
    return value


def indicator_list(name: str = "indicator") -> tuple[str, ...]:
    out = []
    for value in request.args.getlist(name):
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if not _INDICATOR.match(item) or _CONTROL.search(item):
                raise ParamError(name, f"'{item[:40]}' không phải mã chỉ tiêu",
                                 f"'{item[:40]}' is not an indicator code")
            out.append(item)
    if len(out) > 50:
        raise ParamError(name, "nhiều hơn 50 chỉ tiêu", "more than 50 indicators")
    return tuple(out)


def period(name: str = "period", default: str | None = None) -> str | None:
    """A period in canonical ASCII form (``2025``, ``2025H1``, ``2025Q3``, ``2026-2030``)."""
    if name in request.args and not request.args[name].strip():
        raise ParamError(name, "để trống; bỏ tham số đi hoặc ghi kỳ (vd. 2025)",
                         "is empty; leave it out or give a period (e.g. 2025)")
    value = raw(name)
    if value is None:
        return default
    if not value.isascii():
        raise ParamError(name, f"'{value[:20]}' không phải kỳ báo cáo (chỉ dùng chữ số 0-9)",
                         f"'{value[:20]}' is not a period (digits 0-9 only)")
    try:
        parsed = periods.parse(value)
    except ValueError:
        parsed = None
    if parsed is None or not 1900 <= parsed.start <= parsed.end <= 2100:
        raise ParamError(name, f"'{value[:20]}' không phải kỳ báo cáo (dùng 2025, 2025H1, 2025Q1, 2026-2030)",
                         f"'{value[:20]}' is not a period (use 2025, 2025H1, 2025Q1, 2026-2030)")
    return str(parsed)


def integer(name: str, default: int, low: int, high: int) -> int:
    value = raw(name)
    if value is None:
        return default
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", value):
        raise ParamError(name, f"'{value[:20]}' không phải số nguyên", f"'{value[:20]}' is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise ParamError(name, f"phải từ {low} đến {high}", f"must be between {low} and {high}")
    return number


def bbox(name: str = "bbox") -> tuple[float, float, float, float] | None:
    value = raw(name)
    if value is None:
        return None
    try:
        parts = [float(v) for v in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or not all(math.isfinite(v) for v in parts):
        raise ParamError(name, "cần bốn số: minx,miny,maxx,maxy", "must be four numbers: minx,miny,maxx,maxy")
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ParamError(name, "ngoài khoảng kinh độ −180..180, vĩ độ −90..90 hoặc min > max",
                         "outside longitude −180..180, latitude −90..90, or min > max")
    return minx, miny, maxx, maxy


def crs(name: str = "crs") -> str | None:
    """``EPSG:4326``, ``vn2000`` or ``vn2000:<meridian>`` with a meridian Viet Nam uses (102–110°)."""
    value = raw(name)
    if value is None:
        return None
    low = value.lower()
    if low in ("epsg:4326", "4326", "vn2000", "vn-2000"):
        return value
    if low.startswith("vn2000:"):
        try:
            meridian = float(low.split(":", 1)[1])
        except ValueError:
            meridian = math.nan
        if math.isfinite(meridian) and 102 <= meridian <= 110:
            return f"vn2000:{meridian:g}"
        raise ParamError(name, "kinh tuyến trục VN-2000 phải từ 102 đến 110 (vd. vn2000:103)",
                         "the VN-2000 central meridian must be between 102 and 110 (e.g. vn2000:103)")
    raise ParamError(name, f"'{value[:30]}' không hỗ trợ; dùng EPSG:4326, vn2000 hoặc vn2000:103",
                     f"'{value[:30]}' is not supported; use EPSG:4326, vn2000 or vn2000:103")


def vintage(name: str = "vintage") -> str:
    return choice(name, schema.VINTAGES, "2025") or "2025"


def level(name: str = "level", default: str | None = None) -> str | None:
    return choice(name, schema.LEVELS, default)


def title(name: str = "title") -> str | None:
    """Plain text: no control characters, at most 200 characters (drawn without math text)."""
    value = raw(name)
    if value is not None and len(value) > MAX_TITLE:
        raise ParamError(name, f"dài quá {MAX_TITLE} ký tự", f"is longer than {MAX_TITLE} characters")
    return value


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266 with an RFC 5987 ``filename*``: any name is a valid Latin-1 header."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
