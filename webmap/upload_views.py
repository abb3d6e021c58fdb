"""Indicator tables uploaded in the browser: a preview of the join, then apply; the import history
with undo.

Why a saved upload between preview and apply: the user decides on each suggestion with the
preview in front of them, and what is applied must be the very file previewed (its hash is in
the journal); the file waits under ``<store dir>/uploads/<token>/`` for a day, readable only by
the user who sent it.  The checks, the size cap and the all-or-nothing write are the CLI's
(``geodata.indicator_import``); figures land as entries awaiting approval, never on the maps.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext

from geodata import boundaries_import, imports, indicator_import, rasters, store
from geodata.store import journal, server, workflow
from webmap import auth, db
from webmap.formatting import lang

bp = Blueprint("uploads", __name__)
SHEET_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".tsv")
BOUNDARY_SUFFIXES = (".zip", ".gpkg", ".geojson", ".json", ".kml")  # a Shapefile comes zipped
RASTER_SUFFIXES = (".tif", ".tiff")
LEVELS = ("commune", "village", "province")
RASTER_KINDS = {"landcover": ("lớp phủ (mỗi ô một lớp)", "land cover (one class per cell)"),
                "forest": ("rừng / không rừng (1 = rừng)", "forest mask (1 = forest)"),
                "dem": ("độ cao (DEM, mét)", "elevation (DEM, metres)"),
                "population": ("dân số theo lưới (người/ô)", "population grid (persons per cell)")}
KEEP_S = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _location() -> str:
    return current_app.config["WEBMAP_DB"]


def _clean_name(name: str) -> str:
    """The file's own name for the journal, without any directory or control character."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")[:120]
    return name or "upload.csv"


def _saved(token: str) -> tuple[Path, dict[str, Any]]:
    """The upload's file on this server and its meta (previewed on one server, applied on another)."""
    if not _TOKEN.match(token or ""):
        abort(404)
    found = server.load_upload(_location(), token)
    if found is None:
        abort(404)
    path, meta = found
    if meta.get("user_id") != g.user.id:
        abort(404)  # another user's upload is not theirs to see or apply
    return path, meta


def _options(meta: dict[str, Any], *, accepted: frozenset[str] = frozenset(), skip: bool = True,
             dry: bool) -> indicator_import.Options:
    return indicator_import.Options(
        period=meta.get("period") or None, province=meta.get("province") or None, accepted=accepted,
        accept_suggestions=dry, skip_unmatched=skip, entry_user=g.user.name, allowed=auth.allowed_for("edit"),
        dry_run=dry, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])


def _boundary_options(meta: dict[str, Any], *, dry: bool) -> boundaries_import.Options:
    b = meta["boundaries"]
    return boundaries_import.Options(
        level=b["level"], crs=b.get("crs") or None, code_field=b.get("code_field") or None,
        name_field=b.get("name_field") or None, parent_field=b.get("parent_field") or None,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"], dry_run=dry, user=g.user.name,
        allowed=auth.allowed_for("boundaries"))


def _raster_options(meta: dict[str, Any], *, dry: bool) -> rasters.Options:
    r = meta["raster"]
    return rasters.Options(kind=r["kind"], period=meta.get("period") or "", classes=rasters.parse_classes(
        r.get("classes")), crs=r.get("crs") or None, licence=r.get("licence") or None,
        illustrative=bool(r.get("illustrative")), max_bytes=current_app.config["MAX_CONTENT_LENGTH"], dry_run=dry)


def _attempt(meta: dict[str, Any], run: Any) -> tuple[Any, list[str]]:
    """An import run for its preview or applied: its result, or why it was refused (in the user's
    file name, never the server's path)."""
    try:
        return run(), []
    except imports.ImportRefused as exc:
        return None, _refused(exc, meta["name"])
    except ValueError as exc:  # a period or option the importer could not read
        return None, [f"{meta['name']}: {exc}"]


def _applied(path: Path, import_id: int):
    """After an import from an upload: the upload goes, the history shows the import."""
    server.delete_upload(_location(), path.parent.name)
    return redirect(url_for("uploads.history", done=import_id, lang=lang() if lang() != "vi" else None), 303)


def _refused(exc: imports.ImportRefused, name: str) -> list[str]:
    # The saved file's path is the server's business: the user knows the file by its name.
    return exc.lines(lang(), shown_as=name)


_RULES = {"exact": ("đúng tên", "exact"), "code": ("đúng mã", "code"),
          "spacing/prefix": ("khác khoảng trắng hoặc tiền tố", "spacing or prefix"),
          "accentless": ("khác dấu", "accents differ"), "fuzzy": ("gần giống", "similar"),
          "former unit": ("đơn vị cũ", "former unit"), "accepted": ("đã nhận", "accepted"),
          "name": ("đúng tên", "name")}


def _rule_label(rule: str | None) -> str:
    """A matching rule in the page's language (the journal keeps the rule's own name)."""
    if not rule:
        return ""
    parts = []
    for part in rule.split(", "):
        head = part.split(" (")[0]
        vi, en = _RULES.get(head, (part, part))
        parts.append((en if lang() == "en" else vi) + part[len(head):] if head in _RULES else part)
    return ", ".join(parts)


def _layout_label(layout: str) -> str:
    vi, en = {"wide": ("ngang (mỗi chỉ tiêu một cột)", "wide"), "long": ("dọc (mỗi dòng một số liệu)", "long")}.get(
        layout, (layout, layout))
    return en if lang() == "en" else vi


def _form(error: tuple[str, str] | None = None, status: int = 200):
    labels = {"commune": gettext("xã, phường"), "village": gettext("bản, thôn"), "province": gettext("tỉnh")}
    kinds = [(k, en if lang() == "en" else vi) for k, (vi, en) in RASTER_KINDS.items()]
    return render_template("upload.html", error=error, levels=[(lv, labels[lv]) for lv in LEVELS],
                           raster_kinds=kinds, max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20), status


@bp.get("/upload")
def upload_form():
    auth.require("edit")
    return _form()


@bp.post("/upload")
def upload():
    """Keep the file for its preview: indicator tables for editors, boundary files and rasters for
    those who may change boundaries (admins), each refused here if it is not of a kind the importer
    reads."""
    kind = request.form.get("kind") if request.form.get("kind") in ("boundaries", "raster") else "indicators"
    auth.require("edit" if kind == "indicators" else "boundaries")
    file = request.files.get("file")
    name = _clean_name(file.filename if file else "")
    if file is None or not file.filename:
        return _form(("Chưa chọn tệp.", "No file was chosen."), 400)
    suffixes, what = {"boundaries": (BOUNDARY_SUFFIXES, ("ranh giới", "a boundary file")),
                      "raster": (RASTER_SUFFIXES, ("ảnh (raster)", "a raster")),
                      "indicators": (SHEET_SUFFIXES, ("bảng số liệu", "an indicator table"))}[kind]
    if not name.lower().endswith(suffixes):
        return _form((f"{name}: {what[0]} cần tệp {', '.join(suffixes)}.",
                      f"{name}: {what[1]} must be one of {', '.join(suffixes)}."), 400)
    raster_kind = request.form.get("raster_kind")
    if kind == "raster" and raster_kind not in RASTER_KINDS:
        return _form((f"{name}: chọn loại ảnh ({', '.join(RASTER_KINDS)}).",
                      f"{name}: choose the raster's kind ({', '.join(RASTER_KINDS)})."), 400)
    if kind == "raster" and not (request.form.get("period") or "").strip():
        return _form((f"{name}: ảnh cần kỳ (năm chụp hoặc năm của số liệu, vd. 2025).",
                      f"{name}: a raster needs its period (the year it shows, e.g. 2025)."), 400)
    level = request.form.get("level") if request.form.get("level") in LEVELS else "commune"
    server.sweep_uploads(_location(), KEEP_S)
    token = secrets.token_urlsafe(18)
    path = server.upload_path(_location(), token, name)
    path.parent.mkdir(parents=True)
    file.save(path)
    meta = {"user_id": g.user.id, "name": name, "sha256": imports.file_sha256(path),
            "period": (request.form.get("period") or "").strip()[:20],
            "province": (request.form.get("province") or "").strip()[:60], "kind": kind}
    if kind == "boundaries":
        meta["boundaries"] = {"level": level, **{k: (request.form.get(k) or "").strip()[:80] for k in (
            "crs", "code_field", "name_field", "parent_field")}}
    if kind == "raster":
        meta["raster"] = {"kind": raster_kind, "illustrative": request.form.get("illustrative") == "1",
                          **{k: (request.form.get(k) or "").strip()[:80] for k in ("crs", "classes", "licence")}}
    server.save_upload(_location(), token, meta, path)
    return redirect(url_for("uploads.preview", token=token, lang=lang() if lang() != "vi" else None), 303)


@bp.get("/upload/<token>")
def preview(token: str):
    """Every check of the import, nothing written: what matched, by which rule, the suggestions
    to accept one by one, what is left out, and any reason the file would be refused."""
    path, meta = _saved(token)
    if meta.get("kind") == "boundaries":
        return _boundaries(token, path, meta, apply=False)
    if meta.get("kind") == "raster":
        return _raster(token, path, meta, apply=False)
    auth.require("edit")
    try:
        result = indicator_import.import_indicators(db.conn(), path, _options(meta, dry=True))
        problems: list[str] = []
    except imports.ImportRefused as exc:
        result, problems = None, _refused(exc, meta["name"])
    except ValueError as exc:  # a period or option the importer could not read
        result, problems = None, [f"{meta['name']}: {exc}"]
    groups: dict[str, list[Any]] = {"matched": [], "matched_by_rule": [], "suggested": [], "unmatched": []}
    if result is not None:
        for m in sorted(result.matches, key=lambda m: m.written):
            groups["unmatched" if m.status == "ambiguous" else m.status].append(m)
    return render_template("upload_preview.html", token=token, meta=meta, result=result, problems=problems,
                           groups=groups, layout_label=_layout_label, rule_label=_rule_label,
                           planned=(result.planned if result else [])[:PLANNED_SHOWN],
                           indicator_names=_indicator_names(result))


PLANNED_SHOWN = 2000  # a province's sheet of 3,486 villages: the first 2,000 values, and how many more


def _indicator_names(result: indicator_import.Result | None) -> dict[str, str]:
    if result is None:
        return {}
    names = {}
    for code in {p["indicator"] for p in result.planned}:
        entry = store.indicator(db.conn(), code.split("__")[0])
        names[code] = (entry["name_en"] if lang() == "en" else entry["name_vi"]) if entry else code
    return names


def _boundaries(token: str, path: Path, meta: dict[str, Any], *, apply: bool):
    """Preview or apply a boundary file: the CLI's checks, matched by code or name, changed in one
    transaction (boundaries have no approval step: only admins send them)."""
    auth.require("boundaries")
    conn = db.writer() if apply else db.conn()
    result, problems = _attempt(meta, lambda: boundaries_import.import_boundaries(
        conn, path, _boundary_options(meta, dry=not apply)))
    if apply and result is not None:
        return _applied(path, result.import_id)
    warnings = boundaries_import.warning_lines(result.warnings, lang()) if result else []
    planned = [r for r in (result.report if result else []) if r.get("action") in ("updated", "inserted")]
    return render_template("upload_boundaries.html", token=token, meta=meta, result=result, problems=problems,
                           warnings=warnings, planned=planned, refused=apply, rule_label=_rule_label), \
        400 if problems and apply else 200


RASTER_ROWS_SHOWN = 500


def _raster(token: str, path: Path, meta: dict[str, Any], *, apply: bool):
    """Preview or apply a raster: every check and every figure per unit first (nothing kept),
    then the import itself (a COG beside the store, figures journaled like any import)."""
    auth.require("boundaries")
    conn = db.writer() if apply else db.conn()
    result, problems = _attempt(meta, lambda: rasters.import_raster(
        conn, path, _raster_options(meta, dry=not apply), user=g.user.name))
    if apply and result is not None:
        return _applied(path, result.import_id)
    rows = []
    if result is not None:
        for code in sorted(result.figures, key=lambda c: result.names.get(c, c))[:RASTER_ROWS_SHOWN]:
            rows.append({"code": code, "name": result.names.get(code, code), "figures": result.figures[code],
                         "partial": result.partial.get(code)})
    names = {}
    for code in {k for r in rows for k in r["figures"]}:
        entry = store.indicator(db.conn(), code) or next(c for c in rasters.RASTER_INDICATORS if c["code"] == code)
        names[code] = entry["name_en"] if lang() == "en" else entry["name_vi"]
    kind = RASTER_KINDS[meta["raster"]["kind"]]
    warnings = [w["en"] if lang() == "en" else w["vi"] for w in (result.warnings if result else [])]
    return render_template("upload_raster.html", token=token, meta=meta, result=result, problems=problems,
                           warnings=warnings, rows=rows, indicator_names=names, refused=apply,
                           kind_label=kind[1] if lang() == "en" else kind[0]), 400 if problems and apply else 200


@bp.post("/upload/<token>/apply")
def apply(token: str):
    path, meta = _saved(token)
    if meta.get("kind") == "boundaries":
        return _boundaries(token, path, meta, apply=True)
    if meta.get("kind") == "raster":
        return _raster(token, path, meta, apply=True)
    auth.require("edit")
    accepted = frozenset(request.form.getlist("accept"))
    skip = request.form.get("skip_unmatched") == "1"
    conn = db.writer()
    try:
        result = indicator_import.import_indicators(conn, path, _options(meta, accepted=accepted, skip=skip, dry=False))
    except imports.ImportRefused as exc:
        return render_template("upload_preview.html", token=token, meta=meta, result=None,
                               problems=_refused(exc, meta["name"]), groups={}, refused=True,
                               layout_label=_layout_label, rule_label=_rule_label), 400
    server.delete_upload(_location(), path.parent.name)
    first = workflow.first_entry_of_import(conn, result.import_id)
    return redirect(url_for("uploads.history", done=result.import_id, unit=first["scope_code"] if first else None,
                            indicator=first["indicator_code"] if first else None,
                            period=first["period"] if first else None, lang=lang() if lang() != "vi" else None), 303)


@bp.get("/imports")
def history():
    """Every import (command line and browser): who, when, file, hash, counts, state; undo for
    those allowed."""
    auth.require("view_drafts")
    rows = journal.listing(db.conn())
    for r in rows:
        r["counts"] = json.loads(r["counts"]) if r["counts"] else {}
        r["may_undo"] = r["status"] == "applied" and (auth.can("undo") or (
            r["user_name"] == g.user.name and r["kind"] == "indicators"))
    done = request.args.get("done", type=int)
    return render_template("imports.html", rows=list(reversed(rows)), done=done, unit=request.args.get("unit"),
                           indicator=request.args.get("indicator"), period=request.args.get("period"))


@bp.post("/imports/<int:import_id>/undo")
def undo(import_id: int):
    """Undo an import: an admin any, an editor their own upload while none of it is approved."""
    auth.require("view_drafts")
    conn = db.writer()
    row = journal.entry(conn, import_id)
    if row is None:
        abort(404)
    if not (auth.can("undo") or (row["user_name"] == g.user.name and row["kind"] == "indicators")):
        abort(403)
    try:
        journal.undo(conn, import_id, user=g.user.name)
    except imports.ImportRefused as exc:
        return render_template("error.html", code=409, message_vi="; ".join(exc.lines("vi")),
                               message_en="; ".join(exc.lines("en"))), 409
    return redirect(url_for("uploads.history", undone=import_id, lang=lang() if lang() != "vi" else None), 303)
