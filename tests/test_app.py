"""The Flask app over the sample store: health, home page, escaping, errors."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from markupsafe import escape

from geodata import store
from webmap import create_app


def _embedded_collections(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);\n", html)]


def test_healthz_reports_db_and_counts(client, db_path):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"] == str(db_path)
    assert body["units"]["2025"] == {"province": 2, "commune": 113, "village": 29}
    assert body["units"]["pre2025"]["commune"] == 306
    assert body["crosswalk"] == 306


def test_store_is_created_from_sample_on_first_run(tmp_path):
    target = tmp_path / "sub" / "new.gpkg"
    app = create_app({"WEBMAP_DB": str(target)})
    assert target.exists()
    assert app.test_client().get("/healthz").get_json()["units"]["2025"]["commune"] == 113
    conn = sqlite3.connect(target)
    conn.execute("DELETE FROM observations")
    conn.commit()
    conn.close()
    create_app({"WEBMAP_DB": str(target)})  # an existing store is never overwritten
    assert sqlite3.connect(target).execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_home_embeds_38_communes_with_classes_and_sources(client):
    html = client.get("/").get_data(as_text=True)
    layers = _embedded_collections(html)
    communes = [f for fc in layers for f in fc["features"] if "unit-commune" in f["properties"]["css"]]
    assert len(communes) == 38
    assert all(f["properties"]["style"]["fillColor"] != "#d9d9d9" for f in communes)  # every commune has a density
    binh_lu = next(f for f in communes if f["properties"]["code"] == "03390")
    assert "Xã Bình Lư" in binh_lu["properties"]["popup"]
    assert "107" in binh_lu["properties"]["popup"]  # 18,606 people / 173.91 km²
    assert "lai_chau_communes_2025.geojson" in binh_lu["properties"]["popup"]
    assert "Xem các bản" in binh_lu["properties"]["popup"]  # drill-down to its villages


def test_village_drill_down_is_illustrative(client):
    html = client.get("/map/indicator/population?unit=03390&period=2025&children=1").get_data(as_text=True)
    villages = [f for fc in _embedded_collections(html) for f in fc["features"]
                if "unit-village" in f["properties"]["css"]]
    assert len(villages) == 11
    assert all("illustrative" in f["properties"]["css"] for f in villages)
    assert all("minh hoạ" in f["properties"]["popup"] for f in villages)
    assert 'class="notice illustrative"' in html


def test_home_legend_counts_all_units(client):
    html = client.get("/").get_data(as_text=True)
    html = html.replace("\\u003c", "<").replace("\\u003e", ">")
    counts = [int(n) for n in re.findall(r"class='n'>\((\d+)\)", html)]
    assert sum(counts) == 38


def test_home_loads_nothing_from_the_internet(client):
    html = client.get("/").get_data(as_text=True)
    loads = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert loads and all(u.startswith(("/", "?", "#")) for u in loads), loads
    assert "cdn.jsdelivr" not in html and "openstreetmap" not in html.lower()
    for url in loads:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_home_is_vietnamese_by_default_and_english_on_request(client):
    vi = client.get("/").get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="vi"' in vi and "Mật độ dân số" in vi and "Tải lớp dữ liệu" in vi
    assert 'lang="en"' in en and "Population density" in en
    village = client.get("/map/indicator/population?unit=03390&period=2025&lang=en&children=1").get_data(as_text=True)
    assert "Illustrative data" in village


def test_attribution_names_every_dataset(client, conn):
    """Every source, but a raster's only on a map of its figures (its overlay names the file)."""
    from geodata import rasters

    html = client.get("/").get_data(as_text=True).replace("\\u0026", "&")
    kept = [d for d in store.datasets(conn) if rasters.is_raster_dataset(d)]
    assert len(kept) == 2  # the sample's made-up land cover and DEM
    for d in store.datasets(conn):
        assert (escape(d["attribution"])[:40] in html) != (d in kept)
    forest = client.get("/map/indicator/forest_cover_pct?unit=12&period=2025").get_data(as_text=True)
    assert escape(kept[0]["attribution"] if "lop_phu" in kept[0]["attribution"] else kept[1]["attribution"]
                  )[:40] in forest.replace("\\u0026", "&")


def test_names_are_escaped_everywhere(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE units SET full_name='<script>alert(1)</script> Bình Lư' WHERE code='03390' AND vintage='2025'")
    conn.commit()
    conn.close()
    html = create_app({"WEBMAP_DB": str(db_path)}).test_client().get("/").get_data(as_text=True)
    assert "<script>alert" not in html
    props = next(f["properties"] for fc in _embedded_collections(html) for f in fc["features"]
                 if f["properties"]["code"] == "03390")
    assert props["label"] == "&lt;script&gt;alert(1)&lt;/script&gt; Bình Lư"
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt; Bình Lư</strong>" in props["popup"]


@pytest.mark.parametrize("path", ["/no-such-page", "/api/no-such"])
def test_errors_are_clear_and_bilingual(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    text = resp.get_data(as_text=True)
    assert "Không tìm thấy" in text and "not found" in text
    assert "Traceback" not in text


def test_unexpected_error_is_a_clean_500(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    assert "secret internals" not in resp.get_data(as_text=True)
    assert "Máy chủ gặp lỗi" in resp.get_data(as_text=True)


def test_pages_are_compressed(client):
    resp = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert len(resp.data) < 400_000


def test_security_headers_on_pages_files_and_errors(client):
    for url in ("/", "/static/js/table.js", "/api/indicators", "/nope", "/ogc/collections/communes/items?limit=1"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp, url
        assert "connect-src 'self'" in csp and "https:" not in csp  # nothing from elsewhere unless the basemap
        assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Referrer-Policy"] == "same-origin"


def test_only_the_scripts_the_server_wrote_may_run(client):
    """Script sources are the site's files and the hash of each inline block of this very page."""
    import gzip
    import re

    from webmap import security

    for url in ("/", "/unit/03390", "/login", "/map/tourism?unit=03390"):
        for encoding in ("gzip", "identity"):  # the cached page's gzip copy carries the same policy
            resp = client.get(url, headers={"Accept-Encoding": encoding})
            script_src = re.search(r"script-src ([^;]*)", resp.headers["Content-Security-Policy"]).group(1)
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
            page = resp.get_data()
            if resp.headers.get("Content-Encoding") == "gzip":
                page = gzip.decompress(page)
            assert set(script_src.split()) == {"'self'", *security.script_hashes(page)}, url
            assert b" onchange=" not in page and b"javascript:" not in page


def test_healthz_shows_no_file_path_to_a_visitor_from_elsewhere(client, db_path):
    remote = client.get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    body = remote.get_json()
    assert remote.status_code == 200 and body["status"] == "ok" and body["units"]["2025"]["commune"] == 113
    assert "database" not in body and str(db_path) not in remote.get_data(as_text=True)
    assert client.get("/healthz").get_json()["database"] == str(db_path)  # the operator, on the server


def test_every_unit_of_measure_in_the_store_has_vietnamese_words(conn):
    """A Vietnamese page writes 'hộ', never the catalogue's key 'households' (the entry form showed
    'count; % vs base')."""
    from geodata.measure_units import UNIT_LABELS_VI

    used = {r[0] for r in conn.execute(
        "SELECT measure_unit FROM indicators UNION SELECT measure_unit FROM observations") if r[0]}
    assert used - set(UNIT_LABELS_VI) == set()
