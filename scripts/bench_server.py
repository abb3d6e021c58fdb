"""Requests per second of the production server (gunicorn) against Werkzeug's development
server, same store, same requests, same run: the ratio is what ``make bench`` prints.

Each server runs in its own process on a free loopback port; 8 client threads send a bounded
number of requests per endpoint (no keep-alive, like browsers opening many pages).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["/", "/api/progress?unit=03390&indicator=grain_output_t&period=2025H1",
         "/ogc/collections/communes/items?limit=10"]
CLIENTS, PER_CLIENT = 8, 25


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db: Path, dev: bool) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {**os.environ, "WEBMAP_DB": str(db), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "webmap", "serve", "--port", str(port)] + (["--dev"] if dev else [])
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _rate(base: str, path: str) -> tuple[float, int]:
    for _ in range(3):
        urllib.request.urlopen(base + path, timeout=60).read()  # warm caches
    errors = []

    def client() -> None:
        for _ in range(PER_CLIENT):
            try:
                urllib.request.urlopen(base + path, timeout=60).read()
            except OSError:
                errors.append(1)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return CLIENTS * PER_CLIENT / (time.perf_counter() - start), len(errors)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "webmap.gpkg"
        shutil.copyfile(ROOT / "data/sample/sample.gpkg", db)
        results: dict[str, dict[str, tuple[float, int]]] = {}
        for name, dev in (("werkzeug", True), ("gunicorn", False)):
            proc, base = _start(db, dev)
            try:
                results[name] = {p: _rate(base, p) for p in PATHS}
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    print(f"server: {CLIENTS} clients × {PER_CLIENT} requests per endpoint, requests/s (errors)")
    for p in PATHS:
        (w, we), (g, ge) = results["werkzeug"][p], results["gunicorn"][p]
        print(f"  {p[:60]:<60} werkzeug {w:7.1f} ({we})  gunicorn {g:7.1f} ({ge})  ratio {g / w:4.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
