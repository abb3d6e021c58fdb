"""``GET /figures/map`` and ``GET /figures/atlas``: the print figures over HTTP.

Why bounded: anyone can ask for a 600-dpi A3 PNG or a 40-page atlas, and each costs hundreds
of MB and seconds to minutes.  Parameters go through ``params`` (a bad one is a 400), the
pixel count is capped by memory (not only dpi by range), results are cached per data
version and request, and at most ``RENDER_SLOTS`` renders run at once; a request that waits
longer than ``RENDER_WAIT_S`` for a slot is told to retry (503, Retry-After), never queued
without bound.
"""

from __future__ import annotations

import io
import threading

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, send_file, url_for

from geodata import store
from geodata.exports import download_name
from webmap import atlas_jobs, caching, db, figures, params, render_pool
from webmap.formatting import indicator_name, lang, period_label

bp = Blueprint("figures", __name__, url_prefix="/figures")

RENDER_SLOTS = 2
RENDER_WAIT_S = 20.0
MAX_PIXELS = 36_000_000  # A4 at 600 dpi; A3 at 600 dpi (70 MP, ~280 MB as RGBA) is refused
_slots = threading.BoundedSemaphore(RENDER_SLOTS)
_cache = caching.LruCache(max_entries=16)


class Busy(Exception):
    """Every render slot is taken."""


def _request_from_args(**overrides) -> figures.FigureRequest:
    fields = {
        "unit": params.unit_code("unit", "12"), "period": params.period("period", "2025"),
        "indicator": params.indicator("indicator"),
        "theme": params.choice("theme", sorted(figures.THEMES)),
        "paper": params.choice("paper", sorted(figures.PAPER_MM), "A4"),
        "orientation": params.choice("orientation", ["portrait", "landscape"], "landscape"),
        "fmt": params.choice("format", sorted(figures.FORMATS), "pdf"),
        # A PNG is for printing: 300 dpi unless asked (150 was soft on A3); PDF and SVG are vector.
        "dpi": params.integer("dpi", 300 if params.raw("format") == "png" else 150, 50, figures.MAX_DPI),
        "title": params.title("title"),
        "lang": params.choice("lang", ["vi", "en"], "vi"), "colour_by": params.choice("colour_by", ["value", "status"],
                                                                                      "value"),
        "raster": params.integer("raster", 0, 0, 2**31 - 1) or None,
        "highlight": params.unit_code("highlight"),
    }
    fields.update(overrides)
    if not fields["indicator"] and not fields["theme"]:
        fields["theme"] = "population"
    width_mm, height_mm = figures.PAPER_MM[fields["paper"]]
    pixels = (width_mm / 25.4 * fields["dpi"]) * (height_mm / 25.4 * fields["dpi"])
    if fields["fmt"] == "png" and pixels > MAX_PIXELS:
        most = int((MAX_PIXELS / (width_mm / 25.4 * height_mm / 25.4)) ** 0.5)
        raise params.ParamError("dpi", f"khổ {fields['paper']} ở {fields['dpi']} dpi quá lớn cho máy chủ; tối đa "
                                       f"{most} dpi (hoặc dùng PDF/SVG, dạng vector)",
                                f"{fields['paper']} at {fields['dpi']} dpi is too large for the server; at most "
                                f"{most} dpi (or use PDF/SVG, which are vector)")
    return figures.FigureRequest(**fields)


def _rendered(key: tuple, build):
    def guarded():
        if not _slots.acquire(timeout=RENDER_WAIT_S):
            raise Busy
        try:
            return build()
        finally:
            _slots.release()

    return _cache.get_or_build(key, guarded)


@bp.errorhandler(Busy)
def _busy(_exc: Busy):
    return jsonify({"error": {"code": 503, "message_vi": "Máy chủ đang vẽ các bản đồ khác; thử lại sau ít giây.",
                              "message_en": "The server is drawing other maps; retry in a few seconds."}}), 503, \
        {"Retry-After": "10"}


@bp.errorhandler(render_pool.RenderTimeout)
def _timeout(_exc: render_pool.RenderTimeout):
    return jsonify({"error": {"code": 503, "message_vi": "Vẽ bản đồ quá thời gian cho phép và đã dừng; thử khổ nhỏ "
                              "hơn, dpi thấp hơn hoặc dùng lệnh 'webmap atlas'.", "message_en": "Drawing took longer "
                              "than allowed and was stopped; try a smaller paper, a lower dpi or the 'webmap atlas' "
                              "command."}}), 503


@bp.errorhandler(render_pool.RenderTooLarge)
def _too_large(_exc: render_pool.RenderTooLarge):
    return jsonify({"error": {"code": 400, "parameter": "dpi", "message_vi": "Bản đồ cần nhiều bộ nhớ hơn mức cho "
                              "phép; giảm dpi hoặc khổ giấy, hoặc dùng PDF/SVG.", "message_en": "The figure needs more "
                              "memory than allowed; lower the dpi or the paper size, or use PDF/SVG."}}), 400


def _draw(kind: str, req: figures.FigureRequest):
    """In a child process with a memory and time budget, unless the app says in-process
    (``WEBMAP_RENDER_ISOLATED = False``, for tests that stub the drawing)."""
    if current_app.config.get("WEBMAP_RENDER_ISOLATED", True):
        return render_pool.render(current_app.config["WEBMAP_DB"], kind, req)
    if kind == "map":
        return figures.render(db.conn(), req)
    buf = io.BytesIO()
    figures.render_atlas(db.conn(), req, buf)
    return buf.getvalue(), None


@bp.get("/map")
def map_figure():
    req = _request_from_args()
    data, info = _rendered(("map", tuple(sorted(req.__dict__.items()))), lambda: _draw("map", req))
    name = f"{req.unit}_{req.resolved_indicator()}_{req.period}.{req.fmt}"
    return Response(data, mimetype=figures.FORMATS[req.fmt], headers={
        "Content-Disposition": params.content_disposition("inline", name),
        "X-Scale-Denominator": str(info.scale_denominator),
    })


@bp.get("/atlas")
def atlas():
    req = _request_from_args(unit=params.unit_code("within", "12"), fmt="pdf")
    data, _ = _rendered(("atlas", tuple(sorted(req.__dict__.items()))), lambda: _draw("atlas", req))
    name = f"atlas_{req.unit}_{req.resolved_indicator()}_{req.period}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": params.content_disposition("attachment", name)})



@bp.get("/atlas/jobs/new")
def atlas_job_start():
    """Start (or find) the atlas job and send the browser to its progress page at once.

    A GET, though it may start a drawing: the job is named by the data version and the request,
    so asking twice finds the same job (the answer is a cache being filled, as with /figures/map);
    the data never changes, and anonymous visitors can make atlases without a session."""
    req = _request_from_args(unit=params.unit_code("within", "12"), fmt="pdf")
    unit = store.get_unit(db.conn(), req.unit)
    indicator = store.indicator(db.conn(), req.resolved_indicator().split("__")[0])
    if unit is None or indicator is None:
        raise params.ParamError("within", "không có đơn vị hoặc chỉ tiêu này", "no such unit or indicator")
    title = req.title or f"{indicator_name(indicator)} – {unit['full_name']} – {period_label(req.period)}"
    level = {"province": "commune", "commune": "village"}.get(unit["level"], unit["level"])
    filename = "tap_ban_do_" + download_name(db.conn(), "units", "pdf", level=level, within=unit["code"],
                                             indicators=[req.resolved_indicator()], period=req.period)
    try:
        jid = atlas_jobs.start(current_app.config["WEBMAP_DB"], caching.data_version(), req, title, filename)
    except atlas_jobs.TooManyJobs:
        return jsonify({"error": {"code": 503, "message_vi": "Đang vẽ các tập bản đồ khác; thử lại sau ít phút.",
                                  "message_en": "Other atlases are being drawn; retry in a few minutes."}}), 503, \
            {"Retry-After": "60"}
    return redirect(url_for("figures.atlas_job", jid=jid, lang=lang() if lang() != "vi" else None), 303)


def _job(jid: str) -> dict:
    state = atlas_jobs.read_state(current_app.config["WEBMAP_DB"], jid)
    if state is None:
        abort(404)
    return state


@bp.get("/atlas/jobs/<jid>")
def atlas_job(jid: str):
    return render_template("job.html", jid=jid, state=_job(jid))


@bp.get("/atlas/jobs/<jid>/state")
def atlas_job_state(jid: str):
    resp = jsonify(_job(jid))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/atlas/jobs/<jid>/pdf")
def atlas_job_pdf(jid: str):
    if _job(jid)["status"] != "done":
        abort(404)
    path = atlas_jobs.result(current_app.config["WEBMAP_DB"], jid)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=_job(jid).get("filename") or f"tap_ban_do_{jid[:8]}.pdf")
