"""Targets and progress: the report's own figures, target shapes, inheritance, aggregation."""

from __future__ import annotations

import pytest

from geodata import progress, store
from tests.conftest import undo_sample_rasters


@pytest.fixture(autouse=True)
def _without_sample_rasters(db_path):
    """These tests build forest-cover and slope figures of their own: the sample's made-up
    rasters are undone first."""
    undo_sample_rasters(db_path)


COMMUNE = "03394"  # a Lai Châu commune with no figures of its own in the documents


def _obs(unit: str, indicator: str, period: str, kind: str, value: float, **extra) -> dict:
    row = {"unit_code": unit, "unit_vintage": "2025", "indicator_code": indicator, "period": period,
           "kind": kind, "value": value, "measure_unit": "%", "source_doc": "test-fixture.csv",
           "source_row": 2, "dataset_id": "plan-docs", "illustrative": 0}
    row.update(extra)
    return row


@pytest.fixture
def rw(db_path):
    conn = store.connect(db_path)
    yield conn
    conn.close()


def _add(conn, *rows):
    with store.transaction(conn):
        store.add_rows(conn, "observations", rows)


# --- the Bình Lư report, recomputed -------------------------------------------------


@pytest.mark.parametrize(("indicator", "pct"), [
    ("grain_output_t", 39.3), ("grain_sown_area_ha", 84.98), ("budget_revenue_mvnd", 59.43),
])
def test_half_year_actuals_are_progress_against_the_annual_plan(conn, indicator, pct):
    e = progress.evaluate(conn, "03390", indicator, "2025H1")
    assert e["pct_of_plan"] == pytest.approx(pct, abs=0.005)
    assert e["status"] == "in_progress"  # not a miss: half the year is left
    assert e["evaluations"][0]["comparison"] == "part_year_vs_annual_plan"
    assert e["evaluations"][0]["elapsed_share_of_year"] == 0.5


def test_grain_numbers_carry_their_sources(conn):
    e = progress.evaluate(conn, "03390", "grain_output_t", "2025H1")
    assert e["actual"]["value"] == 3902.9
    assert e["actual"]["source"]["document"] == "002_a60ddfe8de7b5205.txt"
    assert e["actual"]["source"]["row"] == 66
    target = e["evaluations"][0]["target"]
    assert target["value"] == 9931 and target["kind"] == "plan" and target["source"]["row"] == 67
    assert "3.902,9/9.931" in target["source"]["quote"]


def test_tourist_figure_is_flagged_with_both_numbers(conn):
    e = progress.evaluate(conn, "03390", "tourist_arrivals", "2025H1")
    (flag,) = e["consistency"]
    assert flag["status"] == "inconsistent"
    assert flag["stated_pct_of_plan"] == 55 and flag["plan"] == 395900
    assert flag["recomputed_pct"] == pytest.approx(80.58, abs=0.01)
    assert flag["implied_plan"] == pytest.approx(580000, rel=1e-3)
    assert "319,000 / 395,900" in flag["message_en"] and "319.000 / 395.900 = 80,6 %" in flag["message_vi"]


def test_consistent_statements_are_not_flagged(conn):
    flags = {f["indicator_code"]: f for f in progress.consistency.all_flags(conn)}
    assert flags["grain_output_t"]["status"] == "consistent"  # 39.3% written as 39%
    assert flags["grain_sown_area_ha"]["status"] == "consistent"  # 84.98% truncated to 84.9%
    assert flags["tourism_revenue_bn_vnd"]["status"] == "inconsistent"  # 81.3% stated, 71.7% computed
    assert "health_insurance_pct" not in flags  # "đạt 82,6%" is a level, not a share of plan


# --- target shapes --------------------------------------------------------------------


def test_poverty_pp_per_year_on_and_off_track(rw):
    _add(rw, _obs(COMMUNE, "poor_household_rate", "2025", "actual", 12.0),
         _obs(COMMUNE, "poor_household_rate", "2026", "actual", 10.5),
         _obs(COMMUNE, "poor_household_rate", "2026-2030", "target", -1, target_type="annual_change",
              measure_unit="pp/year", base_period="2025"))
    e = progress.evaluate(rw, COMMUNE, "poor_household_rate", "2026")
    assert e["status"] == "on_track" and e["evaluations"][0]["actual_change_per_year"] == -1.5
    rw.execute("UPDATE observations SET value=-3 WHERE source_doc='test-fixture.csv' AND kind='target'")
    e = progress.evaluate(rw, COMMUNE, "poor_household_rate", "2026")
    assert e["status"] == "off_track" and e["evaluations"][0]["progress_ratio"] == 0.5


def test_province_target_is_inherited_by_communes(rw):
    _add(rw, _obs(COMMUNE, "poor_household_rate", "2025", "actual", 12.0),
         _obs(COMMUNE, "poor_household_rate", "2026", "actual", 10.5))
    e = progress.evaluate(rw, COMMUNE, "poor_household_rate", "2026")
    assert all(ev["inherited_from"] == "12" for ev in e["evaluations"])
    change = next(ev for ev in e["evaluations"] if ev["target_type"] == "annual_change")
    assert change["target"]["value"] == -4 and change["target"]["value_high"] == -3
    assert change["required_change_per_year"] == -3  # "3 to 4 pp a year": at least 3
    assert change["status"] == "off_track"
    level = next(ev for ev in e["evaluations"] if ev["target_type"] == "at_most")
    assert level["target"]["value"] == 10 and level["status"] == "on_track"  # 12 -> 10.5 on a path to <10
    assert e["status"] == "off_track"  # the headline is the least favourable
    assert e["evaluations"][e["headline_target"]] is change
    assert {ev["target"]["source"]["document"] for ev in e["evaluations"]} == {"004_4a9d9d9f9c52c1f9.txt"}


def test_revenue_growth_below_required_rate_is_off_track(rw):
    _add(rw, _obs(COMMUNE, "budget_revenue_mvnd", "2025", "actual", 100.0, measure_unit="million VND"),
         _obs(COMMUNE, "budget_revenue_mvnd", "2026", "actual", 110.0, measure_unit="million VND"),
         _obs(COMMUNE, "budget_revenue_mvnd", "2026-2030", "target", 18, target_type="annual_change",
              measure_unit="% per year", base_period="2025"))
    e = progress.evaluate(rw, COMMUNE, "budget_revenue_mvnd", "2026")
    ev = e["evaluations"][0]
    assert ev["actual_change_per_year"] == pytest.approx(10.0)
    assert ev["required_now"] == pytest.approx(118.0)
    assert e["status"] == "off_track"


@pytest.mark.parametrize(("value", "status"), [(100.0, "achieved"), (98.0, "off_track")])
def test_maintain_100_percent(rw, value, status):
    _add(rw, _obs(COMMUNE, "villages_with_cultural_house_pct", "2026", "actual", value),
         _obs(COMMUNE, "villages_with_cultural_house_pct", "2026-2030", "target", 100, target_type="maintain"))
    e = progress.evaluate(rw, COMMUNE, "villages_with_cultural_house_pct", "2026")
    assert e["status"] == status
    assert e["gap"] == pytest.approx(100 - value)


def test_level_target_on_a_linear_path(rw):
    _add(rw, _obs(COMMUNE, "forest_cover_pct", "2025", "baseline", 50.0),
         _obs(COMMUNE, "forest_cover_pct", "2027", "actual", 54.0),
         _obs(COMMUNE, "forest_cover_pct", "2030", "target", 60.0, target_type="at_least"))
    e = progress.evaluate(rw, COMMUNE, "forest_cover_pct", "2027")
    assert e["required_now"] == pytest.approx(54.0)
    assert e["status"] == "on_track"
    assert e["pct_of_target"] == pytest.approx(90.0)
    assert e["gap"] == pytest.approx(6.0)
    assert e["years_to_target"] == pytest.approx(3.0)
    assert e["evaluations"][0]["baseline"]["value"] == 50.0


def test_level_moving_away_is_deteriorating_and_missed_deadline_is_off_track(rw):
    _add(rw, _obs(COMMUNE, "forest_cover_pct", "2025", "baseline", 50.0),
         _obs(COMMUNE, "forest_cover_pct", "2027", "actual", 48.0),
         _obs(COMMUNE, "forest_cover_pct", "2030", "actual", 58.0),
         _obs(COMMUNE, "forest_cover_pct", "2030", "target", 60.0, target_type="at_least"))
    assert progress.evaluate(rw, COMMUNE, "forest_cover_pct", "2027")["status"] == "deteriorating"
    assert progress.evaluate(rw, COMMUNE, "forest_cover_pct", "2030")["status"] == "off_track"


def test_change_against_base_follows_a_compound_path(rw):
    _add(rw, _obs(COMMUNE, "income_per_capita_mvnd", "2025", "actual", 40.0),
         _obs(COMMUNE, "income_per_capita_mvnd", "2026", "actual", 41.4),
         _obs(COMMUNE, "income_per_capita_mvnd", "2030", "target", 19, target_type="change_vs_base",
              measure_unit="% vs base_year", base_period="2025"))
    e = progress.evaluate(rw, COMMUNE, "income_per_capita_mvnd", "2026")
    assert e["required_now"] == pytest.approx(40 * 1.19 ** 0.2, rel=1e-4)
    assert e["status"] == "on_track"


def test_cumulative_target_sums_flows(rw):
    _add(rw, _obs(COMMUNE, "jobs_created", "2025", "actual", 400.0, measure_unit="persons"),
         _obs(COMMUNE, "jobs_created", "2026", "actual", 300.0, measure_unit="persons"),
         _obs(COMMUNE, "jobs_created", "2025-2030", "target", 2145, target_type="cumulative",
              measure_unit="persons"))
    e = progress.evaluate(rw, COMMUNE, "jobs_created", "2026")
    ev = e["evaluations"][0]
    assert ev["cumulative_total"] == 700
    assert ev["required_now"] == pytest.approx(715)
    assert e["status"] == "on_track"


def test_no_baseline_means_no_judgement_not_a_guess(conn):
    e = progress.evaluate(conn, "03390", "forest_cover_pct", "2025")
    assert e["status"] == "no_data"
    assert e.get("reason") or e["evaluations"][0].get("reason")


def test_thresholds_are_configurable(rw):
    _add(rw, _obs(COMMUNE, "poor_household_rate", "2025", "actual", 12.0),
         _obs(COMMUNE, "poor_household_rate", "2026", "actual", 10.5),
         _obs(COMMUNE, "poor_household_rate", "2026-2030", "target", -3, target_type="annual_change",
              measure_unit="pp/year", base_period="2025"))
    lenient = progress.Thresholds(on_track=0.95, at_risk=0.5)
    assert progress.evaluate(rw, COMMUNE, "poor_household_rate", "2026", thresholds=lenient)["status"] == "at_risk"


# --- aggregation from children ------------------------------------------------------


def test_province_rate_is_household_weighted_with_reporting_count(rw):
    rates = {"03394": (10.0, 100), "03405": (20.0, 300), "03408": (30.0, 600)}
    rows = []
    for code, (rate, households) in rates.items():
        rows.append(_obs(code, "poor_household_rate", "2026", "actual", rate))
        rows.append(_obs(code, "households", "2026", "actual", households, measure_unit="households"))
    _add(rw, *rows)
    e = progress.evaluate(rw, "12", "poor_household_rate", "2026")
    agg = e["aggregation"]
    assert e["actual"]["value"] == pytest.approx(25.0)  # (10*100 + 20*300 + 30*600) / 1000, not 20
    assert agg["method"] == "weighted_mean" and agg["weight_indicator"] == "households"
    assert agg["children_reporting"] == 3 and agg["children_total"] == 38
    assert {p["unit"] for p in agg["parts"]} == set(rates)


def test_rate_without_weights_is_refused_not_averaged(rw):
    _add(rw, _obs("03394", "poor_household_rate", "2026", "actual", 10.0),
         _obs("03405", "poor_household_rate", "2026", "actual", 20.0))
    e = progress.evaluate(rw, "12", "poor_household_rate", "2026")
    assert e["actual"] is None
    assert "plain mean" in e["aggregation"]["reason"]


def test_counts_are_summed_from_children(conn):
    e = progress.evaluate(conn, "12", "population", "2025")
    assert e["actual"]["kind"] == "aggregated"
    assert e["aggregation"]["children_reporting"] == 38
    # Bình Lư's own report (18,072) wins over the reference map (18,606) for that commune.
    assert e["actual"]["value"] == 503868


# --- API ----------------------------------------------------------------------------


def test_api_progress_for_one_unit(client):
    body = client.get("/api/progress?unit=03390&indicator=grain_output_t&period=2025H1").get_json()
    assert body["pct_of_plan"] == pytest.approx(39.3, abs=0.005)
    assert body["actual"]["source"]["row"] == 66
    assert body["status_label"] == {"vi": "Đang thực hiện (kỳ chưa hết năm)", "en": "In progress (part of the year)"}


def test_api_progress_for_a_level(client):
    body = client.get("/api/progress?level=commune&within=12&indicator=poor_household_rate&period=2026").get_json()
    assert body["count"] == 38 and len(body["results"]) == 38
    assert sum(body["status_counts"].values()) == 38


def test_api_indicators_catalogue(client):
    body = client.get("/api/indicators").get_json()
    codes = {i["code"]: i for i in body["indicators"]}
    # 154 indicators and the 74 components the documents name (pupils__primary…), each with its own name
    assert body["count"] == 232  # 228 from the documents and the sample, 4 computed from rasters
    assert len({i["name_vi"] for i in body["indicators"]}) == 232
    assert codes["enrolment_rate_pct__kindergarten"]["name_vi"] == "Tỷ lệ huy động trẻ mẫu giáo đến trường"
    assert codes["enrolment_rate_pct__primary"]["name_vi"] == "Tỷ lệ huy động học sinh tiểu học"
    assert "THCS" not in codes["enrolment_rate_pct"]["name_vi"]
    assert codes["poor_household_rate"]["direction"] == "lower_is_better"
    assert codes["poor_household_rate"]["weight_indicator"] == "households"
    assert codes["grain_output_t"]["aggregation_method"] == "sum"
    themes = client.get("/api/indicators?theme=tourism").get_json()["indicators"]
    assert themes and {i["theme"] for i in themes} == {"tourism"}


@pytest.mark.parametrize(("query", "status"), [
    ("unit=03390&indicator=grain_output_t", 400),  # no period
    ("indicator=grain_output_t&period=2025", 400),  # neither unit nor level
    ("unit=99999&indicator=grain_output_t&period=2025", 404),
    ("unit=03390&indicator=no_such&period=2025", 404),
    ("unit=03390&indicator=grain_output_t&period=20x5", 400),
    ("level=hamlet&indicator=grain_output_t&period=2025", 400),
])
def test_api_errors_are_bilingual_json(client, query, status):
    resp = client.get(f"/api/progress?{query}")
    assert resp.status_code == status
    err = resp.get_json()["error"]
    assert err["message_vi"] and err["message_en"] and err["message_vi"] != err["message_en"]


# --- a year with only its annual plan ---------------------------------------------


def test_a_year_with_only_its_plan_shows_the_plan_as_target(conn):
    e = progress.evaluate(conn, "03390", "afforestation_ha", "2025")
    (ev,) = e["evaluations"]
    assert ev["comparison"] == "year_vs_annual_plan" and ev["target"]["value"] == 29.4
    assert ev["target"]["kind"] == "plan" and ev["target_type_label"] == {"vi": "tối thiểu", "en": "at least"}
    assert e["status"] == "no_data" and e["headline_target"] == 0  # no figure for 2025 yet


@pytest.mark.parametrize(("actual", "status", "pct"), [(30.0, "achieved", 102.04), (20.0, "off_track", 68.03)])
def test_the_years_figure_is_judged_against_its_plan(rw, actual, status, pct):
    _add(rw, _obs("03390", "afforestation_ha", "2025", "actual", actual, measure_unit="ha"))
    e = progress.evaluate(rw, "03390", "afforestation_ha", "2025")
    assert e["status"] == status
    assert e["pct_of_target"] == pytest.approx(pct, abs=0.005)
    assert e["evaluations"][0]["gap"] == pytest.approx(29.4 - actual)


def test_evaluate_many_colours_exactly_as_evaluate_does(conn):
    """The short way for units without figures must never change a colour or a legend count."""
    from webmap.maps import measure

    villages = [r[0] for r in conn.execute("SELECT code FROM units WHERE level='village' AND vintage='2025'")]
    communes = [r[0] for r in conn.execute("SELECT code FROM units WHERE level='commune' AND parent_code='12'")]
    for indicator, period in (("population", "2025"), ("poor_household_rate", "2025"),
                              ("population_density", "2025"), ("grain_output_t", "2025H1")):
        for codes in (villages, communes):
            many = progress.evaluate_many(conn, codes, indicator, period)
            for code in codes:
                full = progress.evaluate(conn, code, indicator, period)
                assert many[code]["status"] == full["status"], (indicator, code)
                for colour_by in ("value", "gap", "pct", "status"):
                    assert measure(many[code], colour_by) == measure(full, colour_by), (indicator, code, colour_by)
