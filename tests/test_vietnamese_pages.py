"""A Vietnamese page says everything in Vietnamese: no English word, raw period code or number
written the English way in its rendered text (folds opened, a popup and the data table shown)."""

from __future__ import annotations

import re

import pytest

from tests.browser import browser_page, live_server

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
        units = page.locator("path.unit")
        if units.count():
            units.nth(0).dispatch_event("click")  # a popup's text too
            page.wait_for_timeout(300)
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
