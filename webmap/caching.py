"""HTTP caching tied to the store: responses change only when the data changes.

Why the store's data version: every write to the store (build, import, undo) changes it (the
GeoPackage file's size or time; on PostGIS a counter bumped in the writing transaction), so it is a
cheap key for everything built from the data, the same on every worker and server.  Responses carry
an ETag made from it and the request, plus Last-Modified, and revalidation answers 304 without
rebuilding anything.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, request

from geodata import store


def data_version() -> tuple[int, int]:
    """The store's data version (``store.data_version``), asked once per request: on PostGIS it is a
    query, and one request builds an ETag, a Last-Modified and a cache key from it."""
    from flask import g, has_request_context

    if has_request_context() and "data_version" in g:
        return g.data_version
    version = store.data_version(current_app.config["WEBMAP_DB"])
    if has_request_context():
        g.data_version = version
    return version


def last_modified() -> dt.datetime:
    return dt.datetime.fromtimestamp(data_version()[0] / 1e9, tz=dt.UTC).replace(microsecond=0)


def viewer() -> tuple[Any, ...]:
    """Who the page is built for: anonymous visitors share pages; a logged-in user's pages carry
    their name and, with drafts, their units, so they are never served to anyone else."""
    from flask import g, session

    user = g.get("user")
    if user is None:
        return ()
    # The session's CSRF secret too: a page cached for an earlier session would carry a dead token.
    return (user.id, session.get("csrf_token"), bool(g.get("show_drafts")), tuple(g.get("drafts_roots") or ()))


def drafts_key() -> tuple[str, ...] | None:
    """Whose drafts a built answer holds (None: approved figures only, shared by everyone)."""
    from flask import g

    if not g.get("show_drafts"):
        return None
    return tuple(g.get("drafts_roots") or ("*",))


def etag_for(*parts: Any) -> str:
    raw = repr((data_version(), request.path, sorted(request.args.items(multi=True)), viewer(), parts))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


COMPRESSED_SUFFIXES = ("", ":gzip", ":br", ":deflate", ":zstd")  # Flask-Compress tags its variants


# Headers that describe the body itself: a 304 has none, so it must not carry them (the browser
# keeps those of the copy it holds).  Every other header of the 200 goes on the 304.
_BODY_HEADERS = frozenset({"content-length", "content-encoding", "content-type", "content-range",
                           "content-md5", "transfer-encoding"})


def conditional(resp: Response, *parts: Any, variant: str = "") -> Response:
    """Add ETag/Last-Modified and turn a matching revalidation into 304.

    A client that got the gzip variant revalidates with ``"<etag>:gzip"``; that
    matches too, and the 304 echoes the tag the client holds.

    Why the 304 carries the 200's headers: a browser updates the headers of its cached copy
    with those of the 304 (RFC 9111, 4.3.4), Content-Security-Policy included.  A 304 with a
    policy that lacks the page's script hashes made every revisited map page draw nothing.
    """
    from webmap import security

    etag = etag_for(*parts)
    resp.set_etag(etag + variant)
    resp.last_modified = last_modified()
    resp.cache_control.no_cache = True  # always revalidate: cheap, and never stale after an import
    security.add_headers(resp)  # the policy of the full answer, hashes from its body, before any 304
    for suffix in COMPRESSED_SUFFIXES:
        if request.if_none_match.contains(etag + suffix):
            not_modified = Response(status=304)
            not_modified.headers.clear()
            for key, value in resp.headers.items():
                if key.lower() not in _BODY_HEADERS:
                    not_modified.headers.add(key, value)
            not_modified.set_etag(etag + suffix)
            return not_modified
    return resp.make_conditional(request)


@dataclass(frozen=True)
class Body:
    """A built response body and its gzip copy, made once per data version.

    Why not leave it to Flask-Compress: it would gzip a 170 KB map page again on
    every request (10-20 ms here), on the critical path of every page view."""

    data: bytes
    gzipped: bytes = field(repr=False)
    script_hashes: tuple[str, ...] = ()  # of its inline scripts, for the page's CSP (webmap.security)

    @classmethod
    def of(cls, data: str | bytes) -> Body:
        from webmap import security

        raw = data.encode("utf-8") if isinstance(data, str) else data
        hashes = security.script_hashes(raw) if raw[:15].lower().startswith(b"<!doctype html") else ()
        return cls(raw, gzip.compress(raw, 6, mtime=0), hashes)


def body_response(body: Body, mimetype: str, *parts: Any) -> Response:
    """``body`` gzipped when the client takes it, with ETag and revalidation."""
    gz = "gzip" in request.headers.get("Accept-Encoding", "")
    resp = current_app.response_class(body.gzipped if gz else body.data, mimetype=mimetype)
    if gz:
        resp.headers["Content-Encoding"] = "gzip"  # Flask-Compress leaves encoded bodies alone
    if mimetype == "text/html":
        from webmap import security

        resp.headers["Content-Security-Policy"] = security.policy(
            current_app.config.get("WEBMAP_ONLINE_BASEMAP", False), body.script_hashes)
    resp.vary.add("Accept-Encoding")
    return conditional(resp, *parts, variant=":gzip" if gz else "")


class LruCache:
    """A small in-process cache of built responses, keyed by data version and request.

    ``max_bytes`` bounds what the kept ``Body`` values hold (raw plus gzip), so a cache of many
    small OGC pages cannot grow to gigabytes with a few ``limit=10000`` ones.

    ``shared``: a page built by one worker or server is kept for all (``store.server``: a folder
    beside a GeoPackage store, a table behind PostGIS), one copy per data version; a worker that
    has not built it yet takes it from there instead of spending 0.3–0.7 s building it again.
    Only pages for anonymous visitors are shared (a logged-in user's carry their session)."""

    def __init__(self, max_entries: int = 32, max_bytes: int | None = None, shared: bool = False) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.shared = shared
        self._bytes = 0

    @staticmethod
    def _size(value: Any) -> int:
        return len(value.data) + len(value.gzipped) if isinstance(value, Body) else 0

    def get_or_build(self, key: Any, build: Callable[[], Any]) -> Any:
        version = data_version()
        key = (version, drafts_key(), key)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        shared = self.shared and not viewer() and drafts_key() is None
        value = self._from_shared(version, key) if shared else None
        if value is None:
            value = build()
            if shared and isinstance(value, Body):
                try:
                    store.server.put_page(current_app.config["WEBMAP_DB"], version, key[1:], value.data,
                                          value.gzipped, value.script_hashes)
                except Exception as exc:  # a read-only disk or a busy database: the page is still served
                    current_app.logger.warning("page not shared: %s", exc)
        size = self._size(value)
        if self.max_bytes is not None and size > self.max_bytes // 4:
            return value  # too big to keep beside the others: built per request
        with self._lock:
            if key not in self._items:
                self._bytes += size
            self._items[key] = value
            while len(self._items) > self.max_entries or (
                    self.max_bytes is not None and self._bytes > self.max_bytes and len(self._items) > 1):
                _, old = self._items.popitem(last=False)
                self._bytes -= self._size(old)
        return value

    @staticmethod
    def _from_shared(version: Any, key: Any) -> Body | None:
        try:
            found = store.server.get_page(current_app.config["WEBMAP_DB"], version, key[1:])
        except Exception as exc:  # unreadable: build it
            current_app.logger.warning("shared page unreadable: %s", exc)
            return None
        if found is None:
            return None
        data, gzipped, hashes = found
        return Body(data, gzipped, hashes)
