"""The data workflow in the browser: the entry form, approval, and the audit trail of a unit.

Every write goes through ``geodata.workflow`` in one transaction on a read-write connection;
the rights are checked here (``auth.require``) against the unit the figure is for.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext

from geodata import entry_checks, entry_form, periods, store
from geodata.store import workflow
from webmap import auth, db, params
from webmap.formatting import lang
from webmap.themes import CATALOGUE_THEMES

bp = Blueprint("workflow", __name__)
ACTION_LABELS = {"enter": ("nhập", "entered"), "edit": ("sửa", "edited"), "upload": ("tải lên", "uploaded"),
                 "submit": ("gửi duyệt", "submitted"), "approve": ("duyệt", "approved"),
                 "return": ("trả lại", "returned"), "remove": ("xoá", "removed"),
                 "supersede": ("thay thế", "superseded")}


def state_label(state: str | None) -> str:
    vi, en = workflow.STATE_LABELS.get(state or "", (state or "", state or ""))
    return en if lang() == "en" else vi


def action_label(action: str) -> str:
    vi, en = ACTION_LABELS.get(action, (action, action))
    return en if lang() == "en" else vi


def _jump() -> float:
    factor = float(current_app.config.get("WEBMAP_JUMP_FACTOR") or entry_checks.JUMP_FACTOR)
    return factor if factor > 1 else entry_checks.JUMP_FACTOR


def _unit_or_404(code: str) -> dict[str, Any]:
    unit = store.get_unit(db.conn(), code[:40])
    if unit is None:
        abort(404)
    return unit


def _period_arg(default: str) -> str:
    period = params.period("period") or default
    p = periods.parse(period)
    if p is None or p.is_range:
        abort(400)
    return period


def _entry_context(unit: dict[str, Any], period: str, theme: str, checked: dict[str, entry_checks.Checked] | None,
                   saved: int | None = None) -> dict[str, Any]:
    rows = entry_form.rows(db.conn(), unit["code"], period, theme)
    return {"unit": unit, "period": period, "theme": theme, "rows": rows, "checked": checked or {}, "saved": saved,
            "themes": CATALOGUE_THEMES, "state_label": state_label, "jump_factor": _jump(),
            "count_units": entry_checks.COUNT_UNITS, "percent_units": entry_checks.PERCENT_UNITS,
            "msg_pct": gettext("vượt 100 %: kiểm tra lại"),
            "periods": [period] + [p for p in ("2025H1", "2025", "2025H2", "2026H1", "2026") if p != period]}


@bp.get("/entry/<code>")
def entry(code: str):
    unit = _unit_or_404(code)
    auth.require("edit", unit["code"])
    theme = params.choice("theme", list(CATALOGUE_THEMES), "poverty")
    return render_template("entry.html", **_entry_context(unit, _period_arg("2025H1"), theme, None))


@bp.post("/entry/<code>")
def entry_save(code: str):
    """Save the form: nothing is saved while a field is wrong or a warning is not confirmed (the
    form comes back with the messages and what was typed); otherwise every changed figure is
    saved as a draft, or sent for approval, in one transaction."""
    unit = _unit_or_404(code)
    auth.require("edit", unit["code"])
    theme = params.choice("theme", list(CATALOGUE_THEMES), "poverty")
    period = _period_arg("2025H1")
    submit = request.form.get("action") == "submit"
    reason = (request.form.get("reason") or "").strip()[:500] or None
    rows = entry_form.rows(db.conn(), unit["code"], period, theme)
    checked: dict[str, entry_checks.Checked] = {}
    blocked = False
    for r in rows:
        text = (request.form.get(f"value_{r['code']}") or "")[:40]
        last = (r["last"] or {}).get("value")
        c = entry_checks.check(text, r["measure_unit"], last, jump_factor=_jump(),
                               count=(r["measure_unit"] or "") in entry_checks.COUNT_UNITS)
        checked[r["code"]] = c
        if c.errors or (c.warnings and request.form.get(f"confirm_{r['code']}") != "1"):
            blocked = True
    if blocked:
        ctx = _entry_context(unit, period, theme, checked)
        return render_template("entry.html", blocked=True, **ctx), 422
    conn = db.writer()
    saved = 0
    with store.transaction(conn):
        for r in rows:
            c = checked[r["code"]]
            current = r["entry"]
            if c.value is None and current is None:
                continue
            if workflow.save_figure(conn, g.user.name, unit["code"], r["code"], period, c.value, r["measure_unit"],
                                    submit=submit, reason=reason) is not None:
                saved += 1
        if submit:
            saved += workflow.submit(conn, g.user.name, unit["code"], period)
    return redirect(url_for("workflow.entry", code=unit["code"], period=period, theme=theme, saved=saved,
                            lang=lang() if lang() != "vi" else None), 303)


@bp.get("/review")
def review():
    """What awaits the user: figures to approve in their units, and their own drafts and returns."""
    auth.require("view_drafts")
    conn = db.conn()
    to_approve = workflow.batches(conn, g.user.roots("approve")) if auth.can("approve") else []
    own = workflow.batches(conn, g.user.roots("edit"), ("draft", "returned")) if auth.can("edit") else []
    return render_template("review.html", to_approve=to_approve, own=own)


@bp.get("/review/<code>/<period>")
def review_batch(code: str, period: str):
    unit = _unit_or_404(code)
    auth.require("view_drafts", unit["code"])
    try:
        if periods.parse(period) is None:
            abort(404)
    except ValueError:
        abort(404)
    rows = workflow.batch(db.conn(), unit["code"], period)
    return render_template("review_batch.html", unit=unit, period=period, rows=rows, state_label=state_label,
                           may_approve=auth.can("approve", unit["code"]))


def _decide(code: str, period: str, approve: bool):
    unit = _unit_or_404(code)
    auth.require("approve", unit["code"])
    comment = (request.form.get("comment") or "").strip()[:1000]
    if not approve and not comment:
        return render_template("error.html", code=400, message_vi="Cần ghi lý do trả lại.",
                               message_en="Say why the figures are returned."), 400
    conn = db.writer()
    with store.transaction(conn):
        n = (workflow.approve(conn, g.user.name, unit["code"], period, comment or None) if approve
             else workflow.return_batch(conn, g.user.name, unit["code"], period, comment))
    if n == 0:
        return render_template("error.html", code=409, message_vi="Không có số liệu chờ duyệt của đơn vị và kỳ này.",
                               message_en="No figures of this unit and period await approval."), 409
    return redirect(url_for("workflow.review", done=n, lang=lang() if lang() != "vi" else None), 303)


@bp.post("/review/<code>/<period>/approve")
def approve(code: str, period: str):
    return _decide(code, period, True)


@bp.post("/review/<code>/<period>/return")
def return_(code: str, period: str):
    return _decide(code, period, False)


def audit_rows(codes: list[str]) -> list[dict[str, Any]]:
    """The unit page's trail: who, when, what, old -> new, why (for logged-in users)."""
    rows = workflow.audit_for(db.conn(), codes)
    key = "name_en" if lang() == "en" else "name_vi"
    for r in rows:
        r["indicator"] = r.get(key) or r["indicator_code"]
        r["action_label"] = action_label(r["action"])
        r["state_label"] = state_label(r["new_state"])
    return rows


def no_figures_text() -> str:
    return gettext("Chưa có thay đổi nào.")
