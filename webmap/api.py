"""JSON API: the catalogue and progress against targets.

Every number in a response carries its source (document and row, or import);
errors are JSON with a Vietnamese and an English message.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from geodata import consistency, progress, store
from webmap import db, params

bp = Blueprint("api", __name__, url_prefix="/api")


class ApiError(Exception):
    def __init__(self, status: int, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status, self.message_vi, self.message_en = status, message_vi, message_en


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return jsonify({"error": {"code": exc.status, "message_vi": exc.message_vi, "message_en": exc.message_en}}), \
        exc.status


def _arg(name: str, required: bool = True) -> str | None:
    value = (request.args.get(name) or "").strip() or None
    if required and value is None:
        raise ApiError(400, f"Thiếu tham số '{name}'", f"Missing parameter '{name}'")
    return value


@bp.get("/indicators")
def indicators():
    conn = db.conn()
    theme = params.raw("theme")
    rows = store.figures.catalogue(conn, theme or None)
    return jsonify({"count": len(rows), "indicators": rows})


@bp.get("/progress")
def progress_view():
    conn = db.conn()
    _arg("indicator"), _arg("period")  # present, or a 400 naming the missing one
    indicator, period = params.indicator("indicator"), params.period("period")
    vintage = params.vintage("vintage")
    unit, level = params.unit_code("unit"), params.level("level")
    if (unit is None) == (level is None):
        raise ApiError(400, "Cần đúng một trong hai tham số 'unit' hoặc 'level'",
                       "Give exactly one of 'unit' or 'level'")
    if store.indicator(conn, indicator.split("__")[0]) is None:
        raise ApiError(404, f"Chỉ tiêu '{indicator}' không có trong danh mục",
                       f"Indicator '{indicator}' is not in the catalogue")
    try:
        if unit is not None:
            return jsonify(progress.evaluate(conn, unit, indicator, period, vintage=vintage))
        within = params.unit_code("within")
        results = progress.evaluate_level(conn, level, indicator, period, within=within, vintage=vintage)
    except progress.UnknownCode:
        raise ApiError(404, f"Không tìm thấy đơn vị mã {unit} ({vintage})",
                       f"Unit {unit} ({vintage}) not found") from None
    except ValueError as exc:
        raise ApiError(400, f"Tham số không hợp lệ: {exc}", f"Invalid parameter: {exc}") from None
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return jsonify({"level": level, "within": within, "indicator": indicator, "period": period,
                    "count": len(results), "status_counts": counts, "results": results})


@bp.get("/consistency")
def consistency_view():
    only = request.args.get("status") == "inconsistent"
    flags = consistency.all_flags(db.conn(), only_inconsistent=only)
    return jsonify({"count": len(flags), "flags": flags})
