"""Hostile forms and files from a logged-in user (session and CSRF token in hand): no answer is a
5xx, and every refused request leaves the store's bytes as they were."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_fuzz_requests import NASTY
from tests.test_workflow import PASSWORD, _users, login, store_bytes

SENT: dict[str, int] = {"n": 0}
CODES = ["03390", "03390-B05", "12", "03856", "VN", "99999", "", "../..", "0" * 60, "03390'--"]
PERIODS = ["2025H1", "2025", "2026-2030", "2025H9", "abc", "", "9" * 30]
INDICATORS = ["households", "poor_households", "near_poor_household_rate", "poor_household_rate", "nope"]


def text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.sampled_from(["3.902,9", "145", "1e400",
                                                                                       "-5", "4,5", "1.2.3"]))


ENTRY = st.tuples(st.just("entry"), st.sampled_from(CODES), st.sampled_from(PERIODS),
                  st.sampled_from(["poverty", "tourism", "x"]),
                  st.dictionaries(st.sampled_from(INDICATORS), text(), max_size=4),
                  st.sampled_from(["draft", "submit", "x"]), st.booleans())
DECIDE = st.tuples(st.just("decide"), st.sampled_from(CODES), st.sampled_from(PERIODS),
                   st.sampled_from(["approve", "return"]), text())
UPLOAD = st.tuples(st.just("upload"), st.sampled_from(["a.csv", "b.xlsx", "c.zip", "d.geojson", "e.exe", "../x.csv",
                                                       "", "ảnh.CSV"]),
                   st.binary(max_size=600), st.sampled_from(["indicators", "boundaries", "x"]), text())
PAGES = st.tuples(st.just("get"), st.sampled_from([
    "/entry/{c}?period={p}", "/review/{c}/{p}", "/upload/{c}", "/upload/{c}/apply", "/imports?done={p}",
    "/map/poverty?unit={c}&drafts=1&period={p}", "/unit/{c}?drafts=1", "/api/layers/units.xlsx?level=village&within="
    "{c}&indicator=households&period={p}&drafts=1", "/ogc/collections/communes/items?indicator=households&period={p}"
    "&drafts=1"]), st.sampled_from(CODES), st.sampled_from(PERIODS))
ACTIONS = st.one_of(ENTRY, DECIDE, UPLOAD, PAGES)


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    import shutil

    from tests.conftest import SAMPLE
    from webmap import create_app

    db = tmp_path_factory.mktemp("fuzzwf") / "webmap.gpkg"
    shutil.copyfile(SAMPLE, db)
    app = create_app({"WEBMAP_DB": str(db), "TESTING": False, "PROPAGATE_EXCEPTIONS": False})
    _users(app)
    client = app.test_client()
    assert login(client, "quantri", PASSWORD).status_code == 303
    page = client.get("/upload").get_data(as_text=True)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client, tok, db


def _check(resp, db, before: str, what) -> None:
    SENT["n"] += 1
    SENT[str(resp.status_code)] = SENT.get(str(resp.status_code), 0) + 1
    body = resp.get_data(as_text=True) if resp.mimetype.startswith(("text/", "application/json")) else ""
    assert resp.status_code < 500, (what, resp.status_code, body[:300])
    assert "Traceback" not in body
    if resp.status_code >= 400:
        assert store_bytes(db) == before, (what, resp.status_code)


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(action=ACTIONS)
def test_hostile_forms_and_files_never_give_a_5xx_and_refusals_change_nothing(fuzz, action):
    client, tok, db = fuzz
    before = store_bytes(db)
    kind = action[0]
    if kind == "entry":
        _, code, period, theme, values, act, confirm = action
        data = {"csrf_token": tok, "action": act, **{f"value_{k}": v for k, v in values.items()}}
        if confirm:
            data.update({f"confirm_{k}": "1" for k in values})
        resp = client.post(f"/entry/{code}?period={period}&theme={theme}", data=data)
    elif kind == "decide":
        _, code, period, decision, comment = action
        resp = client.post(f"/review/{code}/{period}/{decision}", data={"csrf_token": tok, "comment": comment})
    elif kind == "upload":
        _, name, content, what, period = action
        resp = client.post("/upload", data={"csrf_token": tok, "kind": what, "period": period,
                                            "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        if resp.status_code == 303:  # a preview of whatever it was, then an attempt to apply it
            _check(resp, db, before, action)
            preview = client.get(resp.headers["Location"])
            _check(preview, db, before, action)
            resp = client.post(resp.headers["Location"] + "/apply", data={"csrf_token": tok, "skip_unmatched": "1"})
    else:
        _, pattern, code, period = action
        resp = client.get(pattern.format(c=code, p=period))
    _check(resp, db, before, action)


def test_the_fuzzer_sent_enough_and_some_were_served():
    assert SENT["n"] >= 400
    assert SENT.get("200", 0) + SENT.get("303", 0) > SENT["n"] // 10, SENT
    print(SENT)
