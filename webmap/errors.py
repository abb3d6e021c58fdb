"""Error pages: a clear bilingual message, never a traceback."""

from __future__ import annotations

import sqlite3

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from geodata.errors import BilingualError

MAX_URL = 8192
MESSAGES = {
    400: ("Yêu cầu không hợp lệ.", "The request is not valid."),
    401: ("Cần đăng nhập để làm việc này; không có gì thay đổi.", "You need to log in for this; nothing was changed."),
    403: ("Tài khoản này không có quyền làm việc này với đơn vị này; không có gì thay đổi.",
          "This account may not do this for this unit; nothing was changed."),
    404: ("Không tìm thấy trang hoặc dữ liệu này.", "This page or item was not found."),
    413: ("Tệp tải lên quá lớn.", "The uploaded file is too large."),
    414: ("Địa chỉ (URL) quá dài.", "The address (URL) is too long."),
    405: ("Trang này không nhận kiểu yêu cầu này.", "This page does not take this kind of request."),
    429: ("Quá nhiều yêu cầu; thử lại sau ít phút.", "Too many requests; try again in a few minutes."),
    503: ("CSDL tạm thời không phục vụ được (hỏng, đang nâng cấp hoặc bận); dữ liệu không bị thay đổi. Quản trị "
          "viên xem /healthz.", "The store cannot serve right now (damaged, being upgraded or busy); nothing was "
          "changed. The administrator can see /healthz."),
    500: ("Máy chủ gặp lỗi; thao tác không thay đổi dữ liệu. Vui lòng thử lại hoặc báo quản trị viên.",
          "The server hit an error; nothing was changed. Please retry or tell the administrator."),
}


def _respond(code: int, detail: str | None = None):
    vi, en = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    if detail:
        vi, en = f"{vi} ({detail})", f"{en} ({detail})"
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"code": code, "message_vi": vi, "message_en": en}}), code
    return render_template("error.html", code=code, message_vi=vi, message_en=en), code


def register(app: Flask) -> None:
    @app.errorhandler(BilingualError)
    def refused(exc: BilingualError):
        body = {"code": 400, "message_vi": exc.message_vi, "message_en": exc.message_en}
        if getattr(exc, "param", None):
            body["parameter"] = exc.param
        if request.path.startswith(("/api/", "/figures/", "/ogc")) or request.accept_mimetypes.best == \
                "application/json":
            return jsonify({"error": body}), 400
        return render_template("error.html", code=400, message_vi=exc.message_vi, message_en=exc.message_en), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500)

    @app.before_request
    def address_not_too_long():
        # Our own limit, below the server's, so the answer is this bilingual page and not the
        # server's English one.
        if len(request.full_path) > MAX_URL:
            return _respond(414)
        return None

    @app.before_request
    def store_must_serve():
        problem = app.config.get("WEBMAP_STORE_ERROR")
        if problem and not request.path.startswith(("/static/", "/bundle/", "/healthz")):
            return _respond(503, problem)
        return None

    @app.errorhandler(sqlite3.DatabaseError)
    def store_failed(exc: sqlite3.DatabaseError):
        app.logger.error("store error on %s: %s", request.path, exc)
        return _respond(503)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return _respond(500)
