"""``GET /reports/<code>.docx`` (and ``.md``): the report draft of a unit for a period, from the unit page.

PDF stays on the command line (``webmap report --format pdf``): it needs LibreOffice, tens of
megabytes of a process per request, which a public server should not start for anyone who asks.
"""

from __future__ import annotations

from flask import Blueprint, Response

from geodata import report, report_docx, report_text
from webmap import caching, db, params
from webmap.formatting import lang

bp = Blueprint("reports", __name__, url_prefix="/reports")
_cache = caching.LruCache(max_entries=32)
MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "md": "text/markdown; charset=utf-8"}


@bp.get("/<code>.<fmt>")
def unit_report(code: str, fmt: str):
    if fmt not in MIMETYPES:
        raise params.ParamError("format", f"'{fmt[:10]}' không hỗ trợ; dùng docx hoặc md",
                                f"'{fmt[:10]}' is not supported; use docx or md")
    period = params.period("period")
    if period is None:
        raise params.ParamError("period", "cần kỳ báo cáo (vd. 2025H1)", "a report period is needed (e.g. 2025H1)")
    ranked = tuple(params.indicator_list("indicator"))
    language = lang()

    def build() -> bytes:
        try:
            draft = report.build(db.conn(), code[:40], period, language, ranked=ranked)
        except report.ReportError as exc:
            raise params.ParamError("unit", exc.args[0], exc.args[1]) from None
        return report_text.markdown(draft).encode("utf-8") if fmt == "md" else report_docx.docx(draft)

    data = _cache.get_or_build((code, fmt, period, ranked, language), build)
    name = f"bao_cao_{code}_{period}.{fmt}" if language == "vi" else f"report_{code}_{period}.{fmt}"
    return caching.conditional(Response(data, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": params.content_disposition("attachment", name)}), code, fmt, period, ranked, language)
