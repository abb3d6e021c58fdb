"""Write the import test corpus (run once; the files are committed).

Good files: one indicator table per encoding (UTF-8, UTF-8 with BOM, UTF-16, Windows-1258,
TCVN3, VNI) naming Xã Bình Lư in different spellings.  Bad files: each is refused with
its own message.  The 200 MB file is made by the test itself (a sparse file).
Usage: ``python tests/corpus/make_corpus.py``
"""

from __future__ import annotations

import json
import sys
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import openpyxl  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402

from geodata import store, textfiles  # noqa: E402
from tests.legacy_encode import encode_tcvn3, encode_vni  # noqa: E402

TABLE = 'Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,2026,households,"4.210"\nBình Lư,2026,poor_households,"390"\n'


def cp1258(text: str) -> bytes:
    out = b""
    for c in unicodedata.normalize("NFC", text):
        try:
            out += c.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", c)
            base = unicodedata.normalize("NFC", "".join(x for x in d if x not in textfiles._TONES))
            out += base.encode("cp1258") + "".join(x for x in d if x in textfiles._TONES).encode("cp1258")
    return out


def good(root: Path) -> None:
    d = root / "encodings"
    d.mkdir(parents=True, exist_ok=True)
    (d / "utf8.csv").write_bytes(TABLE.encode("utf-8"))
    (d / "utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + TABLE.encode("utf-8"))
    (d / "utf16.csv").write_bytes(TABLE.encode("utf-16"))
    (d / "cp1258.csv").write_bytes(cp1258(TABLE))
    (d / "tcvn3.csv").write_bytes(encode_tcvn3(TABLE))
    (d / "vni.csv").write_bytes(encode_vni(TABLE))


def bad(root: Path, conn) -> None:
    d = root / "bad"
    d.mkdir(parents=True, exist_ok=True)
    communes = store.units_frame(conn, level="commune", parent="12").iloc[:3][["code", "full_name", "geometry"]]
    box = shapely.box(103.6, 22.3, 103.61, 22.31)

    def geojson(name: str, features: list[dict]) -> None:
        (d / name).write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))

    (d / "b01_empty.geojson").write_bytes(b"")
    (d / "b02_not_geojson.geojson").write_text("Đây không phải GeoJSON", encoding="utf-8")
    whole = d / "_whole.zip"
    tmp = d / "_tmp"
    tmp.mkdir(exist_ok=True)
    pyogrio.write_dataframe(communes, tmp / "x.shp")
    with zipfile.ZipFile(whole, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            zf.write(tmp / f"x{ext}", f"x{ext}")
    (d / "b03_truncated.zip").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with zipfile.ZipFile(d / "b04_path_traversal.zip", "w") as zf:
        zf.writestr("../../outside.shp", b"x")
    with zipfile.ZipFile(d / "b05_shapefile_without_dbf.zip", "w") as zf:
        for ext in (".shp", ".shx", ".prj"):
            zf.write(tmp / f"x{ext}", f"x{ext}")
    geojson(
        "b06_mixed_geometry.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "03390"},
                "geometry": {"type": "Point", "coordinates": [103.6, 22.3]},
            },
            {"type": "Feature", "properties": {"code": "03394"}, "geometry": json.loads(shapely.to_geojson(box))},
        ],
    )
    geojson(
        "b07_self_intersection.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "03390"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[103.6, 22.3], [103.7, 22.4], [103.7, 22.3], [103.6, 22.4], [103.6, 22.3]]],
                },
            }
        ],
    )
    geojson(
        "b08_duplicate_codes.geojson",
        [
            {"type": "Feature", "properties": {"code": "03390"}, "geometry": json.loads(shapely.to_geojson(box))},
            {"type": "Feature", "properties": {"code": "03390"}, "geometry": json.loads(shapely.to_geojson(box))},
        ],
    )
    geojson("b09_empty_geometry.geojson", [{"type": "Feature", "properties": {"code": "03390"}, "geometry": None}])
    geojson(
        "b10_unknown_name_no_code.geojson",
        [
            {
                "type": "Feature",
                "properties": {"full_name": "Xã Không Có"},
                "geometry": json.loads(shapely.to_geojson(box)),
            }
        ],
    )
    geojson(
        "b11_no_code_or_name.geojson",
        [{"type": "Feature", "properties": {"dien_tich": 1.5}, "geometry": json.loads(shapely.to_geojson(box))}],
    )
    (d / "b12_points.kml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Placemark><name>Xã Bình Lư</name><Point><coordinates>103.6,22.3</coordinates></Point></Placemark>"
        "</Document></kml>",
        encoding="utf-8",
    )
    projected = communes.to_crs(9205)
    pyogrio.write_dataframe(projected, tmp / "vn.shp")
    with zipfile.ZipFile(d / "b13_vn2000_without_prj.zip", "w") as zf:
        for ext in (".shp", ".shx", ".dbf"):
            zf.write(tmp / f"vn{ext}", f"vn{ext}")
    pyogrio.write_dataframe(communes, d / "b14_wrong_layer.gpkg", layer="xa")
    (d / "b15_bad_wkt.csv").write_text("code,wkt\n03390,POLYGON((103.6 22.3, oops))\n", encoding="utf-8")
    pyogrio.write_dataframe(communes, d / "b16_crs_conflict.gpkg", layer="xa")
    # indicator tables
    (d / "i17_empty.csv").write_bytes(b"")
    (d / "i18_header_only.csv").write_text("Tên xã,Năm,Chỉ tiêu,Giá trị\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.title = "Số liệu"
    wb.active.append(["Tên xã", "Năm", "Chỉ tiêu", "Giá trị"])
    wb.save(d / "i20_wrong_sheet.xlsx")
    (d / "i21_text_in_number.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,2026,households,khoảng bốn nghìn\n", encoding="utf-8"
    )
    (d / "i22_duplicate_rows.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,2026,households,4210\nXã Bình Lư,2026,households,4290\n",
        encoding="utf-8",
    )
    (d / "i19_indicator_suggestion_only.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,2026,Tỷ lệ hộ nghè,12\nXã Bình Lư,2027,Tỷ lệ hộ nghè,11\n",
        encoding="utf-8")
    (d / "i23_unknown_indicator.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,2026,Chỉ số hạnh phúc,12\n", encoding="utf-8"
    )
    (d / "i24_unknown_unit.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Atlantis,2026,households,10\n", encoding="utf-8"
    )
    (d / "i25_ambiguous_name.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nĐoàn Kết,2026,households,10\n", encoding="utf-8"
    )
    (d / "i26_missing_period.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,,households,10\n", encoding="utf-8"
    )
    (d / "i27_bad_period.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nXã Bình Lư,20x5,households,10\n", encoding="utf-8"
    )
    (d / "i28_not_a_table.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    (d / "i29_damaged.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    (d / "i30_no_unit_column.csv").write_text("Năm,Chỉ tiêu,Giá trị\n2026,households,10\n", encoding="utf-8")
    (d / "i31_unknown_kind.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị,Loại\nXã Bình Lư,2026,households,10,ước\n", encoding="utf-8"
    )
    (d / "i32_pre2025_rate_without_parts.csv").write_text(
        'Tên xã,Năm,Chỉ tiêu,Giá trị\nThị trấn Tam Đường,2024,poor_household_rate,"3,1"\n'
        'Xã Sơn Bình,2024,poor_household_rate,"14,2"\n',
        encoding="utf-8",
    )
    (d / "i33_suggestion_only.csv").write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\nBình Lục,2026,households,10\n", encoding="utf-8"
    )
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    whole.unlink()


if __name__ == "__main__":
    conn = store.connect(HERE.parents[1] / "data/sample/sample.gpkg", readonly=True)
    good(HERE)
    bad(HERE, conn)
    print(
        f"wrote {len(list((HERE / 'bad').iterdir()))} bad files, {len(list((HERE / 'encodings').iterdir()))} encodings"
    )
