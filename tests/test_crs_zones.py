"""The VN-2000 zone table of the 34 provinces, checked against the official crosswalk."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from geodata import crs as vncrs

CODES = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / "vietnamadminunits"


@pytest.fixture(scope="module")
def merged_from_crosswalk() -> dict[str, set[str]]:
    legacy = CODES / "admin_units_legacy_national.csv"
    pairs = CODES / "old_to_new_2025_national.csv"
    if not legacy.exists() or not pairs.exists():
        pytest.skip("../shared national code tables not present")
    with legacy.open(encoding="utf-8") as f:
        old_province = {r["wardCode"]: r["provinceCode"] for r in csv.DictReader(f)}
    parts: dict[str, set[str]] = defaultdict(set)
    with pairs.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["old_ward_code"] in old_province:
                parts[row["new_province_code"]].add(old_province[row["old_ward_code"]])
    return parts


def test_the_table_names_the_parts_of_every_2025_province(merged_from_crosswalk):
    assert len(merged_from_crosswalk) == 34
    for new, parts in merged_from_crosswalk.items():
        expected = set(vncrs.MERGED_2025.get(new, (new,)))
        assert parts == expected, new
        assert new in parts  # each keeps the code of the part that holds its seat
    assert set(vncrs.MERGED_2025) | set(vncrs.UNCHANGED_2025) == set(merged_from_crosswalk)
    assert len(vncrs.OFFICIAL_MERIDIANS) == 63


def test_zones_of_merged_and_unchanged_provinces():
    lai_chau = vncrs.province_zone("12")
    assert lai_chau == vncrs.Zone(103.0, "official") and vncrs.province_crs("12").to_epsg() == 9205
    # Lào Cai (15) merged Lào Cai and Yên Bái, both on 104°45′: the official zone still.
    assert vncrs.province_zone("15") == vncrs.Zone(104.75, "official", (("10", 104.75), ("15", 104.75)))
    # Lâm Đồng (68): Bình Thuận and Đắk Nông on 108°30′, Lâm Đồng on 107°45′: the seat's zone.
    lam_dong = vncrs.province_zone("68")
    assert lam_dong.meridian == 107.75 and lam_dong.basis == "seat"
    # Codes are reused: pre-2025 code 24 is Bắc Giang, 2025 code 24 is Bắc Ninh (seat in Bắc Giang).
    assert vncrs.province_zone("27", vintage="pre2025").meridian == 105.5
    with pytest.raises(KeyError):
        vncrs.province_zone("27")  # no 2025 province 27 and no centre to fall back on
    assert vncrs.province_zone("99", centroid_lon=106.1).basis == "nearest"
    # Every meridian of the table has an EPSG zone (105°00′ and 108°00′ are 5897 and 5898).
    assert all(vncrs.vn2000_tm3(m).to_epsg() for m in set(vncrs.OFFICIAL_MERIDIANS.values()))
