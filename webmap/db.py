"""The store connection for a request (read-only: pages never write)."""

from __future__ import annotations

import sqlite3

from flask import current_app, g

from geodata import store


def conn() -> sqlite3.Connection:
    if "db" not in g:
        g.db = store.connect(current_app.config["WEBMAP_DB"], readonly=True)
    return g.db


def close(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
