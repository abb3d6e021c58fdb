"""A Vietnamese page says everything in Vietnamese: no English word, raw period code or number
written the English way in its rendered text (folds opened, a popup and the data table shown)."""

from __future__ import annotations

import re

import pytest

from tests.browser import browser_page, live_server
from tests.test_workflow import wapp  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

# English words seen in Vietnamese pages before (units, sources, statuses, labels); Vietnamese has
# none of them as a syllable.  Proper names (Leaflet, a repository's name) are checked apart.
ENGLISH = {
    "the", "of", "and", "via", "row", "split", "illustrative", "million", "billion", "probably", "written",
    "population", "pupils", "patients", "schools", "cooperatives", "households", "persons", "flag", "yes",
    "target", "value", "status", "source", "community", "tourism", "village", "hazard", "zone", "site",
    "year", "data", "print", "download", "map", "units", "period", "plan", "actual", "baseline", "none",
    "null", "undefined", "nan", "true", "false", "achieved", "track", "risk", "progress", "miles", "mi", "ft",
}
PROPER = {"Leaflet", "English", "vietnamese-provinces-database", "vietnamadminunits", "sapnhap.bando.com.vn"}
PERIOD_CODE = re.compile(r"\b20\d\d(?:H[12]|Q[1-4])\b")
# 1,234,567 or 1,234.5 or 12.34 are English; 272,903 is a Vietnamese decimal and 12.345 a Vietnamese thousand.
ENGLISH_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3}){2,}\b|\b\d{1,3}(?:,\d{3})+\.\d+\b|\b\d+\.(?:\d{1,2}|\d{4,})\b")
PAGES = ["/", "/country", "/map/poverty", "/map/infrastructure?unit=12", "/map/resettlement?unit=03390&period=2025",
         "/map/tourism?unit=03390", "/map/indicator/population?unit=03856&period=2025", "/unit/03390", "/unit/12"]
TEXT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const skip = el => el.closest('.src, .leaflet-control-attribution, nav.lang, .code, script, style');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (n.parentElement && !skip(n.parentElement) && n.parentElement.offsetParent !== null) { parts.push(n.data); }
  }
  return parts.join(' ');
}"""


@pytest.mark.parametrize("path", PAGES)
def test_a_vietnamese_page_has_no_english_word_period_code_or_english_number(app, path):
    with live_server(app) as base, browser_page((1366, 900)) as (page, _traffic):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        units = page.locator("path.unit:not(.unit-small)")  # a unit page's small map has no popup
        if units.count():
            units.nth(0).dispatch_event("click")  # a popup's text too
            page.wait_for_selector(".leaflet-popup-content")
        text = page.evaluate(TEXT)
        sources = page.evaluate("[...document.querySelectorAll('.src')].map(e => e.innerText).join(' ')")
        attribution = page.evaluate("(document.querySelector('.leaflet-control-attribution') || {}).innerText || ''")
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    bad = sorted(words & ENGLISH)
    assert not bad, [text[max(0, text.lower().find(w) - 60):text.lower().find(w) + 30] for w in bad]
    assert not PERIOD_CODE.findall(text), PERIOD_CODE.findall(text)
    assert not ENGLISH_NUMBER.findall(text), ENGLISH_NUMBER.findall(text)[:10]
    # Source lines name documents and files (their own words), but never in English.
    for extra in (sources, attribution):
        found = {w.lower() for w in re.findall(r"[A-Za-z]+", extra)} - {p.lower() for p in PROPER}
        assert not found & (ENGLISH - {"map", "data"}), sorted(found & ENGLISH)


def _text_of(html: str) -> str:
    import html as html_mod

    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return html_mod.unescape(re.sub(r"<[^>]+>", " ", html))


def _english(text: str, proper: set[str] = frozenset()) -> list[str]:
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)} - {p.lower() for p in proper}
    return sorted(words & ENGLISH)


def test_point_popups_the_workflow_pages_and_exports_are_vietnamese(wapp):  # noqa: F811
    """Beyond the map pages: the tourism points' popups ("priority tourism location" was shown), the
    entry form ("count; % vs base"), the upload form, its preview, the refusal and the history, and
    the CSV export's words (status labels, sources)."""
    import json

    from tests.test_workflow import CORPUS, login, token

    client = wapp.test_client()
    page = client.get("/map/tourism?unit=03390").get_data(as_text=True)
    found = re.findall(r'"popup": "(\\u003cdiv class=\\u0027place-popup.*?)"', page)
    popups = [json.loads('"' + m + '"') for m in found]
    assert len(popups) >= 9
    for popup in popups:
        assert not _english(_text_of(popup)), popup
    login(client, "bien_tap_binhlu")
    for path in ("/entry/03390", "/upload", "/imports"):
        assert not _english(_text_of(client.get(path).get_data(as_text=True))), path
    with (CORPUS / "binh_lu_ho_ngheo.csv").open("rb") as fh:
        sent = client.post("/upload", data={"csrf_token": token(client, "/upload"), "kind": "indicators",
                                            "file": (fh, "binh_lu_ho_ngheo.csv")}, content_type="multipart/form-data")
    preview = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert not _english(_text_of(preview)) and "Số liệu sẽ ghi" in preview
    tok = re.search(r'name="csrf_token" value="([^"]+)"', preview).group(1)
    refused = client.post(sent.headers["Location"] + "/apply", data={"csrf_token": tok})
    text = _text_of(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "cột tên/mã đơn vị" in text and "'unit'" not in text
    assert not _english(text)
    csv_text = client.get("/api/layers/units.csv?within=12&indicator=tourist_arrivals&period=2025H1").data.decode()
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    worded = [k for k in rows[0] if k.endswith(("__status_label", "__source", "__coverage")) or k == "source"]
    words = " ".join(r[k] for r in rows for k in worded)  # the words; codes (no_data) stay codes beside them
    assert "Đang thực hiện (kỳ chưa hết năm)" in words
    assert not _english(words, {"vietnamese", "provinces", "database"}), _english(words)
