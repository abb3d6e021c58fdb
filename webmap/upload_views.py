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
import shutil
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from geodata import imports, indicator_import
from webmap import auth, db
from webmap.formatting import lang

bp = Blueprint("uploads", __name__)
SHEET_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".tsv")
KEEP_S = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _folder() -> Path:
    return Path(current_app.config["WEBMAP_DB"]).parent / "uploads"


def _clean_name(name: str) -> str:
    """The file's own name for the journal, without any directory or control character."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")[:120]
    return name or "upload.csv"


def _sweep(folder: Path) -> None:
    if not folder.exists():
        return
    for d in folder.iterdir():
        try:
            if time.time() - d.stat().st_mtime > KEEP_S:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


def _saved(token: str) -> tuple[Path, dict[str, Any]]:
    if not _TOKEN.match(token or ""):
        abort(404)
    d = _folder() / token
    try:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        abort(404)
    if meta.get("user_id") != g.user.id:
        abort(404)  # another user's upload is not theirs to see or apply
    return d / meta["name"], meta


def _options(meta: dict[str, Any], *, accepted: frozenset[str] = frozenset(), skip: bool = True,
             dry: bool) -> indicator_import.Options:
    return indicator_import.Options(
        period=meta.get("period") or None, province=meta.get("province") or None, accepted=accepted,
        accept_suggestions=dry, skip_unmatched=skip, entry_user=g.user.name, allowed=auth.allowed_for("edit"),
        dry_run=dry, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])


def _refused(exc: imports.ImportRefused, name: str) -> list[str]:
    # The saved file's path is the server's business: the user knows the file by its name.
    return [line.replace(exc.path, name, 1) for line in exc.lines(lang())]


@bp.get("/upload")
def upload_form():
    auth.require("edit")
    return render_template("upload.html", max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20)


@bp.post("/upload")
def upload():
    auth.require("edit")
    file = request.files.get("file")
    name = _clean_name(file.filename if file else "")
    if file is None or not file.filename:
        return render_template("upload.html", error=("Chưa chọn tệp.", "No file was chosen."),
                               max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20), 400
    if not name.lower().endswith(SHEET_SUFFIXES):
        return render_template("upload.html", error=(
            f"{name}: cần bảng CSV hoặc XLSX ({', '.join(SHEET_SUFFIXES)}).",
            f"{name}: an indicator table is CSV or XLSX ({', '.join(SHEET_SUFFIXES)})."),
            max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20), 400
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(18)
    d = folder / token
    d.mkdir(parents=True)
    path = d / name
    file.save(path)
    meta = {"user_id": g.user.id, "name": name, "sha256": imports.file_sha256(path),
            "period": (request.form.get("period") or "").strip()[:20],
            "province": (request.form.get("province") or "").strip()[:60]}
    (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return redirect(url_for("uploads.preview", token=token, lang=lang() if lang() != "vi" else None), 303)


@bp.get("/upload/<token>")
def preview(token: str):
    """Every check of the import, nothing written: what matched, by which rule, the suggestions
    to accept one by one, what is left out, and any reason the file would be refused."""
    auth.require("edit")
    path, meta = _saved(token)
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
                           groups=groups)


@bp.post("/upload/<token>/apply")
def apply(token: str):
    auth.require("edit")
    path, meta = _saved(token)
    accepted = frozenset(request.form.getlist("accept"))
    skip = request.form.get("skip_unmatched") == "1"
    conn = db.writer()
    try:
        result = indicator_import.import_indicators(conn, path, _options(meta, accepted=accepted, skip=skip, dry=False))
    except imports.ImportRefused as exc:
        return render_template("upload_preview.html", token=token, meta=meta, result=None,
                               problems=_refused(exc, meta["name"]), groups={}, refused=True), 400
    shutil.rmtree(path.parent, ignore_errors=True)
    first = conn.execute("SELECT scope_code, indicator_code, period FROM entries WHERE import_id=? ORDER BY id LIMIT 1",
                         (result.import_id,)).fetchone()
    return redirect(url_for("uploads.history", done=result.import_id, unit=first["scope_code"] if first else None,
                            indicator=first["indicator_code"] if first else None,
                            period=first["period"] if first else None, lang=lang() if lang() != "vi" else None), 303)


@bp.get("/imports")
def history():
    """Every import (command line and browser): who, when, file, hash, counts, state; undo for
    those allowed."""
    auth.require("view_drafts")
    rows = imports.listing(db.conn())
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
    row = conn.execute("SELECT user_name, kind FROM imports WHERE id=?", (import_id,)).fetchone()
    if row is None:
        abort(404)
    if not (auth.can("undo") or (row["user_name"] == g.user.name and row["kind"] == "indicators")):
        abort(403)
    try:
        imports.undo(conn, import_id, user=g.user.name)
    except imports.ImportRefused as exc:
        return render_template("error.html", code=409, message_vi="; ".join(exc.lines("vi")),
                               message_en="; ".join(exc.lines("en"))), 409
    return redirect(url_for("uploads.history", undone=import_id, lang=lang() if lang() != "vi" else None), 303)
