"""The Flask app: maps, API and (later) figures over the ``geodata`` store."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel
from flask_compress import Compress

from geodata import sources, store
from geodata.store import integrity
from webmap import config, db, formatting

LOCALES = ("vi", "en")


def _select_locale() -> str:
    lang = request.args.get("lang")
    return lang if lang in LOCALES else "vi"


def _query_with(**changes: str | None) -> str:
    """The current query string with some arguments changed (None removes one)."""
    from urllib.parse import urlencode

    args = {k: v for k, v in request.args.items()}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return urlencode(args)


def _template_globals() -> dict[str, Any]:
    from webmap.themes import THEMES

    return {"lang": formatting.lang(), "query_with": _query_with, "themes_nav": THEMES,
            "fmt_number": formatting.number, "unit_label": formatting.unit_label,
            "source_label": formatting.source_label,
            "scope_label": formatting.scope_label, "period_label": formatting.period_label,
            "source_citation": sources.citation, "local_time": formatting.local_time,
            "import_kind": formatting.import_kind, "kind_label": formatting.kind_label}


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """App factory; ``overrides`` win over environment and defaults."""
    static = Path(__file__).resolve().parents[1] / "static"
    app = Flask(__name__, static_folder=str(static), static_url_path="/static")
    app.config.update(config.defaults())
    if overrides:
        app.config.update(overrides)
    notes: list[str] = []
    app.config["WEBMAP_STORE_ERROR"] = None
    try:
        app.config["WEBMAP_DB"] = str(store.ensure_store(app.config["WEBMAP_DB"], app.config["WEBMAP_SAMPLE_DB"],
                                                         notes))
    except (integrity.StoreDamagedError, store.StoreVersionError, store.StoreLocationError, sqlite3.Error,
            OSError, store.pg.PostgisError) as exc:
        # The server still starts, to say so: /healthz and every page answer 503 with the reason.
        app.config["WEBMAP_STORE_ERROR"] = str(exc)
        app.logger.error("store cannot serve: %s", exc)
    app.config["WEBMAP_RECOVERY_NOTES"] = notes
    for note in notes:
        app.logger.warning(note)
    app.json.ensure_ascii = False  # Vietnamese stays readable in API responses
    Babel(app, locale_selector=_select_locale)
    Compress(app)
    app.teardown_appcontext(db.close)
    app.context_processor(_template_globals)

    from webmap import (
        api,
        auth,
        errors,
        figure_views,
        layers_views,
        ogc,
        raster_views,
        report_views,
        security,
        static_views,
        tiles_views,
        upload_views,
        views,
        workflow_views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(figure_views.bp)
    app.register_blueprint(layers_views.bp)
    app.register_blueprint(ogc.bp)
    app.register_blueprint(raster_views.bp)
    app.register_blueprint(report_views.bp)
    app.register_blueprint(static_views.bp)
    app.register_blueprint(tiles_views.bp)
    app.after_request(static_views.immutable_vendor_files)
    errors.register(app)
    auth.install(app)
    app.register_blueprint(workflow_views.bp)
    app.register_blueprint(upload_views.bp)
    security.install(app)
    hops = int(app.config.get("WEBMAP_PROXY_HOPS") or 0)
    if hops > 0:  # only when told: trusting X-Forwarded-* from anyone would let a client forge links
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
