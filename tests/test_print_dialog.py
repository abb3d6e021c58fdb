"""The print dialog on a map page and the atlas as a background job with progress."""

from __future__ import annotations

import subprocess
import time
import urllib.request

import pytest

from tests.browser import browser_page, live_server


def _pdfinfo(data: bytes, tmp_path) -> dict[str, str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line)}


def test_an_atlas_request_returns_at_once_and_shows_its_progress(client, tmp_path):
    start = time.perf_counter()
    response = client.get("/figures/atlas/jobs/new", query_string={
        "within": "03390", "indicator": "population", "period": "2025", "dpi": "50"})
    assert response.status_code == 303 and time.perf_counter() - start < 3.0
    job = response.headers["Location"]
    page = client.get(job).get_data(as_text=True)
    assert "<progress" in page and "Tập bản đồ" in page
    seen, state = [], {}
    for _ in range(240):
        state = client.get(job + "/state").get_json()
        seen.append((state["status"], state.get("done"), state.get("total")))
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state["status"] == "done", state
    assert state["total"] == 13 and state["done"] == 13  # cover, overview, 11 villages
    assert any(s == "running" and t == 13 and 0 < d < 13 for s, d, t in seen), seen  # progress was visible
    pdf = client.get(job + "/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "tap_ban_do_binh_lu_ban_population_2025.pdf" in pdf.headers["Content-Disposition"]
    info = _pdfinfo(pdf.data, tmp_path)
    assert info["Title"] == "Tập bản đồ: Quy mô dân số – Xã Bình Lư" and info["Pages"] == "13"
    assert info["Subject"].startswith("Quy mô dân số · Xã Bình Lư") and "bản đồ quy hoạch" in info["Author"]
    again = client.get("/figures/atlas/jobs/new", query_string={
        "within": "03390", "indicator": "population", "period": "2025", "dpi": "50"})
    assert again.headers["Location"] == job  # the same atlas is not drawn twice


def test_unknown_jobs_and_bad_requests_are_refused(client):
    assert client.get("/figures/atlas/jobs/deadbeef").status_code == 404
    assert client.get("/figures/atlas/jobs/../../etc/state").status_code == 404
    assert client.get("/figures/atlas/jobs/abc/pdf").status_code == 404
    bad = client.get("/figures/atlas/jobs/new",
                     query_string={"within": "99999", "indicator": "population", "period": "2025"})
    assert bad.status_code == 400 and "within" in bad.get_data(as_text=True)
    for field, value in (("title", "x" * 201), ("title", "a\nb"), ("dpi", "10000"), ("paper", "A0")):
        refused = client.get("/figures/atlas/jobs/new", query_string={"within": "03390", "indicator": "population",
                                                           "period": "2025", field: value})
        assert refused.status_code == 400 and field in refused.get_data(as_text=True), (field, value)


@pytest.mark.browser
def test_the_print_dialog_makes_an_a3_portrait_figure_with_the_typed_title(app, tmp_path):
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/map/indicator/population?unit=03390&period=2025&children=1")
        page.wait_for_function("document.querySelectorAll('path.unit-village').length === 11")
        page.locator("#print-dialog > summary").click()
        page.select_option(".print-form select[name=paper]", "A3")
        page.select_option(".print-form select[name=orientation]", "portrait")
        page.fill(".print-form input[name=title]", "Dân số các bản, xã Bình Lư")
        with page.context.expect_page() as opened:
            page.click(".print-form button[type=submit]")
        url = opened.value.url
        data = urllib.request.urlopen(url, timeout=120).read()
    assert "paper=A3" in url and "orientation=portrait" in url
    info = _pdfinfo(data, tmp_path)
    width, height = (float(v) for v in info["Page size"].split(" pts")[0].split(" x "))
    assert (round(width), round(height)) == (842, 1191)  # A3 portrait in points
    assert info["Title"] == "Dân số các bản, xã Bình Lư"
    assert traffic.console_errors == []
