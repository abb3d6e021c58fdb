"""Configuration defaults, overridable by environment variables and by ``create_app(config)``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def defaults() -> dict[str, Any]:
    """Defaults read at app creation, so tests can set the environment first."""
    return {
        # The working store; created from the committed sample on first run.
        "WEBMAP_DB": os.environ.get("WEBMAP_DB", str(ROOT / "instance" / "webmap.gpkg")),
        "WEBMAP_SAMPLE_DB": os.environ.get("WEBMAP_SAMPLE_DB", str(ROOT / "data" / "sample" / "sample.gpkg")),
        # An online basemap is an opt-in: pages must work with no internet.
        "WEBMAP_ONLINE_BASEMAP": os.environ.get("WEBMAP_ONLINE_BASEMAP", "0") == "1",
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("WEBMAP_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)),
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/json", "application/geo+json",
                               "application/javascript", "text/javascript", "text/csv",
                               "application/vnd.google-earth.kml+xml"],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_MIN_SIZE": 1024,
        # Responses built per request (OGC pages, API answers) are gzipped on the way out: level 1
        # costs 2.1 ms on a national OGC page of 10 communes against 5.3 ms at level 6, for 20 %
        # more bytes.  Cached pages and downloads carry their own level-6 copy (caching.Body).
        "COMPRESS_LEVEL": 1,
        # Behind a reverse proxy (nginx with HTTPS): how many proxies set X-Forwarded-For/-Proto/
        # -Host, so the links the app writes (OGC ``next``, downloads) say https and the public host.
        "WEBMAP_PROXY_HOPS": int(os.environ.get("WEBMAP_PROXY_HOPS", "0")),
        # Accounts live beside the store unless told otherwise (never inside it: see geodata.store.accounts).
        **({"WEBMAP_ACCOUNTS_DB": os.environ["WEBMAP_ACCOUNTS_DB"]} if os.environ.get("WEBMAP_ACCOUNTS_DB") else {}),
        # The entry form asks about a figure this many times last period's (or that fraction of it).
        "WEBMAP_JUMP_FACTOR": float(os.environ.get("WEBMAP_JUMP_FACTOR", "5")),
        # A map of more units than this draws them from vector tiles, not one GeoJSON (webmap.maps).
        "WEBMAP_VECTOR_TILES_ABOVE": int(os.environ.get("WEBMAP_VECTOR_TILES_ABOVE", "2000")),
        # Reading maps is open to all unless the operator makes the site private.
        "WEBMAP_LOGIN_REQUIRED": os.environ.get("WEBMAP_LOGIN_REQUIRED", "0") == "1",
    }
