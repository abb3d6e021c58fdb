"""OGC API – Features, read by clients no one here wrote: GDAL (ogrinfo, ogr2ogr, pyogrio) and OWSLib."""

from __future__ import annotations

import json
import subprocess

import pyogrio
import pytest
from owslib.ogcapi.features import Features

from tests.browser import server_process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import shutil

    from tests.conftest import SAMPLE

    db = tmp_path_factory.mktemp("ogc") / "webmap.gpkg"
    shutil.copyfile(SAMPLE, db)
    with server_process(db) as base:
        yield base


def test_ogrinfo_lists_the_collections(server):
    run = subprocess.run(["ogrinfo", "-ro", "-q", f"OAPIF:{server}/ogc"], check=True, capture_output=True,
                         text=True, timeout=120)
    for name in ("provinces", "communes", "villages"):
        assert name in run.stdout
    assert "404" not in run.stdout + run.stderr  # the OpenAPI document it asks for exists


def test_the_openapi_document_describes_every_path(client):
    landing = client.get("/ogc").get_json()
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    doc = client.get("/ogc/api")
    assert doc.status_code == 200 and doc.mimetype == "application/vnd.oai.openapi+json"
    body = doc.get_json()
    assert desc["href"].endswith("/ogc/api") and body["openapi"].startswith("3.0")
    items = body["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    assert {"collectionId", "bbox", "limit", "offset", "parent_code", "unit_type"} <= {p["name"] for p in items}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in \
        client.get("/ogc/conformance").get_json()["conformsTo"]


def test_ogr2ogr_copies_every_feature(server, tmp_path, conn):
    out = tmp_path / "copy.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server}/ogc", "communes"], check=True,
                   capture_output=True, text=True, timeout=300)
    copied = pyogrio.read_dataframe(out)
    assert len(copied) == 113
    names = dict(conn.execute("SELECT code, full_name FROM units WHERE level='commune' AND vintage='2025'")
                 .fetchall())
    assert dict(zip(copied["code"], copied["full_name"], strict=True)) == names


def test_pyogrio_reads_villages_and_their_illustrative_flag(server):
    frame = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="villages")
    assert len(frame) == 29 and frame["illustrative"].eq(1).all()


def test_owslib_pages_with_limit_10(server):
    api = Features(f"{server}/ogc")
    assert {c["id"] for c in api.collections()["collections"]} == {"provinces", "communes", "villages"}
    seen, offset, pages = [], 0, 0
    while True:
        page = api.collection_items("communes", limit=10, offset=offset)
        assert page["numberMatched"] == 113
        seen += [f["id"] for f in page["features"]]
        pages += 1
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 10
    assert pages == 12 and len(seen) == 113 and len(set(seen)) == 113


def test_next_links_walk_the_whole_collection(client):
    url, ids = "/ogc/collections/communes/items?limit=25&parent_code=14", []
    while url:
        doc = client.get(url).get_json()
        ids += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert len(ids) == 75 == len(set(ids))


def test_bbox_property_filter_and_single_item(client):
    doc = client.get("/ogc/collections/communes/items?bbox=103.6,22.3,103.7,22.35&limit=100").get_json()
    assert "03390" in {f["id"] for f in doc["features"]} and doc["numberMatched"] == doc["numberReturned"]
    doc = client.get("/ogc/collections/communes/items?unit_type=Phường&parent_code=12").get_json()
    assert doc["numberMatched"] == 2
    item = client.get("/ogc/collections/communes/items/03390")
    assert item.mimetype == "application/geo+json"
    assert item.get_json()["properties"]["full_name"] == "Xã Bình Lư"


@pytest.mark.parametrize(("url", "status"), [
    ("/ogc/collections/roads", 404),
    ("/ogc/collections/communes/items/99999", 404),
    ("/ogc/collections/communes/items?limit=0", 400),
    ("/ogc/collections/communes/items?limit=abc", 400),
    ("/ogc/collections/communes/items?bbox=1,2,3", 400),
    ("/ogc/collections/communes/items?colour=red", 400),
])
def test_errors(client, url, status):
    resp = client.get(url)
    assert resp.status_code == status and resp.get_json()["description"]


def test_landing_and_conformance(client):
    landing = client.get("/ogc").get_json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "conformance", "data"}
    conf = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf


def test_items_revalidate(client):
    first = client.get("/ogc/collections/provinces/items")
    again = client.get("/ogc/collections/provinces/items", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert json.loads(first.data)["numberReturned"] == 2


def test_items_are_gzipped_once_and_the_same_bytes_come_back(client):
    import gzip

    url = "/ogc/collections/communes/items?limit=40&parent_code=12"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    second = client.get(url, headers={"Accept-Encoding": "gzip"})
    plain = client.get(url)
    assert first.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert first.data == second.data  # the cached gzip body, not compressed again
    doc = json.loads(gzip.decompress(first.data))
    assert doc == json.loads(plain.data) and doc["numberReturned"] == 38
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = json.loads(client.get("/ogc/collections/communes/items?limit=40&parent_code=14").data)
    assert other["numberReturned"] != 38 and {f["properties"]["parent_code"] for f in other["features"]} == {"14"}


def test_links_say_https_behind_a_proxy_only_when_told(db_path):
    from webmap import create_app

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bando.laichau.gov.vn"}
    direct = create_app({"WEBMAP_DB": str(db_path)}).test_client()
    proxied = create_app({"WEBMAP_DB": str(db_path), "WEBMAP_PROXY_HOPS": 1}).test_client()
    url = "/ogc/collections/communes/items?limit=5"
    assert json.loads(direct.get(url, headers=headers).data)["links"][0]["href"].startswith("http://localhost/")
    links = json.loads(proxied.get(url, headers=headers).data)["links"]
    assert links[0]["href"].startswith("https://bando.laichau.gov.vn/ogc/collections/communes/items?")


def test_items_carry_an_indicator_and_filter_by_its_status(client):
    url = "/ogc/collections/communes/items?parent_code=12&indicator=tourist_arrivals&period=2025H1&limit=50"
    doc = json.loads(client.get(url).data)
    assert doc["numberReturned"] == 38
    binh_lu = next(f for f in doc["features"] if f["id"] == "03390")
    props = binh_lu["properties"]
    assert props["value"] == 319000 and props["target"] == 395900 and props["status"] == "in_progress"
    assert props["pct_target"] == pytest.approx(80.58, abs=0.01) and props["period"] == "2025H1"
    assert props["value_source"].startswith("Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư")
    only = json.loads(client.get(url + "&status=in_progress").data)
    assert only["numberMatched"] == 1 and only["features"][0]["id"] == "03390"
    nodata = json.loads(client.get(url + "&status=no_data").data)
    assert nodata["numberMatched"] == 37
    for bad in ("&status=late", "&indicator=nope"):
        assert client.get(url.replace("&indicator=tourist_arrivals", "") + bad).status_code == 400
    assert client.get("/ogc/collections/communes/items?indicator=tourist_arrivals").status_code == 400
