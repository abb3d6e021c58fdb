"""Coming back to a map page: reload, back and forward draw the same shapes as the first visit.

Why without the CSP bypass: the revisit bug lived in the policy itself.  The 200 answer named the
page's script hashes and the 304 to the revalidation did not; the browser applied the 304's policy
to its cached page and ran none of its scripts.  With ``bypass_csp=True`` (the other browser tests)
it could not be seen.  Waits are on the shapes (Playwright's own selector engine, not ``eval``, which
the policy refuses), never on a time.
"""

from __future__ import annotations

import pytest
from flask import request

from tests.browser import browser_page, live_server

pytestmark = pytest.mark.browser

MAP_PAGES = ["/", "/country", "/map/poverty", "/map/infrastructure", "/map/resettlement", "/map/tourism"]
SHAPES = "path.unit"


def _drawn(page) -> int:
    page.locator(SHAPES).first.wait_for(state="attached", timeout=30_000)
    page.wait_for_load_state("load")
    return page.locator(SHAPES).count()


def test_a_revalidated_page_carries_the_policy_of_the_first_answer(client):
    for path in MAP_PAGES:
        first = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert first.status_code == 200, path
        again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"], path
        assert "'sha256-" in again.headers["Content-Security-Policy"], path
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.data == b"" and "Content-Encoding" not in again.headers


def test_popup_304_keeps_its_policy(client):
    path = "/map/popup/03390?indicator=population_density&period=2025"
    first = client.get(path)
    if first.status_code != 200:
        pytest.skip(f"popup answered {first.status_code}")
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", MAP_PAGES)
def test_reload_back_and_forward_draw_the_map_again(app, path):
    statuses: list[int] = []  # as the server sent them (the browser reports a revalidated page as 200)

    @app.after_request
    def _record(resp):
        if request.full_path.rstrip("?") == path:
            statuses.append(resp.status_code)
        return resp

    with live_server(app) as base, browser_page(bypass_csp=False) as (page, traffic):
        page.goto(base + path)
        first = _drawn(page)
        assert first > 0
        page.reload()
        assert _drawn(page) == first, "reload"
        assert 304 in statuses, statuses  # the reload was a revalidation, the case that broke
        page.goto(base + path)  # clicking the theme's link again
        assert _drawn(page) == first, "same link again"
        page.goto(base + "/unit/03390")
        page.locator("path.unit-small").first.wait_for(state="attached", timeout=30_000)
        page.go_back()
        assert _drawn(page) == first, "back"
        page.go_forward()
        page.locator("path.unit-small").first.wait_for(state="attached", timeout=30_000)
        page.go_back()
        assert _drawn(page) == first, "back again"
    assert traffic.console_errors == [], traffic.console_errors
