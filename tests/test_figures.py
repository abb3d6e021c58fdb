"""Print figures: paper size, vector PDF with embedded fonts, true scale bar, atlas, hillshade."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer
from rasterio.transform import from_bounds

from geodata import crs as vncrs
from geodata import terrain
from webmap import figures
from webmap.figures import FigureRequest


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def pdf(conn, tmp_path):
    data, info = figures.render(conn, FigureRequest(unit="12", period="2025", indicator="population_density",
                                                    fmt="pdf"))
    path = tmp_path / "fig.pdf"
    path.write_bytes(data)
    return path, info


def test_a4_landscape_png_at_300_dpi_is_3508_by_2480(conn, artifacts):
    data, info = figures.render(conn, FigureRequest(unit="12", period="2025", indicator="population_density"))
    (artifacts / "figure_lai_chau.png").write_bytes(data)
    assert Image.open(io.BytesIO(data)).size == (3508, 2480) == info.size_px


def test_a3_portrait_size(conn):
    data, _ = figures.render(conn, FigureRequest(unit="12", period="2025", indicator="population_density",
                                                 paper="A3", orientation="portrait", dpi=100))
    assert Image.open(io.BytesIO(data)).size == (1169, 1654)


def test_pdf_is_vector_a4_with_extractable_title_and_embedded_fonts(pdf):
    path, info = pdf
    assert info.title == "Bản đồ mật độ dân số tỉnh Lai Châu năm 2025"
    meta = _run("pdfinfo", str(path))
    assert re.search(r"Page size:\s+841.89 x 595.276 pts \(A4\)", meta)
    text = _run("pdftotext", str(path), "-")
    assert info.title in text and "Nguồn" in text and "VN-2000" in text
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # the "emb" column
    assert _run("pdfimages", "-list", str(path)).splitlines()[2:] == []  # no raster: the map is vector


def test_svg_is_a4_and_vector(conn):
    data, _ = figures.render(conn, FigureRequest(unit="12", period="2025", indicator="population_density",
                                                 fmt="svg"))
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    assert root.get("width") == "841.889764pt" and root.get("height") == "595.275591pt"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 100


def _drawn_scale_bar(fig, ax) -> float:
    to_data = ax.transData.inverted()
    xs = []
    for p in ax.patches:
        if p.get_gid() == "scalebar":
            box = p.get_window_extent(fig.canvas.get_renderer())
            (x0, _), (x1, _) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
            xs += [x0, x1]
    return max(xs) - min(xs)


@pytest.mark.parametrize("unit", ["12", "03390"])
def test_scale_bar_says_what_it_draws(conn, unit):
    req = FigureRequest(unit=unit, period="2025", indicator="population", dpi=100)
    scene = figures.build_scene(conn, req)
    with matplotlib.rc_context(figures.RC):
        fig, info = figures.draw(scene, req)
    ax = fig.axes[0]
    label = next(t.get_text() for t in ax.texts if t.get_gid() == "scalebar-label")
    stated_m = float(label.split()[0].replace(",", ".")) * (1000 if label.endswith("km") else 1)
    drawn_m = _drawn_scale_bar(fig, ax)
    assert drawn_m == pytest.approx(stated_m, rel=0.01)
    assert info.scale_bar_ground_m == pytest.approx(stated_m, rel=0.01)  # true on the ground too
    assert scene.crs.to_epsg() == 9205


def test_labels_do_not_collide(conn):
    req = FigureRequest(unit="12", period="2025", indicator="population_density", dpi=100)
    with matplotlib.rc_context(figures.RC):
        fig, info = figures.draw(figures.build_scene(conn, req), req)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts
             if t.get_gid() is None and t.get_text() not in ("0", "B")]
    boxes = [b for b in boxes if b.width > 0]
    assert len(boxes) >= info.labels_placed
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    assert overlaps == []
    assert info.labels_placed + info.labels_dropped == 38


def test_illustrative_note_only_where_illustrative_data_is_drawn(conn, tmp_path):
    villages, info_v = figures.render(conn, FigureRequest(unit="03390", period="2025", indicator="population",
                                                          fmt="pdf"))
    (tmp_path / "v.pdf").write_bytes(villages)
    assert info_v.illustrative and info_v.units_drawn == 11
    assert "minh hoạ" in _run("pdftotext", str(tmp_path / "v.pdf"), "-")
    _, info_p = figures.render(conn, FigureRequest(unit="12", period="2025", indicator="population_density",
                                                   dpi=72))
    assert not info_p.illustrative


def test_english_and_status_colouring(conn, tmp_path):
    data, info = figures.render(conn, FigureRequest(unit="03390", period="2025H1", indicator="grain_output_t",
                                                    lang="en", colour_by="status", fmt="pdf"))
    (tmp_path / "en.pdf").write_bytes(data)
    text = _run("pdftotext", str(tmp_path / "en.pdf"), "-")
    assert info.title.startswith("Map of") and "Status against target" in text and "Source" in text
    flat = " ".join(text.split())
    assert "Illustrative villages: invented boundaries" in flat and "Bản minh hoạ" not in flat


def test_atlas_of_38_communes_is_40_pages(conn, tmp_path, artifacts):
    out = tmp_path / "atlas.pdf"
    pages = figures.render_atlas(conn, FigureRequest(unit="12", period="2025", theme="population", fmt="pdf",
                                                     dpi=150), out)
    assert pages == 40
    assert re.search(r"Pages:\s+40\b", _run("pdfinfo", str(out)))
    text = _run("pdftotext", "-f", "5", "-l", "5", str(out), "-")
    assert "Bản đồ mật độ dân số xã" in text


def _write_dem(path) -> None:
    """A 1,500 m hill centred on Bình Lư, in EPSG:4326."""
    west, south, east, north = 103.55, 22.25, 103.80, 22.43
    rows, cols = 180, 250
    y, x = np.mgrid[0:rows, 0:cols]
    hill = 1500 * np.exp(-(((x - cols / 2) / 50) ** 2 + ((y - rows / 2) / 40) ** 2)) + 500
    with rasterio.open(path, "w", driver="GTiff", height=rows, width=cols, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_bounds(west, south, east, north, cols, rows)) as dst:
        dst.write(hill.astype("float32"), 1)


def test_hillshade_is_lit_from_the_north_west(tmp_path):
    dem = tmp_path / "dem.tif"
    _write_dem(dem)
    tm3 = vncrs.province_crs("12")
    to_tm3 = Transformer.from_crs("EPSG:4326", tm3, always_xy=True)
    (x0, x1), (y0, y1) = to_tm3.transform([103.56, 103.79], [22.26, 22.42])
    shade = terrain.hillshade(dem, tm3, (x0, y0, x1, y1), (100, 140))
    assert shade.shape == (100, 140) and np.nanmin(shade) >= 0 and np.nanmax(shade) <= 1
    north_west, south_east = shade[30, 45], shade[70, 95]  # the two flanks of the hill
    assert north_west > south_east + 0.2


def test_figure_with_dem_draws_hillshade_under_the_map(conn, tmp_path):
    dem = tmp_path / "dem.tif"
    _write_dem(dem)
    base = FigureRequest(unit="03390", period="2025", indicator="population", dpi=72)
    plain, info_plain = figures.render(conn, base)
    shaded, info = figures.render(conn, FigureRequest(**{**base.__dict__, "dem": str(dem)}))
    assert info.hillshade and not info_plain.hillshade
    a = np.asarray(Image.open(io.BytesIO(plain)).convert("L"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(shaded)).convert("L"), dtype=float)
    assert np.abs(a - b).mean() > 1.0


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"unit": "99999"}, "No unit"),
    ({"paper": "A5"}, "paper"),
    ({"dpi": 5000}, "dpi"),
    ({"indicator": "nope"}, "not in the catalogue"),
])
def test_bad_requests_are_refused_in_both_languages(conn, kwargs, words):
    req = FigureRequest(**{"unit": "12", "period": "2025", "indicator": "population_density", **kwargs})
    with pytest.raises(figures.FigureError) as err:
        figures.render(conn, req)
    assert words in err.value.message_en and err.value.message_vi


def test_http_figure_and_errors(client):
    resp = client.get("/figures/map?unit=12&indicator=population_density&period=2025&format=png&dpi=50")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert Image.open(io.BytesIO(resp.data)).size == (585, 413)
    bad = client.get("/figures/map?unit=12&format=doc")
    assert bad.status_code == 400 and bad.get_json()["error"]["message_vi"]


def test_map_page_has_a_print_dialog_and_an_atlas_button(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/figures/map" target="_blank" class="print-form">', html)
    assert 'name="unit" value="12"' in html and 'name="indicator" value="population_density"' in html
    assert '<form method="get" action="/figures/atlas/jobs/new" class="atlas-form">' in html


def test_vn2000_uses_the_official_seven_parameters():
    t = Transformer.from_crs(vncrs.province_crs("12"), "EPSG:4326", always_xy=True)
    assert "x=-191.90441429" in t.definition and "s=0.252906278" in t.definition
    assert vncrs.province_crs("14").to_epsg() == 9206


def test_an_a3_png_is_300_dpi_unless_asked_and_the_atlas_form_takes_a_title(client):
    import struct

    png = client.get("/figures/map?unit=12&paper=A3&orientation=landscape&format=png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.data[16:24])
    assert abs(width - 420 / 25.4 * 300) <= 2 and abs(height - 297 / 25.4 * 300) <= 2  # 4961 x 3508
    page = client.get("/map/tourism?unit=12").get_data(as_text=True)
    atlas_form = page[page.index('class="atlas-form"'):]
    atlas_form = atlas_form[:atlas_form.index("</form>")]
    assert 'name="title"' in atlas_form


def test_an_atlas_gives_pages_only_to_units_with_a_figure(conn, tmp_path):
    out = tmp_path / "tourism.pdf"
    pages = figures.render_atlas(conn, FigureRequest(unit="12", period="2025H1", indicator="tourist_arrivals",
                                                     fmt="pdf", dpi=60, title="Khách du lịch 6 tháng"), out)
    assert pages == 3  # cover, overview of the 38 communes, Bình Lư (the one with a figure)
    import subprocess

    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Xã Bình Lư (03390)" in text and "Khách du lịch 6 tháng" in info  # the typed title


def test_a_highlighted_unit_is_outlined_and_named_in_the_legend(conn, tmp_path):
    """A report's commune on its province's map (``highlight``): outlined in red, named in the legend;
    the unit's own theme map, drawn among its neighbours, prints the same way."""
    base = FigureRequest(unit="12", period="2025", indicator="population_density", dpi=60, fmt="png")
    plain, _ = figures.render(conn, base)
    marked, _ = figures.render(conn, FigureRequest(**{**base.__dict__, "highlight": "03390"}))

    def red(png: bytes) -> int:
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
        return int(np.sum((rgb[..., 0] > 190) & (rgb[..., 1] < 80) & (rgb[..., 2] < 60)))

    assert red(marked) > red(plain) + 200
    pdf, _ = figures.render(conn, FigureRequest(**{**base.__dict__, "fmt": "pdf", "highlight": "03390"}))
    (tmp_path / "f.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Xã Bình Lư" in text.split("Đơn vị lân cận", 1)[1]  # in the legend, under the neighbours' line


def test_a_unit_drawn_among_its_neighbours_prints_as_seen(client):
    html = client.get("/map/poverty?unit=03390").get_data(as_text=True)
    form = html.split('class="print-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="unit" value="12"' in form and 'name="highlight" value="03390"' in form
    got = client.get("/figures/map?unit=12&highlight=03390&indicator=population_density&period=2025&format=png&dpi=50")
    assert got.status_code == 200 and got.mimetype == "image/png"
