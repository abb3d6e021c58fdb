"""The OpenAPI 3.0 document of the OGC API – Features service (``/ogc/api``).

Why: OGC API – Features Part 1 links the landing page to its API definition (``service-desc``);
clients fetch it first (GDAL's OAPIF driver printed "HTTP error code: 404" without it), and it
says which parameters each path takes.
"""

from __future__ import annotations

from typing import Any

from geodata.progress import STATUSES

OPENAPI_MEDIA = "application/vnd.oai.openapi+json;version=3.0"


def _param(name: str, description: str, schema: dict[str, Any], where: str = "query",
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


def document(server_url: str, collections: dict[str, tuple[str, str, str]], properties: tuple[str, ...],
             max_limit: int) -> dict[str, Any]:
    json_ok = {"200": {"description": "OK", "content": {"application/json": {}}}}
    geo_ok = {"200": {"description": "OK", "content": {"application/geo+json": {}}},
              "400": {"description": "A parameter is not valid (bilingual description)"},
              "404": {"description": "No such collection or feature"}}
    cid = _param("collectionId", "collection: " + ", ".join(collections), {"type": "string",
                                                                            "enum": list(collections)},
                 where="path", required=True)
    filters = [_param(p, f"features whose {p} equals this value", {"type": "string"}) for p in properties]
    return {
        "openapi": "3.0.3",
        "info": {"title": "webmap – OGC API Features", "version": "1.0",
                 "description": "Ranh giới hành chính 2025 và bản minh hoạ / 2025 administrative units and "
                                "illustrative villages"},
        "servers": [{"url": server_url}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "responses": json_ok}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance",
                                     "responses": json_ok}},
            "/collections": {"get": {"summary": "Collections", "operationId": "getCollections",
                                     "responses": json_ok}},
            "/collections/{collectionId}": {"get": {"summary": "One collection", "operationId": "describeCollection",
                                                    "parameters": [cid], "responses": json_ok}},
            "/collections/{collectionId}/items": {"get": {
                "summary": "Features of a collection", "operationId": "getFeatures",
                "parameters": [cid,
                               _param("bbox", "minx,miny,maxx,maxy in CRS84",
                                      {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}),
                               _param("limit", f"page size (1-{max_limit})",
                                      {"type": "integer", "minimum": 1, "maximum": max_limit, "default": 10}),
                               _param("offset", "features to skip", {"type": "integer", "minimum": 0, "default": 0}),
                               _param("indicator", "catalogue code: adds value, target, pct_target, status and "
                                      "source of it to each feature (needs period)", {"type": "string"}),
                               _param("period", "2025, 2025H1, 2025Q1 or 2026-2030 (with indicator)",
                                      {"type": "string"}),
                               _param("status", "only features with this status of the indicator",
                                      {"type": "string", "enum": list(STATUSES)}),
                               *filters],
                "responses": geo_ok}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "summary": "One feature", "operationId": "getFeature",
                "parameters": [cid, _param("featureId", "unit code (with vintage 2025)", {"type": "string"},
                                           where="path", required=True)],
                "responses": geo_ok}},
        },
    }
