"""The reporting workflow in Debian's Chromium: an editor of Xã Bình Lư uploads a sheet, accepts a
suggestion, applies; sees the figures as drafts; the approver of Tỉnh Lai Châu approves; an
anonymous visitor then sees them.  The editor cannot edit Bắc Yên nor approve."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, live_server
from tests.test_workflow import CORPUS, PASSWORD, _users

pytestmark = pytest.mark.browser


def _login(page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector(".account .who")


def _logout(page) -> None:
    page.click(".account form button")
    page.wait_for_selector(".account a[href^='/login']")


def _popup(page, code: str) -> str:
    page.wait_for_selector(f"path.unit-{code}", state="attached", timeout=30_000)
    page.locator(f"path.unit-{code}").dispatch_event("click")
    page.wait_for_selector(".leaflet-popup-content")
    return page.inner_text(".leaflet-popup-content")


def test_editor_uploads_approver_approves_everyone_sees(app, artifacts):
    _users(app)
    with live_server(app) as base, browser_page() as (page, traffic):
        _login(page, base, "bien_tap_binhlu")
        page.goto(f"{base}/upload")
        page.set_input_files("input[name=file]", str(CORPUS / "binh_lu_ho_ngheo.csv"))
        page.click("main button[type=submit]")
        page.wait_for_selector("#apply-form")
        assert page.locator(".suggestions input[name=accept]").count() == 1
        assert "Bản Khôngcó Gì" in page.inner_text(".unmatched")
        page.check(".suggestions input[data-written='Bản Tiên Bìh']")
        page.screenshot(path=str(artifacts / "upload_preview.png"), full_page=True)
        page.click("#apply")
        page.wait_for_selector("#see-drafts")
        assert "bien_tap_binhlu" in page.inner_text(".imports-table")
        page.click("#see-drafts")
        page.wait_for_selector("#drafts-notice")
        text = _popup(page, "03390-B10")  # Bản Tiên Bình, matched by the accepted suggestion
        assert "Bản Tiên Bình" in text and "9" in text and "Chưa duyệt" in text
        page.screenshot(path=str(artifacts / "drafts_map.png"))
        # Nothing in Bắc Yên (Sơn La) for an editor of Bình Lư, and no approving.
        assert page.goto(f"{base}/entry/03856").status == 403
        assert "không có quyền" in page.inner_text("main")
        page.goto(f"{base}/review/03390/2025H1")
        assert page.locator("#approve").count() == 0
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        status = page.evaluate(
            """async (token) => (await fetch('/review/03390/2025H1/approve', {method: 'POST',
               headers: {'Content-Type': 'application/x-www-form-urlencoded'},
               body: 'csrf_token=' + encodeURIComponent(token)})).status""", token)
        assert status == 403
        _logout(page)

        _login(page, base, "duyet_laichau")
        page.goto(f"{base}/review")
        page.click("a.review-link[href='/review/03390/2025H1']")
        page.wait_for_selector("#approve")
        assert page.locator(".review-table tbody tr").count() == 4
        page.click("#approve")
        page.wait_for_selector("p.ok")
        assert "4" in page.inner_text("p.ok")
        _logout(page)

        page.goto(f"{base}/map/indicator/poor_households?unit=03390&period=2025H1")
        assert page.locator("#drafts-notice").count() == 0
        text = _popup(page, "03390-B10")
        assert "Bản Tiên Bình" in text and "9" in text and "Chưa duyệt" not in text
        page.screenshot(path=str(artifacts / "approved_map.png"))
    assert traffic.foreign_hosts() == set(), traffic.requests
    assert traffic.console_errors == [] or all("403" in e for e in traffic.console_errors), traffic.console_errors


def test_entry_form_warns_as_the_figure_is_typed(app, artifacts):
    _users(app)
    with live_server(app) as base, browser_page() as (page, _traffic):
        _login(page, base, "bien_tap_binhlu")
        page.goto(f"{base}/entry/03390?period=2025H1&theme=poverty")
        page.fill("#value_near_poor_household_rate", "145")
        page.wait_for_selector("tr[data-code=near_poor_household_rate] .live.warn")
        assert "vượt 100 %" in page.inner_text("tr[data-code=near_poor_household_rate] .live")
        page.fill("#value_near_poor_household_rate", "")
        page.fill("#value_households", "3.902")
        page.click("button[value=draft]")
        page.wait_for_selector("p.ok")
        assert page.input_value("#value_households") == "3.902"
        page.screenshot(path=str(artifacts / "entry_form.png"), full_page=True)
