"""Two app servers on one PostGIS store (issue #25): each a real ``webmap serve`` (gunicorn) on its
own port.  A figure entered and approved through one is on the map, the exports and the OGC items
of the other at its next request; a session started on one is valid on the other and ended on
both by a logout on either; an atlas started on one is followed and downloaded on the other."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from geodata.store import accounts

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mật khẩu đủ dài 2025"
pytestmark = pytest.mark.postgis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(url: str, tmp: Path, name: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "WEBMAP_DB": url, "WEBMAP_WORKERS": "2", "WEBMAP_THREADS": "2",
           "WEBMAP_LOCAL_DIR": str(tmp / name), "PYTHONPATH": str(ROOT)}
    log = (tmp / f"{name}.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "webmap", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers (a slow machine may take a while to start)
            if proc.poll() is not None:
                raise AssertionError((tmp / f"{name}.log").read_text())
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start: " + (tmp / f"{name}.log").read_text())
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _token(session: requests.Session, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=60).text)
    assert found, url
    return found.group(1)


def _login(session: requests.Session, base: str, name: str) -> None:
    sent = session.post(base + "/login", data={"name": name, "password": PASSWORD,
                                               "csrf_token": _token(session, base + "/login")},
                        allow_redirects=False, timeout=60)
    assert sent.status_code == 303, sent.text[:500]


def _ogc_value(base: str) -> float | None:
    items = requests.get(base + "/ogc/collections/communes/items", params={
        "parent_code": "12", "indicator": "poor_households", "period": "2025H1", "limit": 100}, timeout=60).json()
    return next(f["properties"].get("value") for f in items["features"] if f["properties"]["code"] == "03390")


def test_two_servers_share_one_postgis_store(pg_store, tmp_path):
    for name, role, unit in (("bien_tap_binhlu", "editor", "03390"), ("duyet_laichau", "approver", "12")):
        accounts.add(pg_store, name, PASSWORD, full_name=name)
        accounts.grant(pg_store, name, role, unit)
    with _server(pg_store, tmp_path, "a") as a, _server(pg_store, tmp_path, "b") as b:
        page = "/map/indicator/poor_households?unit=12&period=2025H1"
        before_map = requests.get(b + page, timeout=60)
        assert before_map.status_code == 200 and "notice no-figures" in before_map.text
        assert _ogc_value(b) is None  # nothing yet: Bình Lư has no poor-household count for 2025H1
        # The editor works on A; the session is valid on B (kept in the database, not in the cookie).
        editor = requests.Session()
        _login(editor, a, "bien_tap_binhlu")
        assert editor.get(b + "/entry/03390", timeout=60).status_code == 200
        tok = _token(editor, a + "/entry/03390?period=2025H1&theme=poverty")
        sent = editor.post(a + "/entry/03390?period=2025H1&theme=poverty", allow_redirects=False, timeout=60,
                           data={"csrf_token": tok, "action": "submit", "value_poor_households": "1.120"})
        assert sent.status_code == 303, sent.text[:500]
        # The approver approves on A …
        approver = requests.Session()
        _login(approver, a, "duyet_laichau")
        tok = _token(approver, a + "/review/03390/2025H1")
        assert approver.post(a + "/review/03390/2025H1/approve", data={"csrf_token": tok}, allow_redirects=False,
                             timeout=60).status_code == 303
        # … and B shows it at its next request: map page, popup, exports, OGC.
        after_map = requests.get(b + page, timeout=60)
        assert after_map.status_code == 200 and "notice no-figures" not in after_map.text
        assert after_map.headers["ETag"] != before_map.headers["ETag"] and "1.120" in requests.get(
            b + "/map/popup/03390", params={"indicator": "poor_households", "period": "2025H1"}, timeout=60).text
        csv = requests.get(b + "/api/layers/units.csv", params={"within": "12", "indicator": "poor_households",
                                                                 "period": "2025H1"}, timeout=60).text
        row = next(line for line in csv.splitlines() if line.startswith("2025:03390,"))
        assert ",1120" in row
        assert _ogc_value(b) == 1120
        # A logout on B ends the editor's session on A too.
        tok = _token(editor, b + "/entry/03390")
        assert editor.post(b + "/logout", data={"csrf_token": tok}, allow_redirects=False, timeout=60
                           ).status_code == 303
        assert editor.get(a + "/entry/03390", allow_redirects=False, timeout=60).status_code in (302, 303, 401)
        # An atlas asked for on A is followed and downloaded on B.
        started = requests.get(a + "/figures/atlas/jobs/new", params={
            "within": "03390", "indicator": "population", "period": "2025", "dpi": "50"},
            allow_redirects=False, timeout=60)
        assert started.status_code == 303
        job = started.headers["Location"]
        state: dict = {}
        for _ in range(600):  # until the job says it is done (the drawing takes seconds)
            state = requests.get(b + job + "/state", timeout=60).json()
            if state["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
        assert state["status"] == "done" and state["total"] == 13, state
        pdf = requests.get(b + job + "/pdf", timeout=60)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
