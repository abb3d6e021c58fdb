"""``GET /figures/map`` and ``GET /figures/atlas``: the print figures over HTTP."""

from __future__ import annotations

import io

from flask import Blueprint, Response, request

from webmap import db, figures

bp = Blueprint("figures", __name__, url_prefix="/figures")


def _request_from_args(**overrides) -> figures.FigureRequest:
    args = request.args
    try:
        dpi = int(args.get("dpi", "150"))
    except ValueError:
        raise figures.FigureError("dpi phải là số nguyên", "dpi must be a whole number") from None
    fields = {
        "unit": args.get("unit", "12"), "period": args.get("period", "2025"),
        "indicator": args.get("indicator") or None, "theme": args.get("theme") or None,
        "paper": args.get("paper", "A4"), "orientation": args.get("orientation", "landscape"),
        "fmt": args.get("format", "pdf"), "dpi": dpi, "title": (args.get("title") or None),
        "lang": args.get("lang", "vi"), "colour_by": args.get("colour_by", "value"),
    }
    fields.update(overrides)
    if fields["title"] is not None and len(fields["title"]) > 200:
        raise figures.FigureError("Tiêu đề dài quá 200 ký tự", "The title is longer than 200 characters")
    if not fields["indicator"] and not fields["theme"]:
        fields["theme"] = "population"
    return figures.FigureRequest(**fields)



@bp.get("/map")
def map_figure():
    req = _request_from_args()
    data, info = figures.render(db.conn(), req)
    name = f"{req.unit}_{req.resolved_indicator()}_{req.period}.{req.fmt}"
    return Response(data, mimetype=figures.FORMATS[req.fmt], headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "X-Scale-Denominator": str(info.scale_denominator),
    })


@bp.get("/atlas")
def atlas():
    req = _request_from_args(unit=request.args.get("within", "12"), fmt="pdf")
    buf = io.BytesIO()
    figures.render_atlas(db.conn(), req, buf)
    name = f"atlas_{req.unit}_{req.resolved_indicator()}_{req.period}.pdf"
    return Response(buf.getvalue(), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
