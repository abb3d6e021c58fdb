"""Benchmark: GeoJSON export and the OGC API items endpoint, each beside a baseline in the same run.

1. GeoJSON of all 113 communes: ``webmap``'s export vs ``ogr2ogr`` of the same GeoPackage layer.
2. OGC API items (limit=10 and limit=113): our ``/ogc`` vs pygeoapi's stock server
   (``pygeoapi serve``).  pygeoapi's GeoPackage provider needs SQLite extension loading,
   which this Python lacks (it is tried and its error printed); pygeoapi is therefore
   measured with its stock GeoJSON provider on the same 113 features read from the
   same GeoPackage.  Both servers run as their own processes on 127.0.0.1; the load is
   8 client threads for a bounded time and request count.
No assertions: read the ratios.  Usage: ``python scripts/bench_exports.py [--pygeoapi PATH]``
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyogrio  # noqa: E402

from geodata import exports, store  # noqa: E402
from tests.browser import server_process  # noqa: E402

DURATION_S, MAX_REQUESTS, THREADS = 5.0, 5000, 8

PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: 10, max_items: 10000}}
  map:
    url: "http://127.0.0.1/none/{{z}}/{{x}}/{{y}}.png"
    attribution: none
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme,
                   terms_of_service: none, url: "http://127.0.0.1"}}
  license: {{name: MIT, url: "http://127.0.0.1"}}
  provider: {{name: bench, url: "http://127.0.0.1"}}
  contact: {{name: x, position: x, address: x, city: x, stateorprovince: x, postalcode: x, country: x,
            phone: x, fax: x, email: x, url: x, hours: x, instructions: x, role: pointOfContact}}
resources:
  communes:
    type: collection
    title: communes
    description: communes
    keywords: [communes]
    extents: {{spatial: {{bbox: [102, 20, 106, 23], crs: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}}}
    providers:
      - type: feature
        name: {provider}
        data: {data}
        id_field: {id_field}
{table}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median_time(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load(url: str) -> tuple[float, int, int]:
    """Requests per second, successes and failures for DURATION_S or MAX_REQUESTS (after one warm-up)."""
    with urllib.request.urlopen(url, timeout=60) as resp:
        resp.read()
    deadline = time.monotonic() + DURATION_S
    counts = {"ok": 0, "fail": 0}

    def worker() -> None:
        while time.monotonic() < deadline and counts["ok"] + counts["fail"] < MAX_REQUESTS:
            try:
                with urllib.request.urlopen(url, timeout=10) as resp:
                    resp.read()
                    counts["ok" if resp.status == 200 else "fail"] += 1
            except OSError:
                counts["fail"] += 1

    start = time.monotonic()
    with cf.ThreadPoolExecutor(THREADS) as pool:
        for f in [pool.submit(worker) for _ in range(THREADS)]:
            f.result()
    elapsed = time.monotonic() - start
    return counts["ok"] / elapsed, counts["ok"], counts["fail"]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def start_pygeoapi(exe: Path, tmp: Path, provider: str, data: Path, id_field: str, table: str = ""
                   ) -> tuple[subprocess.Popen | None, str, str]:
    port = free_port()
    cfg, oas = tmp / f"{provider}.yml", tmp / f"{provider}-openapi.yml"
    cfg.write_text(PYGEOAPI_CONFIG.format(port=port, provider=provider, data=data, id_field=id_field,
                                          table=f"        table: {table}" if table else ""))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(oas)}
    gen = subprocess.run([str(exe), "openapi", "generate", str(cfg), "--output-file", str(oas)], env=env,
                         capture_output=True, text=True)
    if gen.returncode != 0:
        reason = (gen.stderr.strip().splitlines() or ["failed"])[-1]
        return None, "", reason
    proc = subprocess.Popen([str(exe), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    if not wait_for(base + "/collections/communes/items?f=json&limit=1", proc):
        proc.terminate()
        return None, "", "server did not answer"
    return proc, base, ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pygeoapi", type=Path, default=ROOT / ".venv-bench/bin/pygeoapi")
    args = parser.parse_args()
    sample = ROOT / "data/sample/sample.gpkg"
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        db = tmp / "webmap.gpkg"
        shutil.copyfile(sample, db)
        conn = store.connect(db, readonly=True)
        ours = median_time(lambda: exports.export(conn, "units", "geojson", level="commune"))
        out = tmp / "ogr.geojson"

        def ogr() -> None:
            out.unlink(missing_ok=True)
            subprocess.run(["ogr2ogr", "-f", "GeoJSON", "-lco", "RFC7946=YES", str(out), str(sample), "units",
                            "-where", "level='commune' AND vintage='2025'"], check=True, capture_output=True)

        base_t = median_time(ogr)
        size = len(exports.export(conn, "units", "geojson", level="commune").data)
        print("GeoJSON export, 113 communes (full resolution), median of 3")
        print(f"  webmap export   {ours:7.3f} s  ({size:,} bytes)")
        print(f"  ogr2ogr         {base_t:7.3f} s  ({out.stat().st_size:,} bytes)")
        print(f"  ratio ogr2ogr/webmap: {base_t / ours:.2f}x")

        communes = pyogrio.read_dataframe(sample, layer="units", where="level='commune' AND vintage='2025'")
        gpkg, geojson = tmp / "communes.gpkg", tmp / "communes.geojson"
        pyogrio.write_dataframe(communes, gpkg, layer="communes", driver="GPKG")
        pyogrio.write_dataframe(communes, geojson, driver="GeoJSON")
        results: dict[str, dict[int, tuple[float, int, int]]] = {}
        with server_process(db) as base:
            results["webmap /ogc"] = {n: load(f"{base}/ogc/collections/communes/items?limit={n}") for n in (10, 113)}
        if args.pygeoapi.exists():
            proc, _, reason = start_pygeoapi(args.pygeoapi, tmp, "SQLiteGPKG", gpkg, "fid", "communes")
            if proc is None:
                print(f"pygeoapi GeoPackage provider (same GeoPackage): not usable here: {reason}")
            else:
                proc.terminate()
            proc, pbase, reason = start_pygeoapi(args.pygeoapi, tmp, "GeoJSON", geojson, "code")
            if proc is None:
                print(f"pygeoapi GeoJSON provider: not usable: {reason}")
            else:
                try:
                    results["pygeoapi (GeoJSON provider)"] = {
                        n: load(f"{pbase}/collections/communes/items?f=json&limit={n}") for n in (10, 113)}
                finally:
                    proc.terminate()
        else:
            print(f"pygeoapi not installed at {args.pygeoapi}: its row is skipped (make bench installs it)")
        print(f"OGC API items, {THREADS} client threads, {DURATION_S:.0f} s or {MAX_REQUESTS} requests per run")
        for name, by_limit in results.items():
            for n, (rps, ok, fail) in by_limit.items():
                print(f"  {name:<30} limit={n:<4} {rps:8.1f} req/s  ({ok} ok, {fail} failed)")
        if len(results) == 2:
            ours_r, theirs = results["webmap /ogc"], results["pygeoapi (GeoJSON provider)"]
            for n in (10, 113):
                if theirs[n][0]:
                    print(f"  ratio webmap/pygeoapi at limit={n}: {ours_r[n][0] / theirs[n][0]:.1f}x")


if __name__ == "__main__":
    main()
