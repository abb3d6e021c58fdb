"""Build the embedded sample store from the ``shared/`` snapshot.

Why a build and not hand edits: the sample must be reproducible from the
documented raw files (``shared/data/raw/PROVENANCE.md``) and the hand-checked
reference tables, so anyone can check every number back to its source.  The
output is deterministic: the same inputs give the same rows.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyogrio
import shapely

from geodata import catalogue, illustrative, rasters, sample_rasters, store, vocabulary

PROVINCES = {"12": "lai_chau", "14": "son_la"}
SAMPLE_COMMUNES = ("03390", "03856", "03439")  # Bình Lư, Bắc Yên, Thu Lũm
ILLUSTRATIVE_NOTE_VI = "Dữ liệu minh hoạ (tự tạo cho bản demo), không phải số liệu chính thức"

POPULATION_DENSITY = {
    "code": "population_density", "name_vi": "Mật độ dân số", "name_en": "Population density",
    "theme": "governance_digital", "measure_unit": "persons/km2", "direction": "context",
    "aggregation": "recompute from population (sum) and area (sum)",
    "aggregation_method": "none", "weight_indicator": None,
    "definition": "Population / natural area, both from the official 2025 reference map",
    "qualifiers": None, "dataset_id": "vnpd-2025",
}

HOUSEHOLD_COUNTS = [
    {"code": code, "name_vi": vi, "name_en": en, "theme": "poverty", "measure_unit": "households",
     "direction": direction, "aggregation": "sum", "aggregation_method": "sum", "weight_indicator": None,
     "definition": definition, "qualifiers": None, "dataset_id": "plan-docs"}
    for code, vi, en, direction, definition in (
        ("households", "Số hộ", "Households", "context", "All households (denominator of household rates)"),
        ("poor_households", "Số hộ nghèo", "Poor households", "lower_is_better",
         "Multidimensionally poor households (numerator of poor_household_rate)"),
        ("near_poor_households", "Số hộ cận nghèo", "Near-poor households", "lower_is_better",
         "Near-poor households (numerator of near_poor_household_rate)"),
    )
]

HOUSEHOLD_RATES = [
    {"code": code, "name_vi": vi, "name_en": en, "theme": theme, "measure_unit": "%",
     "direction": direction, "aggregation": "households-weighted mean", "aggregation_method": "weighted_mean",
     "weight_indicator": "households", "definition": definition, "qualifiers": None, "dataset_id": "plan-docs"}
    for code, vi, en, theme, direction, definition in (
        ("near_poor_household_rate", "Tỷ lệ hộ cận nghèo", "Near-poor household rate", "poverty", "lower_is_better",
         "Near-poor households / all households × 100 (recomputed from the counts after a merge of units)"),
        ("clean_water_hh_pct", "Tỷ lệ hộ được sử dụng nước sạch", "Share of households using clean water",
         "infrastructure", "higher_is_better", "Households using clean water / all households × 100 (a share of "
         "households, not of the population: see clean_water_pop_pct)"),
        ("hygienic_water_hh_pct", "Tỷ lệ hộ được sử dụng nước sinh hoạt hợp vệ sinh",
         "Share of households using hygienic water", "infrastructure", "higher_is_better",
         "Households using hygienic water / all households × 100 (see hygienic_water_pop_pct for the population)"),
    )
]

DATASETS: list[dict[str, Any]] = [
    {
        "id": "vnpd-2025",
        "title": "Ranh giới xã/phường và tỉnh sau sắp xếp 1/7/2025 (Lai Châu, Sơn La)",
        "publisher": "NXB Tài nguyên - Môi trường và Bản đồ Việt Nam (sapnhap.bando.com.vn)",
        "licence": "MIT (vietnamese-provinces-database); bản đồ gốc không nêu giấy phép mở",
        "attribution": "Ranh giới hành chính: NXB TN-MT&BĐVN (sapnhap.bando.com.vn), "
                       "qua vietnamese-provinces-database (MIT)",
        "attribution_en": "Boundaries: NXB TN-MT&BĐVN (sapnhap.bando.com.vn), "
                          "via vietnamese-provinces-database (MIT)",
        "source": "github.com/thanglequoc/vietnamese-provinces-database",
        "snapshot": "cd58063299585146ded3981f2272946ef19ced54",
        "note": "Population (bandoPopulation) disagrees with the plans for some communes "
                "(Bình Lư 18,606 vs 18,072).",
        "illustrative": 0,
    },
    {
        "id": "vnau-1.0.4",
        "title": "Danh mục đơn vị hành chính trước/sau 2025 và bảng chuyển đổi",
        "publisher": "vietnamadminunits 1.0.4 (PyPI); mã TCTK/NSO",
        "licence": "MIT",
        "attribution": "Mã ĐVHC và bảng chuyển đổi: vietnamadminunits (MIT), mã TCTK",
        "attribution_en": "Unit codes and old-new table: vietnamadminunits (MIT), GSO codes",
        "source": "pypi.org/project/vietnamadminunits/1.0.4",
        "snapshot": "1.0.4",
        "note": "Legacy coordinates are geocoder output and approximate; not used.",
        "illustrative": 0,
    },
    {
        "id": "plan-docs",
        "title": "Chỉ tiêu kế hoạch từ 5 văn bản (NQ 17-NQ/TU Lai Châu; Bình Lư; Bắc Yên; Thu Lũm)",
        "publisher": "Tỉnh ủy Lai Châu; Đảng ủy, HĐND, UBND các xã Bình Lư, Bắc Yên, Thu Lũm",
        "licence": "Văn bản hành chính (Luật SHTT, Điều 15); trích số liệu kèm trích dẫn nguyên văn",
        "attribution": "Chỉ tiêu: NQ 17-NQ/TU tỉnh Lai Châu; văn bản xã Bình Lư, Bắc Yên, Thu Lũm",
        "attribution_en": "Indicators: Lai Châu Resolution 17-NQ/TU; documents of Bình Lư, Bắc Yên, Thu Lũm",
        "source": "shared/reference/plan_indicators.csv, plan_places.csv",
        "snapshot": None,
        "note": "Hand-extracted; each row carries a verbatim quote.",
        "illustrative": 0,
    },
    {
        "id": "illustrative-villages",
        "title": "Bản/tiểu khu minh hoạ (vị trí, ranh giới, số liệu)",
        "publisher": "webmap (tạo tự động, có hạt giống cố định)",
        "licence": "CC0",
        "attribution": "Bản minh hoạ: ranh giới và số liệu tự tạo, không chính thức",
        "attribution_en": "Illustrative villages: invented boundaries and figures, not official",
        "source": "geodata/illustrative.py",
        "snapshot": None,
        "note": "Names are real (from the documents); boundaries and values are invented "
                "and split from real commune totals.",
        "illustrative": 1,
    },
]


# Titles a planner knows the five documents by (read from their headings; the
# reference table names each by file only).  Keyed by the file name the reference
# rows cite; the issuer comes from the rows themselves.
DOCUMENT_TITLES: dict[str, tuple[str, str]] = {
    "000_f9afe39036c3815c.txt": (
        "Kế hoạch của Đảng ủy xã Bình Lư thực hiện NQ 17-NQ/TU",
        "Bình Lư commune Party plan implementing Resolution 17-NQ/TU"),
    "001_e94f0ddc983817cf.txt": (
        "Nghị quyết 32/NQ-HĐND xã Bắc Yên (19/12/2025), kế hoạch 5 năm 2026-2030",
        "Bắc Yên commune Council Resolution 32/NQ-HĐND (19/12/2025), 5-year plan 2026-2030"),
    "002_a60ddfe8de7b5205.txt": (
        "Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư",
        "Bình Lư commune People's Committee report, first half of 2025"),
    "003_b7242f18787ccf64.txt": (
        "Kế hoạch phát triển KT-XH vùng dân tộc La Hủ 2026-2030 (xã Thu Lũm)",
        "Plan for the La Hủ ethnic area 2026-2030 (Thu Lũm commune)"),
    "004_4a9d9d9f9c52c1f9.txt": (
        "Nghị quyết 17-NQ/TU của Tỉnh ủy Lai Châu",
        "Lai Châu Provincial Party Resolution 17-NQ/TU"),
}


def _documents(reference_rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    issuers: dict[str, str] = {}
    for r in reference_rows:
        issuers.setdefault(r["doc"], r["issuer"])
    return [{"id": doc, "issuer": issuers.get(doc), "title_vi": vi, "title_en": en, "dataset_id": "plan-docs"}
            for doc, (vi, en) in sorted(DOCUMENT_TITLES.items())]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _communes(raw: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """2025 communes and dissolved provinces, plus the official population observations."""
    communes: list[dict[str, Any]] = []
    provinces: list[dict[str, Any]] = []
    population: list[dict[str, Any]] = []
    ward_table = {r["wardCode"]: r for r in _read_csv(raw / "vietnamadminunits/admin_units_2025_lai_chau_son_la.csv")}
    for prov_code, slug in PROVINCES.items():
        path = raw / f"vietnamese-provinces-database/{slug}_communes_2025.geojson"
        frame = pyogrio.read_dataframe(path)
        prov_meta = pyogrio.read_dataframe(raw / f"vietnamese-provinces-database/{slug}_province_2025.geojson")
        geoms = []
        for idx, row in frame.sort_values("code").iterrows():
            code = str(row["code"])
            geom = shapely.make_valid(row.geometry)
            geoms.append(geom)
            communes.append({
                "geom": geom, "code": code, "vintage": "2025", "level": "commune",
                "unit_type": row["fullName"].split(" ", 1)[0] if not row["fullName"].startswith("Thị trấn")
                else "Thị trấn",
                "name": row["name"], "full_name": row["fullName"], "name_en": row["nameEn"],
                "parent_code": prov_code, "parent_vintage": "2025",
                "area_km2": float(row["areaKm2"]), "illustrative": 0, "dataset_id": "vnpd-2025",
                "note": f"Trước sáp nhập: {row['beforeMerger']}" if row["beforeMerger"] else None,
            })
            assert ward_table[code]["ward"] == row["fullName"], code
            if row["bandoPopulation"] is not None:
                population.append({
                    "unit_code": code, "unit_vintage": "2025", "indicator_code": "population",
                    "period": "2025", "kind": "baseline", "value": float(row["bandoPopulation"]),
                    "measure_unit": "persons", "source_doc": path.name, "source_section": "bandoPopulation",
                    "source_row": int(idx) + 1, "illustrative": 0, "dataset_id": "vnpd-2025",
                    "note": "Dân số theo bản đồ tham khảo ĐVHC 2025 (a08_ds)",
                })
                population.append({
                    **population[-1], "indicator_code": "population_density",
                    "value": round(float(row["bandoPopulation"]) / float(row["areaKm2"]), 1),
                    "measure_unit": "persons/km2", "source_section": "bandoPopulation / areaKm2",
                    "note": "Tính từ dân số và diện tích của bản đồ tham khảo ĐVHC 2025",
                })
        outline = shapely.union_all(geoms)  # Sơn La has 0.16 km² of overlaps: not a clean coverage
        meta = prov_meta.iloc[0]
        provinces.append({
            "geom": outline, "code": prov_code, "vintage": "2025", "level": "province",
            "unit_type": "Tỉnh", "name": meta["name"], "full_name": meta["fullName"],
            "name_en": meta["nameEn"], "parent_code": None, "parent_vintage": None,
            "area_km2": float(meta["areaKm2"]), "illustrative": 0, "dataset_id": "vnpd-2025",
            "note": "Đường bao hợp nhất từ ranh giới các xã/phường (dissolved from communes)",
        })
    return communes, provinces, population


def _legacy(raw: Path) -> list[dict[str, Any]]:
    """Pre-2025 provinces, districts and communes (no geometry may be shipped)."""
    rows = _read_csv(raw / "vietnamadminunits/admin_units_legacy_lai_chau_son_la.csv")
    units: dict[str, dict[str, Any]] = {}
    base = {"geom": None, "vintage": "pre2025", "illustrative": 0, "dataset_id": "vnau-1.0.4",
            "area_km2": None, "name_en": None, "note": None}

    def short(full: str, kind: str) -> str:
        return full[len(kind):].strip() if full.startswith(kind) else full

    for r in rows:
        units.setdefault(r["provinceCode"], {
            **base, "code": r["provinceCode"], "level": "province", "unit_type": "Tỉnh",
            "name": short(r["province"], "Tỉnh"), "full_name": r["province"],
            "parent_code": None, "parent_vintage": None,
        })
        units.setdefault(r["districtCode"], {
            **base, "code": r["districtCode"], "level": "district", "unit_type": r["districtType"],
            "name": short(r["district"], r["districtType"]), "full_name": r["district"],
            "parent_code": r["provinceCode"], "parent_vintage": "pre2025",
        })
        units[r["wardCode"]] = {
            **base, "code": r["wardCode"], "level": "commune", "unit_type": r["wardType"],
            "name": short(r["ward"], r["wardType"]), "full_name": r["ward"],
            "parent_code": r["districtCode"], "parent_vintage": "pre2025",
        }
    return sorted(units.values(), key=lambda u: (u["level"], u["code"]))


def _crosswalk(raw: Path) -> list[dict[str, Any]]:
    rows = _read_csv(raw / "vietnamadminunits/old_to_new_2025_lai_chau_son_la.csv")
    return [{
        "old_code": r["old_ward_code"], "old_vintage": "pre2025",
        "new_code": r["new_ward_code"], "new_vintage": "2025",
        "split": int(r["split"] == "yes"),
        "is_default": {"yes": 1, "no": 0}.get(r["is_default_new_ward"]),
        "dataset_id": "vnau-1.0.4",
    } for r in rows]


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _plan_observations(reference: Path) -> list[dict[str, Any]]:
    out = []
    for line_no, r in enumerate(_read_csv(reference / "plan_indicators.csv"), start=2):
        ethnic = r["unit_level"] == "ethnic_area"
        out.append({
            "unit_code": r["admin_code"], "unit_vintage": "2025",
            "indicator_code": r["indicator_code"], "period": r["year"] or None,
            "kind": r["kind"], "target_type": r["target_type"] or None,
            "value": _number(r["value"]), "value_high": _number(r["value_high"]),
            "measure_unit": r["unit"], "base_period": r["base_year"] or None,
            "scope": "ethnic_area:La Hủ" if ethnic else "unit",
            "source_doc": r["doc"], "source_section": r["source_section"], "source_row": line_no,
            "quote": r["quote"], "note": r["note"] or None, "illustrative": 0, "dataset_id": "plan-docs",
            "label": r["indicator_vi"] or None,
        })
    return out


def _villages(communes: dict[str, dict[str, Any]], places: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Villages named in the documents, with illustrative polygons tiling their commune."""
    names: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in places:
        if p["place_type"] not in ("village", "sub_area") or p["commune_code"] not in SAMPLE_COMMUNES:
            continue
        full = p["name_normalized"]
        unit_type = "Tiểu khu" if full.startswith("Tiểu khu") else "Bản"
        entry = (full, unit_type)
        if entry not in names[p["commune_code"]]:
            names[p["commune_code"]].append(entry)
    out = []
    for commune_code in SAMPLE_COMMUNES:
        entries = sorted(names[commune_code])
        parts = illustrative.partition(communes[commune_code]["geom"], len(entries), key=commune_code)
        for i, ((full, unit_type), geom) in enumerate(zip(entries, parts, strict=True), start=1):
            short = full[len(unit_type):].strip() if full.startswith(unit_type) else full
            out.append({
                "geom": geom, "code": f"{commune_code}-B{i:02d}", "vintage": "2025", "level": "village",
                "unit_type": unit_type, "name": short,
                "full_name": full if full.startswith(unit_type) else f"{unit_type} {full}",
                "name_en": None, "parent_code": commune_code, "parent_vintage": "2025",
                "area_km2": None, "illustrative": 1, "dataset_id": "illustrative-villages",
                "note": ILLUSTRATIVE_NOTE_VI
                + ": tên thật lấy từ văn bản; ranh giới tự tạo; mã tạm (không phải mã TCTK)",
            })
    return out


POINT_TYPES = {"tourism_site", "lake", "pass", "cave", "waterfall", "school", "market", "port",
               "industrial_cluster", "resettlement_site", "hazard_zone", "community_tourism_village"}


def _point_type(p: dict[str, str]) -> str:
    if p["place_type"] == "village" and "community tourism village" in p["role_in_plan"]:
        return "community_tourism_village"
    return p["place_type"]


def _place_points(places: list[dict[str, str]], communes: dict[str, dict[str, Any]],
                  villages: list[dict[str, Any]]) -> dict[tuple[str, str, str], Any]:
    """Illustrative positions for the places the documents name (none is public).

    A place in a named village goes inside that village's illustrative polygon, any
    other inside its commune; the same name always gets the same point.
    """
    village_geom = {(v["parent_code"], v["full_name"]): v["geom"] for v in villages}
    out: dict[tuple[str, str, str], Any] = {}
    for p in places:
        kind = _point_type(p)
        if kind not in POINT_TYPES or p["commune_code"] not in communes:
            continue
        key = (p["commune_code"], p["name_normalized"], kind)
        if key in out:
            continue
        area = village_geom.get((p["commune_code"], p["name_normalized"])) or communes[p["commune_code"]]["geom"]
        out[key] = illustrative.point_in(area, key="|".join(key))
    # The Thác Tình resettlement project: the zone households leave and the site they move to.
    thac_tinh = village_geom.get(("03390", "Bản Thác Tình"))
    if thac_tinh is not None:
        out[("03390", "Vùng nguy cơ thiên tai bản Thác Tình", "hazard_zone")] = illustrative.point_in(
            thac_tinh, key="thac-tinh-hazard")
        out[("03390", "Điểm tái định cư bản Thác Tình", "resettlement_site")] = illustrative.point_in(
            thac_tinh, key="thac-tinh-site")
    return out


def _village_values(
    villages: list[dict[str, Any]], totals: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Split each commune total among its (illustrative) villages, exactly."""
    by_commune: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in villages:
        by_commune[v["parent_code"]].append(v)
    out = []
    for total in totals:
        kids = by_commune[total["unit_code"]]
        key = f"{total['unit_code']}:{total['indicator_code']}:{total['period']}"
        for village, value in zip(kids, illustrative.split_total(int(total["value"]), len(kids), key), strict=True):
            out.append({
                "unit_code": village["code"], "unit_vintage": "2025",
                "indicator_code": total["indicator_code"], "period": total["period"], "kind": total["kind"],
                "value": float(value), "measure_unit": total["measure_unit"], "scope": "unit",
                "source_doc": f"illustrative split of {total['source_doc']} row {total['source_row']}",
                "source_section": total.get("source_section"), "source_row": None,
                "note": f"{ILLUSTRATIVE_NOTE_VI}; tổng của xã = {int(total['value'])}",
                "illustrative": 1, "dataset_id": "illustrative-villages",
            })
    return out


def _village_totals(observations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Commune totals the illustrative villages are split from: the documents'
    own figure where one exists, else the official map's population."""
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for o in observations:
        wanted = (o["indicator_code"], o["period"]) in {("population", "2025"),
                                                       ("poor_hh_electricity_subsidy_hh", "2025Q1")}
        if o["unit_code"] in SAMPLE_COMMUNES and wanted and o.get("scope", "unit") == "unit":
            key = (o["unit_code"], o["indicator_code"])
            if key not in chosen or o["dataset_id"] == "plan-docs":
                chosen[key] = o
    return [chosen[k] for k in sorted(chosen)]


def build(shared: Path, out: Path) -> dict[str, int]:
    """Write a new sample store at ``out`` from the ``shared/`` snapshot."""
    raw, reference = shared / "data/raw", shared / "reference"
    communes, provinces, population = _communes(raw)
    by_code = {c["code"]: c for c in communes}
    places = _read_csv(reference / "plan_places.csv")
    villages = _villages(by_code, places)
    plan = _plan_observations(reference)
    village_obs = _village_values(villages, _village_totals(plan + population))
    village_by_name = {(v["parent_code"], v["full_name"]): v["code"] for v in villages}
    table = catalogue.parse_reference_table((reference / "README.md").read_text(encoding="utf-8"))
    indicators = catalogue.catalogue_rows(_read_csv(reference / "plan_indicators.csv"), table, "plan-docs")
    indicators += [POPULATION_DENSITY, *HOUSEHOLD_COUNTS, *HOUSEHOLD_RATES, *rasters.RASTER_INDICATORS]
    catalogue.check_unique_names(indicators)

    work = Path(tempfile.mkdtemp(prefix=".sample-build-", dir=out.parent))
    tmp = work / out.name
    conn = store.create_store(tmp)
    with store.transaction(conn):
        for ds in DATASETS:
            store.add_dataset(conn, **ds)
        store.add_units(conn, provinces + communes + villages + _legacy(raw))
        store.add_rows(conn, "crosswalk", _crosswalk(raw))
        store.add_rows(conn, "indicators", indicators)
        store.add_rows(conn, "indicator_aliases",
                       vocabulary.alias_rows({i["code"] for i in indicators}, "plan-docs"))
        store.add_rows(conn, "documents", _documents(_read_csv(reference / "plan_indicators.csv")))
        store.add_rows(conn, "observations", plan + population + village_obs)
        points = _place_points(places, by_code, villages)
        place_rows = [{
            "geom": points.get((p["commune_code"], p["name_normalized"], _point_type(p))),
            "name_as_written": p["name_as_written"], "name_normalized": p["name_normalized"],
            "place_type": _point_type(p), "commune_code": p["commune_code"] or None,
            "commune_vintage": "2025" if p["commune_code"] else None,
            "village_code": village_by_name.get((p["commune_code"], p["name_normalized"]))
            or village_by_name.get((p["commune_code"], f"Bản {p['name_normalized']}")),
            "role": p["role_in_plan"], "source_doc": p["doc"], "quote": p["quote"],
            "note": p["normalization_note"] or None, "dataset_id": "plan-docs",
            "illustrative": int((p["commune_code"], p["name_normalized"], _point_type(p)) in points),
        } for p in places]
        for (commune, name, kind) in (k for k in points if k[2] in ("hazard_zone", "resettlement_site")
                                      and k[1].endswith("Thác Tình")):
            place_rows.append({
                "geom": points[(commune, name, kind)], "name_as_written": name, "name_normalized": name,
                "place_type": kind, "commune_code": commune, "commune_vintage": "2025",
                "village_code": village_by_name.get((commune, "Bản Thác Tình")),
                "role": "Dự án di dời 36 hộ khỏi vùng nguy cơ thiên tai (vị trí minh hoạ)",
                "source_doc": "002_a60ddfe8de7b5205.txt", "quote": None,
                "note": ILLUSTRATIVE_NOTE_VI + ": vị trí tự tạo", "illustrative": 1,
                "dataset_id": "illustrative-villages",
            })
        store.add_rows(conn, "places", place_rows)
        store.refresh_screen_geometries(conn)
        for name in ("plan_indicators.csv", "plan_places.csv"):
            store.set_meta(conn, f"sha256:reference/{name}", _sha256(reference / name))
        for path in sorted((raw / "vietnamese-provinces-database").glob("*.geojson")):
            store.set_meta(conn, f"sha256:data/raw/{path.parent.name}/{path.name}", _sha256(path))
    # Illustrative rasters, imported as a province's would be (journaled, so `imports undo` takes them
    # out; marked minh hoạ); their datasets are named for what they are, not "import-N" as a user's.
    for kind, path in sample_rasters.write_all(work / "sources").items():
        result = rasters.import_raster(conn, path, rasters.Options(
            kind=kind, period="2025", classes=sample_rasters.FOREST_CLASSES if kind == "landcover" else (),
            licence=sample_rasters.LICENCE, illustrative=True), user="mẫu")
        with store.transaction(conn):
            store.figures.rename_dataset(conn, f"import-{result.import_id}", f"illustrative-raster-{kind}")
    counts = {t: store.table_count(conn, t) for t in ("units", "observations", "crosswalk", "places", "indicators")}
    store.vacuum(conn)
    conn.close()
    kept = rasters.raster_folder_of(out)
    shutil.rmtree(kept, ignore_errors=True)
    rasters.raster_folder_of(tmp).replace(kept)
    tmp.replace(out)
    shutil.rmtree(work, ignore_errors=True)
    return counts
