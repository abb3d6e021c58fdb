"""Rasters become figures per unit: a land-cover GeoTIFF written by the test in VN-2000 (TM-3 on
103°, Lai Châu's zone) gives every commune of Lai Châu its forest cover, equal to an independent
count within 0,1 điểm %; a DEM gives slopes per village; files without a CRS, outside the province,
with undeclared nodata or without forest classes are refused and change nothing."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.features import rasterize
from rasterio.transform import from_origin

from geodata import crs as vncrs
from geodata import progress, rasters, store
from geodata.imports import ImportRefused
from geodata.store import journal
from tests.conftest import undo_sample_rasters
from tests.test_workflow import store_bytes
from webmap.__main__ import main


@pytest.fixture(autouse=True)
def _without_sample_rasters(db_path):
    """These tests build forest-cover and slope figures of their own: the sample's made-up
    rasters are undone first."""
    undo_sample_rasters(db_path)


LAI_CHAU_TM3 = vncrs.vn2000_tm3(103.0)
CELL = 100.0  # metres


def _grid(db_path, buffer_m: float = 2000.0):
    """The Lai Châu box in VN-2000 / TM-3 103°, with a margin."""
    conn = store.connect(db_path, readonly=True)
    prov = store.units_frame(conn, level="province")
    conn.close()
    geom = prov[prov["code"] == "12"].to_crs(LAI_CHAU_TM3).geometry.iloc[0]
    minx, miny, maxx, maxy = geom.bounds
    minx, miny, maxx, maxy = minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m
    width, height = int((maxx - minx) // CELL) + 1, int((maxy - miny) // CELL) + 1
    return from_origin(minx, maxy, CELL, CELL), width, height


def _landcover(width: int, height: int) -> np.ndarray:
    """Classes 1–5 in bands and blobs (1, 2 = forest), 0 = nodata in one corner."""
    yy, xx = np.mgrid[0:height, 0:width]
    classes = (((np.sin(xx / 37.0) + np.cos(yy / 23.0) + 2) * 1.25).astype("uint8") % 5) + 1
    classes[:40, :60] = 0
    return classes.astype("uint8")


def _write(path, data, transform, crs, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype.name, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data, 1)
    return path


def _independent_forest_pct(geom_tm3, classes: np.ndarray, transform, factor: int = 5) -> float:
    """Forest share by counting sub-cells (1/5 of a cell) whose centre is inside the commune."""
    minx, miny, maxx, maxy = geom_tm3.bounds
    col0, row0 = int((minx - transform.c) // CELL), int((transform.f - maxy) // CELL)
    col1, row1 = int((maxx - transform.c) // CELL) + 1, int((transform.f - miny) // CELL) + 1
    window = classes[row0:row1, col0:col1]
    fine = np.kron(window, np.ones((factor, factor), dtype=window.dtype))
    fine_t = from_origin(transform.c + col0 * CELL, transform.f - row0 * CELL, CELL / factor, CELL / factor)
    inside = rasterize([(geom_tm3, 1)], out_shape=fine.shape, transform=fine_t, fill=0).astype(bool)
    valid = inside & (fine != 0)
    return 100.0 * np.count_nonzero(valid & np.isin(fine, (1, 2))) / np.count_nonzero(valid)


def test_a_landcover_raster_gives_every_lai_chau_commune_its_forest_cover(db_path, tmp_path, capsys):
    transform, width, height = _grid(db_path)
    classes = _landcover(width, height)
    no_crs = _write(tmp_path / "lop_phu_2025.tif", classes, transform, None, nodata=0)
    import os
    os.environ["WEBMAP_DB"] = str(db_path)
    assert main(["imports", "list"]) == 0  # the CLI opens the store once (WAL mode) before anything is compared
    before = store_bytes(db_path)
    try:
        # No CRS, coordinates in metres: refused, naming the zone that puts them in Lai Châu.
        assert main(["import", "raster", str(no_crs), "--kind", "landcover", "--classes", "forest=1,2",
                     "--period", "2025", "--illustrative"]) == 2
        err = capsys.readouterr().err
        assert "--crs vn2000:" in err and "vn2000:103 (Lai Châu, 103°00′)" in err, err
        assert store_bytes(db_path) == before
        # No forest classes for a land-cover raster: refused.
        assert main(["import", "raster", str(no_crs), "--kind", "landcover", "--crs", "vn2000:103",
                     "--period", "2025"]) == 2
        assert "--classes forest=" in capsys.readouterr().err
        assert main(["import", "raster", str(no_crs), "--kind", "landcover", "--classes", "forest=1,2",
                     "--crs", "vn2000:103", "--period", "2025", "--illustrative"]) == 0
        out = capsys.readouterr().out
    finally:
        del os.environ["WEBMAP_DB"]
    assert "số liệu cho" in out and "COG" in out
    conn = store.connect(db_path, readonly=True)
    communes = store.units_frame(conn, level="commune", parent="12")
    got = dict(conn.execute("SELECT unit_code, value FROM observations WHERE indicator_code='forest_cover_pct'"
                            " AND period='2025' AND kind='actual' AND unit_code IN (SELECT code FROM units WHERE"
                            " level='commune' AND parent_code='12')").fetchall())
    assert len(got) == len(communes) == 38
    tm3 = communes.to_crs(LAI_CHAU_TM3)
    worst = max(abs(got[c] - _independent_forest_pct(g, classes, transform))
                for c, g in zip(tm3["code"], tm3.geometry, strict=True))
    assert worst <= 0.1, worst
    # Marked illustrative, with its source; evaluated against Bình Lư's own targets (57,85 % for 2025,
    # 59,55 % for 2030).
    row = conn.execute("SELECT o.illustrative, o.source_doc, o.scope, d.illustrative FROM observations o JOIN"
                       " datasets d ON d.id=o.dataset_id WHERE o.unit_code='03390' AND"
                       " o.indicator_code='forest_cover_pct' AND o.kind='actual'").fetchone()
    assert tuple(row) == (1, "lop_phu_2025.tif", "unit", 1)
    e = progress.evaluate(conn, "03390", "forest_cover_pct", "2025")
    targets = {ev["target"]["period"]: ev["target"]["value"] for ev in e["evaluations"]}
    assert targets.get("2030") == 59.55 and e["actual"]["value"] == got["03390"]
    assert e["actual"]["source"]["illustrative"] is True
    conn.close()
    # The COG beside the store, readable, tiled, with overviews and the zone it was read in.
    cog = next((db_path.parent / (db_path.name + ".rasters")).glob("*-lop_phu_2025.tif"))
    with rasterio.open(cog) as ds:
        assert ds.profile["tiled"] and ds.overviews(1) and ds.crs.to_epsg() == LAI_CHAU_TM3.to_epsg()
        assert ds.dtypes[0] == "uint8" and ds.nodata == 0
    # On the map and in Bình Lư's draft, against 59,55 % in 2030, said to be illustrative.
    from geodata import report
    from webmap import create_app

    page = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client().get(
        "/map/indicator/forest_cover_pct?unit=12&period=2025").get_data(as_text=True)
    import re

    css = dict(re.findall(r"unit-(\d{5}) status-(\w+)", page))
    assert len(css) == 38 and css["03390"] in ("off_track", "on_track", "achieved", "at_risk")
    assert {v for k, v in css.items() if k != "03390"} == {"no_target"}  # a figure everywhere, a target in Bình Lư
    conn = store.connect(db_path, readonly=True)
    draft = report.build(conn, "03390", "2025", "vi")
    conn.close()
    from geodata import report_text

    text = report_text.markdown(draft)
    value = f"{got['03390']:.2f}".replace(".", ",")
    assert f"| Tỷ lệ che phủ rừng | % | 59,55 % | 2030 | {value} % |" in text
    assert f"Tỷ lệ che phủ rừng đạt {value} %; mục tiêu 57,85 % năm 2025" in text
    assert "số liệu minh hoạ, không chính thức" in next(ln for ln in text.splitlines() if "che phủ rừng đạt" in ln)


def test_a_raster_outside_the_store_or_with_undeclared_nodata_is_refused(db_path, tmp_path):
    transform, width, height = _grid(db_path)
    far = from_origin(transform.c + 900_000, transform.f - 900_000, CELL, CELL)  # 900 km south-east
    outside = _write(tmp_path / "xa.tif", _landcover(width, height), far, LAI_CHAU_TM3, nodata=0)
    conn = store.connect(db_path)
    before = store_bytes(db_path)
    with pytest.raises(ImportRefused) as refused:
        rasters.import_raster(conn, outside, rasters.Options(kind="landcover", period="2025", classes=(1, 2)))
    assert "không phủ đơn vị nào" in refused.value.lines("vi")[0]
    dem = np.full((height // 10, width // 10), 1200.0, dtype="float32")
    dem[0, 0] = -9999.0
    holes = _write(tmp_path / "dem.tif", dem, from_origin(transform.c, transform.f, CELL * 10, CELL * 10),
                   LAI_CHAU_TM3)
    with pytest.raises(ImportRefused) as refused:
        rasters.import_raster(conn, holes, rasters.Options(kind="dem", period="2025"))
    assert "không khai báo nodata" in refused.value.lines("vi")[0] and "-9999" in refused.value.lines("vi")[0]
    conn.close()
    assert store_bytes(db_path) == before


def test_a_dem_gives_each_village_its_slope_and_the_resettlement_map_colours_by_it(db_path, tmp_path):
    transform, width, height = _grid(db_path)
    xs = transform.c + (np.arange(width) + 0.5) * CELL
    # Ridges and valleys 10 km apart, every slope 20° (tan 20° = 0,364 m per m): 300 to 3.940 m.
    rise = np.abs(((xs - xs[0]) % 20_000.0) - 10_000.0)
    dem = (np.tan(np.radians(20.0)) * (10_000.0 - rise))[None, :].repeat(height, axis=0) + 300.0
    path = _write(tmp_path / "dem_lai_chau.tif", dem.astype("float32"), transform, LAI_CHAU_TM3, nodata=-9999.0)
    conn = store.connect(db_path)
    result = rasters.import_raster(conn, path, rasters.Options(kind="dem", period="2025", illustrative=True))
    villages = {r[0] for r in conn.execute("SELECT code FROM units WHERE level='village' AND parent_code='03390'")}
    assert villages and villages <= set(result.figures)
    for code in villages:
        f = result.figures[code]
        assert f["slope_mean_deg"] == pytest.approx(20.0, abs=0.5) and f["slope_over_25_pct"] == 0.0, (code, f)
        assert 300 <= f["elevation_mean_m"] <= 3940
    conn.close()
    from webmap import create_app

    client = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client()
    page = client.get("/map/indicator/slope_mean_deg?unit=03390&period=2025").get_data(as_text=True)
    assert all(f"unit-{code} " in page for code in villages)
    assert "Độ dốc trung bình" in page and "20" in page
    # The resettlement theme offers the slopes and colours Bình Lư's villages by them.
    page = client.get("/map/resettlement?unit=03390&indicator=slope_mean_deg&period=2025").get_data(as_text=True)
    assert 'value="slope_mean_deg" selected' in page and 'value="slope_over_25_pct"' in page
    assert all(f"unit-{code} " in page for code in villages) and "status-no_data" not in page
    # And the import is undone like any other: the figures go, the store is as before.

    conn = store.connect(db_path)
    journal.undo(conn, result.import_id)
    assert conn.execute("SELECT COUNT(*) FROM observations WHERE indicator_code='slope_mean_deg'").fetchone()[0] == 0
    conn.close()


def test_an_imported_raster_is_an_overlay_of_the_map_pages(db_path, tmp_path):
    """Tiles drawn from the COG: at every pixel of a tile over Bình Lư the colour says forest exactly
    where the raster does (pixel centres looked up in the test's own class grid)."""
    import io

    from PIL import Image
    from pyproj import Transformer

    from geodata import raster_tiles, vector_tiles
    from tests.test_vector_tiles import _tile_of
    from webmap import create_app

    transform, width, height = _grid(db_path)
    classes = _landcover(width, height)
    path = _write(tmp_path / "lop_phu_2025.tif", classes, transform, LAI_CHAU_TM3, nodata=0)
    conn = store.connect(db_path)
    result = rasters.import_raster(conn, path, rasters.Options(kind="landcover", period="2025", classes=(1, 2),
                                                               illustrative=True))
    conn.close()
    client = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client()
    page = client.get("/map/poverty?unit=12").get_data(as_text=True)
    assert f"/rasters/{result.import_id}/{{z}}/{{x}}/{{y}}.png" in page and "lop_phu_2025.tif" in page
    z, x, y = _tile_of(103.62, 22.36, 12)
    tile = client.get(f"/rasters/{result.import_id}/{z}/{x}/{y}.png")
    assert tile.status_code == 200 and tile.content_type == "image/png"
    rgba = np.asarray(Image.open(io.BytesIO(tile.data)))
    assert rgba.shape == (256, 256, 4)
    west, _, east, north = vector_tiles.bounds(z, x, y)
    step = (east - west) / 256
    mx, my = np.meshgrid(west + (np.arange(256) + 0.5) * step, north - (np.arange(256) + 0.5) * step)
    tx, ty = Transformer.from_crs(3857, LAI_CHAU_TM3, always_xy=True).transform(mx, my)
    cols, rows = ((tx - transform.c) // CELL).astype(int), ((transform.f - ty) // CELL).astype(int)
    expected = np.isin(classes[rows, cols], (1, 2))
    drawn = np.all(rgba[..., :3] == raster_tiles.FOREST, axis=-1) & (rgba[..., 3] == 255)
    assert (drawn == expected).mean() > 0.97  # nearest resampling at cell edges may pick the neighbour
    assert 0.2 < expected.mean() < 0.9
    # Far from the raster: a transparent tile; an unknown raster or tile: 404.
    empty = np.asarray(Image.open(io.BytesIO(client.get(f"/rasters/{result.import_id}/8/210/100.png").data)))
    assert (empty[..., 3] == 0).all()
    assert client.get("/rasters/9999/3/0/0.png").status_code == 404
    assert client.get(f"/rasters/{result.import_id}/30/0/0.png").status_code == 404


@pytest.mark.browser
def test_the_raster_overlay_switches_on_from_the_layer_list_under_the_pages_policy(db_path, tmp_path):
    from tests.browser import browser_page, live_server, wait_for_map_still
    from webmap import create_app

    transform, width, height = _grid(db_path)
    path = _write(tmp_path / "lop_phu_2025.tif", _landcover(width, height), transform, LAI_CHAU_TM3, nodata=0)
    conn = store.connect(db_path)
    rasters.import_raster(conn, path, rasters.Options(kind="landcover", period="2025", classes=(1, 2),
                                                      illustrative=True))
    conn.close()
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True})
    loaded = """() => [...document.querySelectorAll('img.leaflet-tile')]
        .filter(i => i.src.includes('/rasters/') && i.complete && i.naturalWidth === 256).length"""
    with live_server(app) as base, browser_page((1280, 800), bypass_csp=False) as (page, traffic):
        page.goto(base + "/map/poverty?unit=12")
        wait_for_map_still(page)
        assert page.evaluate("getComputedStyle(document.querySelector('.raster-opacity')).display") == "none"
        page.locator(".leaflet-control-layers label", has_text="lop_phu_2025.tif").locator("input").check()
        page.evaluate(f"""() => new Promise(done => {{ const n = {loaded};
            const tick = () => n() >= 4 ? done() : setTimeout(tick, 50); tick(); }})""")
        assert page.evaluate("getComputedStyle(document.querySelector('.raster-opacity')).display") != "none"
        assert page.evaluate("getComputedStyle(document.querySelector('path.unit')).fillOpacity") == "0.12"
        page.locator(".raster-opacity input").fill("30")
        assert page.evaluate("""() => [...document.querySelectorAll('.leaflet-tile-container, .leaflet-layer')]
            .some(e => getComputedStyle(e).opacity === '0.3')""")
        assert "minh hoạ" in page.inner_text(".leaflet-control-layers")
    assert traffic.console_errors == []


def test_an_admin_uploads_a_raster_previews_its_figures_then_applies_it(db_path, tmp_path):
    """The upload page takes a GeoTIFF from an admin: the preview lists every commune's figure and
    writes nothing; "Ghi vào" imports it (journaled, undoable); an editor may not send one."""
    import re

    from tests.test_workflow import _send, _users, dump, login, token
    from webmap import create_app

    transform, width, height = _grid(db_path)
    path = _write(tmp_path / "lop_phu_2025.tif", _landcover(width, height), transform, LAI_CHAU_TM3.to_wkt(),
                  nodata=0)
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True})
    _users(app)
    editor = app.test_client()
    login(editor, "bien_tap_binhlu")
    assert _send(editor, path, kind="raster", raster_kind="landcover", classes="1,2", period="2025").status_code == 403
    admin = app.test_client()
    login(admin, "quantri")
    before = dump(db_path)
    # Without forest classes: the preview names what is missing, and applying it is refused.
    sent = _send(admin, path, kind="raster", raster_kind="landcover", period="2025")
    page = admin.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'class="problems"' in page and "--classes forest=" in page and str(tmp_path) not in page
    sent = _send(admin, path, kind="raster", raster_kind="landcover", classes="1,2", period="2025", illustrative="1")
    page = admin.get(sent.headers["Location"]).get_data(as_text=True)
    shown = re.search(r'id="raster-summary">(\d+) đơn vị có số liệu tính từ ảnh \((\d+) số liệu\)', page)
    assert shown and int(shown.group(1)) >= 38 and int(shown.group(1)) == int(shown.group(2)), page[:2000]
    assert "Tỷ lệ che phủ rừng" in page and "Xã Bình Lư" in page and "minh hoạ" in page
    assert dump(db_path) == before  # the preview wrote nothing
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert admin.post(sent.headers["Location"] + "/apply", data={"csrf_token": tok}).status_code == 303
    conn = store.connect(db_path, readonly=True)
    n = conn.execute("SELECT count(*) FROM observations WHERE indicator_code='forest_cover_pct' AND illustrative=1"
                     " AND unit_vintage='2025'").fetchone()[0]
    kept = rasters.listing(conn)
    conn.close()
    assert n == int(shown.group(1)) and len(kept) == 1 and kept[0].cog.is_file() and kept[0].illustrative
    history = admin.get("/imports").get_data(as_text=True)
    import_id = re.search(r'data-id="(\d+)"', history).group(1)
    assert admin.post(f"/imports/{import_id}/undo", data={"csrf_token": token(admin, "/imports")}).status_code == 303
    assert dump(db_path) == before


def test_a_print_figure_draws_an_imported_raster_under_the_units(db_path, tmp_path):
    """A figure with ``raster=<import>``: forest green under the communes, the raster named in the
    legend with its period, and "minh hoạ" under the map when the raster is illustrative; the map
    page's print dialog offers it."""
    import io
    import subprocess

    from PIL import Image

    from webmap import create_app, figures

    transform, width, height = _grid(db_path)
    classes = np.ones((height, width), dtype="uint8")  # all forest: the map turns green
    path = _write(tmp_path / "rung_2025.tif", classes, transform, LAI_CHAU_TM3.to_wkt(), nodata=0)
    conn = store.connect(db_path)
    result = rasters.import_raster(conn, path, rasters.Options(kind="forest", period="2025", illustrative=True))
    base = figures.FigureRequest(unit="12", period="2025", indicator="population_density", fmt="png", dpi=60)
    plain, info_plain = figures.render(conn, base)
    drawn, info = figures.render(conn, figures.FigureRequest(**{**base.__dict__, "raster": result.import_id}))
    pdf, _ = figures.render(conn, figures.FigureRequest(**{**base.__dict__, "fmt": "pdf", "raster": result.import_id}))
    with pytest.raises(figures.FigureError):
        figures.render(conn, figures.FigureRequest(**{**base.__dict__, "raster": result.import_id + 99}))
    conn.close()

    def green_share(png: bytes) -> float:
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        return float(np.mean((g > r + 25) & (g > b + 15)))

    assert info.illustrative and not info_plain.illustrative
    assert green_share(drawn) > green_share(plain) + 0.05
    (tmp_path / "f.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Ảnh rừng: rung_2025.tif" in text and "Ảnh rừng năm 2025, minh hoạ: rừng" in text
    assert "ảnh rung_2025.tif là ảnh minh hoạ" in text
    page = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client().get("/").get_data(as_text=True)
    assert f'<option value="{result.import_id}">Ảnh rừng rung_2025.tif (2025) – minh hoạ</option>' in page
