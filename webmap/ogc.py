"""OGC API – Features, Part 1 (core, GeoJSON) at ``/ogc``.

Why our own and not pygeoapi mounted as a blueprint: measured on this kind of
machine (shared/notes/measured-pitfalls.md), pygeoapi's GeoPackage provider needs
SQLite extension loading this Python lacks, writes to the file on every request and
served 6-89 req/s with HTTP 500s, and its default max_items silently caps pages at
10; Flask returning pre-serialised GeoJSON served 3,469 req/s.  The core is small:
landing page, conformance, collections, items (bbox, limit, offset, property
filters, next/prev links) and single items.  ``make bench`` compares it with
pygeoapi's stock server when pygeoapi can be installed.  Features are serialised
once per data version and cached.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import numpy as np
import shapely
from flask import Blueprint, Response, jsonify, request, url_for

from geodata import progress, sources, store
from webmap import caching, db, ogc_openapi, params

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
COLLECTIONS = {
    "provinces": ("province", "Tỉnh (2025)", "Provinces (2025)"),
    "communes": ("commune", "Xã, phường (2025)", "Communes and wards (2025)"),
    "villages": ("village", "Bản, tiểu khu – ranh giới minh hoạ", "Villages – illustrative boundaries"),
}
PROPERTIES = ("code", "vintage", "level", "unit_type", "name", "full_name", "name_en", "parent_code",
              "area_km2", "illustrative")
MAX_LIMIT = 10_000


class OgcError(Exception):
    def __init__(self, status: int, description: str, description_vi: str | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.description_vi = status, description, description_vi or description


@bp.errorhandler(OgcError)
def _error(exc: OgcError):
    return jsonify({"code": "InvalidParameterValue" if exc.status == 400 else "NotFound",
                    "description": exc.description, "description_vi": exc.description_vi}), exc.status


@bp.errorhandler(params.ParamError)
def _param_error(exc: params.ParamError):
    return jsonify({"code": "InvalidParameterValue", "description": exc.message_en,
                    "description_vi": exc.message_vi}), 400


@dataclass
class Collection:
    ids: list[str]
    features: list[str]  # each feature serialised once
    props: list[dict[str, Any]]
    bboxes: np.ndarray  # (n, 4)
    extent: list[float]


_lock = threading.Lock()
_build_lock = threading.Lock()  # one build at a time: concurrent first requests wait, not repeat it
_cache: dict[tuple, Collection] = {}


def _load(cid: str) -> Collection:
    key = (caching.data_version(), cid)
    with _lock:
        if key in _cache:
            return _cache[key]
    with _build_lock:
        with _lock:
            if key in _cache:
                return _cache[key]
        return _build(cid, key)


def _build(cid: str, key: tuple) -> Collection:
    level = COLLECTIONS[cid][0]
    frame = store.units_frame(db.conn(), level=level)
    attribution = {d["id"]: d["attribution"] for d in store.datasets(db.conn())}
    ids, features, props = [], [], []
    # Geometry is written to GeoJSON once, in C, and spliced into each feature's text (it was
    # written, parsed back and written again: 42-69 s and ~1 GB for the national layer).
    geometries = shapely.to_geojson(np.asarray(frame.geometry.values)) if len(frame) else []
    for row, geom in zip(frame.to_dict("records"), geometries, strict=True):
        p = {k: (None if isinstance(row[k], float) and np.isnan(row[k]) else row[k]) for k in PROPERTIES}
        p["source"] = attribution.get(row["dataset_id"], row["dataset_id"])
        head = json.dumps({"type": "Feature", "id": row["code"], "properties": p}, ensure_ascii=False,
                          separators=(",", ":"))
        ids.append(row["code"])
        features.append(f'{head[:-1]},"geometry":{geom if geom is not None else "null"}}}')
        props.append(p)
    bounds = shapely.bounds(np.asarray(frame.geometry.values)) if len(frame) else np.zeros((0, 4))
    extent = [float(v) for v in shapely.total_bounds(np.asarray(frame.geometry.values))] if len(frame) else []
    coll = Collection(ids, features, props, bounds, extent)
    with _lock:
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = coll
    return coll


def _collection_doc(cid: str) -> dict[str, Any]:
    _level, title_vi, title_en = COLLECTIONS[cid]
    coll = _load(cid)
    items = url_for("ogc.items", cid=cid, _external=True)
    return {
        "id": cid, "title": title_vi, "description": f"{title_en}. {len(coll.ids)} features.",
        "itemType": "feature", "crs": [CRS84],
        "extent": {"spatial": {"bbox": [coll.extent], "crs": CRS84}},
        "links": [
            {"href": url_for("ogc.collection", cid=cid, _external=True), "rel": "self", "type": "application/json"},
            {"href": items, "rel": "items", "type": GEOJSON, "title": title_en},
        ],
    }


def _json(doc: dict[str, Any], mimetype: str = "application/json") -> Response:
    resp = Response(json.dumps(doc, ensure_ascii=False), mimetype=mimetype)
    return caching.conditional(resp)


@bp.get("")
@bp.get("/")
def landing():
    return _json({
        "title": "webmap – OGC API Features",
        "description": "Ranh giới hành chính và bản minh hoạ / administrative units and illustrative villages",
        "links": [
            {"href": url_for("ogc.landing", _external=True), "rel": "self", "type": "application/json"},
            {"href": url_for("ogc.conformance", _external=True), "rel": "conformance", "type": "application/json"},
            {"href": url_for("ogc.api", _external=True), "rel": "service-desc", "type": ogc_openapi.OPENAPI_MEDIA},
            {"href": url_for("ogc.collections", _external=True), "rel": "data", "type": "application/json"},
        ],
    })


@bp.get("/api")
def api():
    doc = ogc_openapi.document(url_for("ogc.landing", _external=True).rstrip("/"), COLLECTIONS, PROPERTIES,
                               MAX_LIMIT)
    return _json(doc, mimetype="application/vnd.oai.openapi+json;version=3.0")


@bp.get("/conformance")
def conformance():
    return _json({"conformsTo": CONFORMANCE})


@bp.get("/collections")
def collections():
    return _json({
        "links": [{"href": url_for("ogc.collections", _external=True), "rel": "self", "type": "application/json"}],
        "collections": [_collection_doc(cid) for cid in COLLECTIONS],
    })


def _known(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise OgcError(404, f"no collection '{cid[:40]}'", f"không có lớp '{cid[:40]}'")


@bp.get("/collections/<cid>")
def collection(cid: str):
    _known(cid)
    return _json(_collection_doc(cid))


@bp.get("/collections/<cid>/items")
def items(cid: str):
    """A page of features, built and gzipped once per data version and URL (Flask-Compress had
    gzipped every answer again: ``limit=100`` of the national communes served at 0.44× the
    uncompressed rate)."""
    _known(cid)
    body = _pages.get_or_build((cid, request.url), lambda: caching.Body.of(_items_body(cid)))
    return caching.body_response(body, GEOJSON)


_pages = caching.LruCache(max_entries=512, max_bytes=256 * 2**20)


def _items_body(cid: str) -> str:
    coll = _load(cid)
    limit = params.integer("limit", 10, 1, MAX_LIMIT)
    offset = params.integer("offset", 0, 0, 10**9)
    mask = np.ones(len(coll.ids), dtype=bool)
    box = params.bbox("bbox")
    if box is not None:
        minx, miny, maxx, maxy = box
        b = coll.bboxes
        mask &= (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)
    indicator, period, wanted = _indicator_args()
    for name, value in request.args.items():
        if name in ("bbox", "limit", "offset", "f", "indicator", "period", "status", "drafts"):
            continue
        if name not in PROPERTIES:
            raise OgcError(400, f"unknown parameter '{name[:40]}'; filterable properties: {', '.join(PROPERTIES)}",
                           f"tham số '{name[:40]}' không có; lọc được theo: {', '.join(PROPERTIES)}")
        value = params.raw(name) or ""
        mask &= np.array([str(p[name]) == value for p in coll.props], dtype=bool)
    matched = np.flatnonzero(mask)
    evaluations: dict[str, dict[str, Any]] = {}
    if indicator is not None:
        codes = [coll.ids[i] for i in (matched if wanted else matched[offset:offset + limit])]
        evaluations = progress.evaluate_many(db.conn(), codes, indicator, period)
        if wanted:
            matched = np.array([i for i in matched if evaluations[coll.ids[i]]["status"] == wanted], dtype=int)
    page = matched[offset:offset + limit]
    base = url_for("ogc.items", cid=cid, _external=True)
    args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}

    def link(rel: str, off: int) -> dict[str, str]:
        return {"href": f"{base}?{urlencode({**args, 'limit': limit, 'offset': off})}", "rel": rel, "type": GEOJSON}

    links = [link("self", offset)]
    if offset + limit < len(matched):
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    links.append({"href": url_for("ogc.collection", cid=cid, _external=True), "rel": "collection",
                  "type": "application/json"})
    head = {"type": "FeatureCollection", "numberMatched": len(matched), "numberReturned": len(page),
            "timeStamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "links": links}
    texts = [coll.features[i] if indicator is None else _with_indicator(coll.features[i], evaluations[coll.ids[i]],
                                                                          indicator, period) for i in page]
    return json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[' + ",".join(texts) + "]}"


def _indicator_args() -> tuple[str | None, str | None, str | None]:
    """``indicator`` + ``period`` (both or neither) and an optional ``status`` filter."""
    indicator, period = params.indicator("indicator"), params.period("period")
    wanted = params.choice("status", list(progress.STATUSES))
    if indicator is None:
        if period is not None or wanted is not None:
            raise OgcError(400, "'period' and 'status' need 'indicator'", "'period' và 'status' cần 'indicator'")
        return None, None, None
    if store.indicator(db.conn(), indicator) is None:
        raise OgcError(400, f"unknown indicator '{indicator[:40]}'", f"chỉ tiêu '{indicator[:40]}' không có")
    if period is None:
        raise OgcError(400, "'indicator' needs 'period' (e.g. 2025)", "'indicator' cần 'period' (vd. 2025)")
    return indicator, period, wanted


def _with_indicator(text: str, e: dict[str, Any], indicator: str, period: str) -> str:
    """The feature with the indicator's figures for the period as properties (what a GIS colours)."""
    feature = json.loads(text)
    actual = e.get("actual") or {}
    idx = e.get("headline_target")
    target = (e["evaluations"][idx].get("target") or {}) if idx is not None else {}
    feature["properties"].update({
        "indicator": indicator, "period": period, "value": actual.get("value"), "target": target.get("value"),
        "pct_target": e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan"),
        "gap": e.get("gap"), "status": e["status"], "value_source": sources.describe(actual.get("source"))
        if actual.get("source") else None})
    if (actual.get("source") or {}).get("approval"):  # only with ?drafts=1, for a user allowed to see them
        feature["properties"]["approval"] = actual["source"]["approval"]
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    _known(cid)
    coll = _load(cid)
    try:
        i = coll.ids.index(fid)
    except ValueError:
        raise OgcError(404, f"no feature '{fid[:40]}' in '{cid}'",
                       f"không có đối tượng '{fid[:40]}' trong '{cid}'") from None
    feature = json.loads(coll.features[i])
    feature["links"] = [
        {"href": url_for("ogc.item", cid=cid, fid=fid, _external=True), "rel": "self", "type": GEOJSON},
        {"href": url_for("ogc.collection", cid=cid, _external=True), "rel": "collection", "type": "application/json"},
    ]
    return _json(feature, GEOJSON)
