"""The thematic maps: which indicators and point layers each theme shows.

Labels are gettext message ids (Vietnamese source strings), translated at render time.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

THEMES: dict[str, dict] = {
    "poverty": {
        "title": _l("Giảm nghèo"),
        "indicators": ["poor_household_rate", "poor_hh_electricity_subsidy_hh", "social_policy_access_pct"],
        "points": [],
    },
    "infrastructure": {
        "title": _l("Hạ tầng"),
        "indicators": ["hardened_commune_roads_pct", "grid_electricity_pct", "hygienic_water_pop_pct",
                       "clean_water_pop_pct", "waste_collection_pct", "national_standard_schools_pct",
                       "villages_with_cultural_house_pct"],
        "points": ["school", "market", "port", "industrial_cluster"],
    },
    "resettlement": {
        "title": _l("Di dân, tái định cư"),
        # Slopes from an imported DEM (geodata.rasters): where households sit on landslide-prone land.
        "indicators": ["resettlement_households", "slope_over_25_pct", "slope_mean_deg"],
        "points": ["hazard_zone", "resettlement_site"],
    },
    "tourism": {
        "title": _l("Du lịch"),
        "indicators": ["tourist_arrivals", "tourism_revenue_bn_vnd"],
        "points": ["community_tourism_village", "tourism_site", "pass", "cave", "waterfall", "lake"],
    },
}

POINT_STYLES = {  # fill colour, label
    "community_tourism_village": ("#1b9e77", _l("Bản du lịch cộng đồng")),
    "tourism_site": ("#d95f02", _l("Điểm du lịch")),
    "pass": ("#7570b3", _l("Đèo")),
    "cave": ("#e7298a", _l("Hang động")),
    "waterfall": ("#1f78b4", _l("Thác nước")),
    "lake": ("#a6cee3", _l("Hồ")),
    "school": ("#66a61e", _l("Trường học")),
    "market": ("#e6ab02", _l("Chợ")),
    "port": ("#a6761d", _l("Bến, cảng")),
    "industrial_cluster": ("#666666", _l("Cụm công nghiệp")),
    "hazard_zone": ("#e31a1c", _l("Vùng nguy cơ thiên tai")),
    "resettlement_site": ("#33a02c", _l("Điểm tái định cư")),
}

COLOUR_BY = {
    "value": _l("Giá trị"),
    "target": _l("Mục tiêu"),
    "gap": _l("Khoảng cách đến mục tiêu"),
    "pct": _l("% mục tiêu"),
    "status": _l("Tình trạng"),
}
SCHEMES = {
    "natural_breaks": _l("Ngắt tự nhiên"),
    "quantiles": _l("Phân vị"),
    "equal_interval": _l("Khoảng đều"),
    "fixed": _l("Thang cố định (%)"),
}
# Distinct in lightness as well as hue, plus a border pattern, so they survive grey printing.
STATUS_COLOURS = {
    "achieved": ("#00441b", None), "on_track": ("#41ab5d", None), "in_progress": ("#c7e9c0", None),
    "at_risk": ("#fdae61", "2 3"), "off_track": ("#d73027", "6 3"), "deteriorating": ("#67000d", "1 3"),
    "not_achieved": ("#fee090", "4 2"), "needs_baseline": ("#bdbdbd", "1 2"), "other_line": ("#c6dbef", "1 2"),
    "no_target": ("#f0f0f0", None),
    "no_data": ("#d9d9d9", None),
}

# Catalogue themes in the order of the seed reports (kinh tế, văn hoá - xã hội, giảm nghèo, hạ tầng,
# tái định cư, du lịch, then the rest): how a unit page groups its indicators.
CATALOGUE_THEMES = {
    "agriculture": _l("Nông nghiệp"), "forestry": _l("Lâm nghiệp"), "enterprise": _l("Doanh nghiệp, hợp tác xã"),
    "income": _l("Thu nhập"), "budget": _l("Ngân sách"), "culture": _l("Văn hoá"), "education": _l("Giáo dục"),
    "health": _l("Y tế"), "labour": _l("Lao động, việc làm"), "poverty": _l("Giảm nghèo"),
    "infrastructure": _l("Hạ tầng"), "resettlement": _l("Di dân, tái định cư"), "tourism": _l("Du lịch"),
    "environment": _l("Môi trường"), "security": _l("Quốc phòng, an ninh"),
    "governance_digital": _l("Chính quyền, chuyển đổi số"),
}
