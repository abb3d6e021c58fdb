"""Helpers for the browser tests: a live server and Debian's Chromium.

Chromium runs with the flags this workplace needs (no sandbox as root, no
background networking) and every request the page makes is recorded, so a test
can assert that nothing left 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextlib.contextmanager
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@dataclass
class Traffic:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_hosts(self) -> set[str]:
        hosts = {urlparse(u).hostname for u in self.requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
        return {h for h in hosts if h not in ("127.0.0.1",)}


@contextlib.contextmanager
def browser_page(viewport: tuple[int, int] = (1280, 800), bypass_csp: bool = True, touch: bool = False):
    """A fresh Chromium page.  ``bypass_csp``: Playwright's polling ``wait_for_function`` evaluates
    its predicate with ``eval``, which the pages' Content-Security-Policy refuses (rightly); the
    policy itself is tested with ``bypass_csp=False`` in ``test_browser.py``.  ``touch``: a touch
    screen, so ``page.tap`` sends what a finger does."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                          bypass_csp=bypass_csp, has_touch=touch)
            page = context.new_page()
            traffic = Traffic()
            page.on("request", lambda r: traffic.requests.append(r.url))
            page.on("console", lambda m: traffic.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: traffic.console_errors.append(str(e)))
            yield page, traffic
        finally:
            browser.close()


@contextlib.contextmanager
def server_process(db_path) -> Iterator[str]:
    """The app in its own process: needed when an in-process client (GDAL through
    pyogrio) holds the GIL while it waits for the server's answer."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WEBMAP_DB": str(db_path)}
    proc = subprocess.Popen([sys.executable, "-m", "webmap", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the test server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# Resolves once the page's Leaflet map has stood still for two animation frames in a row: no pan
# (a popup's autoPan) and no zoom animation.  A fixed pause for the pan failed on a busy machine.
_MAP_STILL = """() => new Promise(resolve => {
  const map = Object.values(window).find(v => window.L && v instanceof L.Map);
  let calm = 0;
  const moving = () => map && ((map._panAnim && map._panAnim._inProgress) || map._animatingZoom);
  const tick = () => {
    calm = moving() ? 0 : calm + 1;
    if (calm >= 2) { resolve(true); } else { requestAnimationFrame(tick); }
  };
  requestAnimationFrame(tick);
})"""


def wait_for_map_still(page) -> None:
    page.evaluate(_MAP_STILL)
