"""``GET /reports/<code>.docx`` (and ``.md``): the report draft of a unit for a period, from the unit page.

DOCX and PDF carry the unit's print figure, drawn like any figure (a child process, bounded slots,
cached).  PDF goes through LibreOffice, one conversion at a time (a process of ~150 MB for ~3 s):
a request that would wait longer than 30 s is told to retry.
"""

from __future__ import annotations

import threading

from flask import Blueprint, Response, jsonify, request

from geodata import report, report_docx, report_text
from webmap import caching, db, figure_views, figures, params, report_figures
from webmap.formatting import lang

bp = Blueprint("reports", __name__, url_prefix="/reports")
_cache = caching.LruCache(max_entries=32)
MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf", "md": "text/markdown; charset=utf-8"}
_converter = threading.BoundedSemaphore(1)


class ConverterBusy(Exception):
    """LibreOffice is converting another draft."""


@bp.errorhandler(ConverterBusy)
def _busy(_exc: ConverterBusy):
    return jsonify({"error": {"code": 503, "message_vi": "Máy chủ đang chuyển bản báo cáo khác sang PDF; thử lại "
                              "sau ít giây, hoặc tải DOCX.", "message_en": "The server is converting another draft "
                              "to PDF; retry in a few seconds, or download the DOCX."}}), 503, {"Retry-After": "10"}


@bp.errorhandler(report_docx.NoConverter)
def _no_converter(exc: report_docx.NoConverter):
    return jsonify({"error": {"code": 503, "message_vi": exc.args[0], "message_en": exc.args[1]}}), 503


def _maps(draft: report.Report, language: str) -> list[tuple[bytes, str]]:
    req = report_figures.figure_request(draft, language)
    try:
        data, info = figure_views._rendered(("map", tuple(sorted(req.__dict__.items()))),
                                            lambda: figure_views._draw("map", req))
    except figures.FigureError:
        return []
    return [(data, report_figures.caption(draft, info.title, language))]


@bp.errorhandler(report.NoFigures)
def _no_figures(exc: report.NoFigures):
    return jsonify({"error": {"code": 404, "message_vi": exc.args[0], "message_en": exc.args[1],
                              "periods": exc.args[2]}}), 404


@bp.get("/<code>.<fmt>")
def unit_report(code: str, fmt: str):
    if fmt not in MIMETYPES:
        raise params.ParamError("format", f"'{fmt[:10]}' không hỗ trợ; dùng docx, pdf hoặc md",
                                f"'{fmt[:10]}' is not supported; use docx, pdf or md")
    period = params.period("period")
    if period is None:
        raise params.ParamError("period", "cần kỳ báo cáo (vd. 2025H1)", "a report period is needed (e.g. 2025H1)")
    ranked = tuple(params.indicator_list("indicator"))
    language = lang()
    review = request.args.get("review") in ("1", "true")

    def build() -> bytes:
        try:
            draft = report.build(db.conn(), code[:40], period, language, ranked=ranked)
        except report.NoFigures:
            raise
        except report.ReportError as exc:
            raise params.ParamError("unit", exc.args[0], exc.args[1]) from None
        if fmt == "md":
            text = report_text.review_markdown(draft) if review else report_text.markdown(draft)
            return text.encode("utf-8")
        document = report_docx.review_docx(draft) if review else report_docx.docx(draft, _maps(draft, language))
        if fmt == "docx":
            return document
        if not _converter.acquire(timeout=30):
            raise ConverterBusy
        try:
            return report_docx.to_pdf(document)
        finally:
            _converter.release()

    data = _cache.get_or_build((code, fmt, period, ranked, language, review), build)
    stem = ("ra_soat" if language == "vi" else "review") if review else ("bao_cao" if language == "vi" else "report")
    name = f"{stem}_{code}_{period}.{fmt}"
    return caching.conditional(Response(data, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": params.content_disposition("attachment", name)}), code, fmt, period, ranked, language,
        review)
