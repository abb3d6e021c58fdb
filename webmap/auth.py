"""Log in and out, who is asking, what they may do, and the guard on every state-changing request.

Why the order of the guards: a POST, PUT, PATCH or DELETE without a session is answered 401
before anything reads its body, and one with a session but without the CSRF token 400
(Flask-WTF's check, called here rather than by its own hook so that the session is checked
first); neither touches the store.  Sessions are Flask's signed cookie (HttpOnly, SameSite=Lax,
Secure when the request came over HTTPS) and carry the password's stamp, so changing a password
or disabling an account ends its sessions at the next request.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, CSRFProtect

from geodata import store
from geodata.store import accounts, server, workflow
from webmap import db

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
OPEN_POSTS = ("auth.login",)  # the one state-changing request an anonymous visitor may make
OPEN_WHEN_PRIVATE = ("auth.login", "static", "bundles.bundle", "maps.healthz")


class _SessionInterface(SecureCookieSessionInterface):
    """The cookie is marked Secure when the request came over HTTPS (directly or, with
    ``WEBMAP_PROXY_HOPS``, through the proxy), so plain-HTTP use on a LAN still works."""

    def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _secret_key(app: Flask) -> str:
    """``WEBMAP_SECRET_KEY``, else one made on first start and kept beside the accounts file (behind
    PostGIS: in the database), so every worker and server signs alike and sessions survive a restart."""
    given = app.config.get("WEBMAP_SECRET_KEY") or os.environ.get("WEBMAP_SECRET_KEY")
    if given:
        return str(given)
    if app.config.get("WEBMAP_STORE_ERROR"):  # every request answers 503: write nothing beside a bad location
        return secrets.token_hex(32)
    accounts_db = app.config["WEBMAP_ACCOUNTS_DB"]
    file = None if store.is_url(accounts_db) else Path(accounts_db).with_name("secret_key")
    return server.setting(accounts_db, "secret_key", lambda: secrets.token_hex(32), file)


def install(app: Flask) -> None:
    # Accounts beside a GeoPackage store; in the database itself behind PostGIS (every server knows them).
    app.config.setdefault("WEBMAP_ACCOUNTS_DB", app.config["WEBMAP_DB"] if store.is_url(app.config["WEBMAP_DB"])
                          else str(Path(app.config["WEBMAP_DB"]).with_name("accounts.sqlite")))
    app.secret_key = _secret_key(app)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_CHECK_DEFAULT=False,
                      WTF_CSRF_TIME_LIMIT=None, PERMANENT_SESSION_LIFETIME=8 * 3600)
    app.session_interface = _SessionInterface()
    csrf.init_app(app)
    app.before_request(_load_user)
    app.before_request(_guard)
    app.after_request(_private)
    app.register_blueprint(bp)
    app.context_processor(lambda: {"current_user": g.get("user"), "can": can})

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        return _refuse(400, "Thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF): tải lại trang rồi gửi lại; không có gì "
                       "thay đổi.",
                       "The form's protection code (CSRF) is missing or wrong: reload the page and send it again; "
                       "nothing was changed.")


def _refuse(code: int, vi: str, en: str, headers: dict[str, str] | None = None):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        resp = jsonify({"error": {"code": code, "message_vi": vi, "message_en": en}})
    else:
        resp = current_app.response_class(render_template("error.html", code=code, message_vi=vi, message_en=en))
    resp.status_code = code
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _private(resp):
    """What a logged-in user gets (their name, their drafts) is theirs: no shared cache keeps it."""
    if request.endpoint in ("static", "bundles.bundle"):
        return resp  # the same bytes for everyone, cached for good
    if g.get("user") is not None:
        resp.cache_control.private = True
    resp.vary.add("Cookie")
    return resp


def _load_user() -> None:
    g.user = None
    token = session.get("sid")
    if token is None:  # anonymous (perhaps holding the login form's CSRF secret)
        return
    user = accounts.session_user(current_app.config["WEBMAP_ACCOUNTS_DB"], token)
    if user is None:  # logged out, expired, new password, role changed or account disabled
        session.clear()
        return
    g.user = user


def _guard():
    private = current_app.config.get("WEBMAP_LOGIN_REQUIRED")
    if private and g.user is None and request.endpoint not in OPEN_WHEN_PRIVATE:
        if request.method == "GET" and not request.path.startswith(("/api/", "/ogc")):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return _refuse(401, "Trang này cần đăng nhập.", "This site needs you to log in.",
                       {"WWW-Authenticate": 'Cookie realm="webmap"'})
    if request.method in STATE_CHANGING:
        if g.user is None and request.endpoint not in OPEN_POSTS:
            return _refuse(401, "Cần đăng nhập để thay đổi dữ liệu; không có gì thay đổi.",
                           "You need to log in to change data; nothing was changed.",
                           {"WWW-Authenticate": 'Cookie realm="webmap"'})
        csrf.protect()
    drafts = request.args.get("drafts") == "1" and g.user is not None
    g.drafts_roots = g.user.roots("view_drafts") if drafts else []
    g.show_drafts = drafts and (g.drafts_roots is None or bool(g.drafts_roots))
    return None


def can(right: str, unit_code: str | None = None) -> bool:
    """Whether the current user holds ``right`` on ``unit_code`` (through any unit above it), or,
    without a unit, anywhere."""
    user = g.get("user")
    if user is None:
        return False
    roots = user.roots(right)
    if roots is None:
        return True
    if unit_code is None:
        return bool(roots)
    if unit_code == accounts.COUNTRY:
        return False
    return bool(set(roots) & set(workflow.lineage(db.conn(), unit_code)))


def require(right: str, unit_code: str | None = None) -> None:
    """401 for a visitor who is not logged in, 403 for a user without the right on that unit."""
    if g.get("user") is None:
        abort(401)
    if not can(right, unit_code):
        abort(403)


def allowed_for(right: str) -> Callable[[str], bool]:
    """A check of 2025 unit codes for geodata (which knows nothing of users)."""
    user = g.user
    roots = user.roots(right)
    conn = db.conn()
    return lambda code: roots is None or bool(set(roots) & set(workflow.lineage(conn, code)))


def _home_of(user: accounts.User) -> str:
    """Where a user's work is: the unit page of the one unit their roles name (an editor of Bình Lư
    lands on Bình Lư, not on the province map); the home map for several units or the country."""
    units = {r.unit_code for r in user.roles if r.unit_code != accounts.COUNTRY}
    if len(units) == 1 and all(r.unit_code != accounts.COUNTRY for r in user.roles):
        return url_for("maps.unit_page", code=units.pop())
    return url_for("maps.home")


def _safe_next(target: str | None, fallback: str | None = None) -> str:
    """Only a path on this site (``//host`` and ``http:`` would send the user elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback or url_for("maps.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    error: str | None = None
    status = 200
    if request.method == "POST":
        try:
            user = accounts.authenticate(current_app.config["WEBMAP_ACCOUNTS_DB"], request.form.get("name", "")[:64],
                                         request.form.get("password", "")[:1024], request.remote_addr or "")
        except accounts.Throttled as exc:
            return _refuse(429, f"Đăng nhập sai quá nhiều lần; thử lại sau {exc.retry_after // 60 + 1} phút.",
                           f"Too many failed logins; try again in {exc.retry_after // 60 + 1} minutes.",
                           {"Retry-After": str(exc.retry_after)})
        if user is not None:
            session.clear()
            session.permanent = True
            session["sid"] = accounts.start_session(current_app.config["WEBMAP_ACCOUNTS_DB"], user.id,
                                                    current_app.permanent_session_lifetime)
            return redirect(_safe_next(request.form.get("next"), _home_of(user)), 303)
        error, status = gettext("Sai tên đăng nhập hoặc mật khẩu."), 401
    return render_template("login.html", error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
def logout():
    accounts.end_session(current_app.config["WEBMAP_ACCOUNTS_DB"], session.get("sid"))
    session.clear()
    return redirect(url_for("maps.home"), 303)


def current_name() -> str:
    return g.user.name


def roles_text(user: accounts.User, lang: str) -> list[dict[str, Any]]:
    conn = db.conn()
    out = []
    for r in user.roles:
        unit_name = None if r.unit_code == accounts.COUNTRY else store.units.full_name(conn, r.unit_code)
        label = accounts.ROLE_LABELS.get(r.role, (r.role, r.role))
        out.append({"role": label[1] if lang == "en" else label[0], "unit": r.unit_code,
                    "unit_name": unit_name or gettext("Cả nước")})
    return out
