"""The two backends side by side at national size: the same store (34 provinces, 3,321 communes,
69,741 illustrative villages from ``scripts/make_villages.py``) as a GeoPackage file and copied into
PostGIS (a PostgreSQL 15 server started for the run, as the tests start it), measured in one run.

Measured on each, as ratios PostGIS / GeoPackage: a map page built cold (a fresh process) and warm,
OGC items, an indicator table of every commune imported (a process each, all checks), a set of
village vector tiles cut cold (our encoder with its index vs ``ST_AsMVT``), the same page asked by
a second server (PostGIS: the page another server built, from the database), and the country's
villages first drawn in Chromium from a gunicorn server on PostGIS (target < 2 MB transferred).

No assertions: read the ratios.  ``python scripts/bench_backends.py [--store instance/national.gpkg]``
(without ``--store``, the national store is built first, villages included: a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata import store  # noqa: E402
from geodata.store import postgis  # noqa: E402
from scripts import bench_national, bench_server  # noqa: E402
from tests import postgres  # noqa: E402

PAGE = "/map/indicator/population_density?unit=38"  # Thanh Hóa's 166 communes
OGC = "/ogc/collections/communes/items?limit=100&offset=1000"

BUILD = r"""
import json, sys, time
t0 = time.perf_counter()
from webmap import create_app
app = create_app({"WEBMAP_DB": sys.argv[1], "WEBMAP_LOCAL_DIR": sys.argv[3]})
client = app.test_client()
start = time.perf_counter()
cold = client.get(sys.argv[2])
cold_s = time.perf_counter() - start
start = time.perf_counter()
warm = client.get(sys.argv[2])
warm_s = time.perf_counter() - start
print(json.dumps({"cold": cold_s, "warm": warm_s, "status": cold.status_code, "bytes": len(cold.data)}))
"""

TILES = r"""
import json, sys, time
from geodata import store, vector_tiles
from geodata.store import postgis
conn = store.connect(sys.argv[1], readonly=True)
tiles = json.loads(sys.argv[2])
start = time.perf_counter()
total = 0
if store.is_url(sys.argv[1]):
    for z, x, y in tiles:
        total += len(postgis.tile(conn.raw, "village", z, x, y))
else:
    frame = store.units_frame(conn, level="village", screen=True)
    index = vector_tiles.Index.of(list(frame["code"]), list(frame["full_name"]), list(frame.geometry))
    for z, x, y in tiles:
        total += len(vector_tiles.encode(index, z, x, y))
print(json.dumps({"s": time.perf_counter() - start, "bytes": total}))
"""


def _json(cmd: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ratio(name: str, gpkg: float, pg: float, unit: str = "s") -> None:
    print(f"  {name:<52} GeoPackage {gpkg:8.3f} {unit}   PostGIS {pg:8.3f} {unit}   "
          f"PostGIS/GeoPackage {pg / gpkg:5.2f}×")


def _sheet(path: Path, store_path: Path) -> None:
    """A value for every 2025 commune, keyed by code (what a province's statistics office sends)."""
    conn = store.connect(store_path, readonly=True)
    codes = sorted(store.units.codes(conn, vintage="2025", level="commune"))
    conn.close()
    lines = ["Mã xã,Năm,Số hộ nghèo"] + [f"{c},2025,{100 + i % 900}" for i, c in enumerate(codes)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", help="a national GeoPackage store with villages (else one is built)")
    args = parser.parse_args()
    if not postgres.available():
        print("backend bench skipped: PostgreSQL 15 with PostGIS is not installed")
        return 0
    with tempfile.TemporaryDirectory() as tmp_name, postgres.cluster() as server:
        tmp = Path(tmp_name)
        gpkg = tmp / "national.gpkg"
        if args.store and Path(args.store).exists():
            shutil.copyfile(args.store, gpkg)
        elif bench_national.LAYER.exists():
            bench_national.imports(gpkg, tmp, villages=True)
        else:
            print(f"backend bench skipped: {bench_national.LAYER} not found")
            return 0
        conn = store.connect(gpkg, readonly=True)
        counts = store.counts_by_level(conn)["2025"]
        conn.close()
        url = postgres.new_database(server, "bench")
        start = time.perf_counter()
        report = postgis.to_postgis(gpkg, url)
        copied = time.perf_counter() - start
        print(f"Backends bench: {counts.get('province', 0)} provinces, {counts.get('commune', 0):,} communes, "
              f"{counts.get('village', 0):,} villages; {os.cpu_count()} cores; PostgreSQL 15 + PostGIS 3 on loopback")
        print(f"  webmap store copy GeoPackage → PostGIS: {copied:.1f} s, verified "
              f"{'ok' if report.ok else 'DIFFERS'} (rows and geometry hashes)")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        local = {"gpkg": str(tmp / "local-gpkg"), "pg": str(tmp / "local-pg")}
        # 1. pages and OGC items, a fresh process each (cold), then the same request again (warm)
        built = {}
        for name, path in (("map page, Thanh Hóa's 166 communes", PAGE), ("OGC items, 100 communes", OGC)):
            a = _json([sys.executable, "-c", BUILD, str(gpkg), path, local["gpkg"]], env)
            b = built[path] = _json([sys.executable, "-c", BUILD, url, path, local["pg"]], env)
            _ratio(f"{name}, cold", a["cold"], b["cold"])
            _ratio(f"{name}, warm (in-process cache)", a["warm"], b["warm"])
        # 2. a second server asks for the page the first built: from the shared page store
        again = _json([sys.executable, "-c", BUILD, url, PAGE, str(tmp / "local-pg-2")], env)
        print(f"  the same page on a second PostGIS server, first request: {again['cold']:.3f} s (built once, "
              f"shared through the database; built cold: {built[PAGE]['cold']:.3f} s)")
        # 3. an indicator table of every commune, imported with all checks
        sheet = tmp / "ho_ngheo_3321_xa.csv"
        _sheet(sheet, gpkg)
        times = {}
        for key, where in (("gpkg", str(gpkg)), ("pg", url)):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "webmap", "import", "indicators", str(sheet)],
                                  env={**env, "WEBMAP_DB": where, "WEBMAP_LOCAL_DIR": local[key]},
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-2000:])
            times[key] = time.perf_counter() - start
        _ratio(f"import: {counts.get('commune', 0):,} communes' figures (a process)", times["gpkg"], times["pg"])
        # 4. village tiles, cold (the GeoPackage encoder builds its index first)
        zxy = [(8, x, y) for x in range(200, 206) for y in range(110, 116)]
        a = _json([sys.executable, "-c", TILES, str(gpkg), json.dumps(zxy)], env)
        b = _json([sys.executable, "-c", TILES, url, json.dumps(zxy)], env)
        _ratio(f"{len(zxy)} village tiles at zoom 8, cold", a["s"], b["s"])
        print(f"  {'':<52} {a['bytes'] / 2**20:8.2f} MB             {b['bytes'] / 2**20:8.2f} MB")
        # 5. the country's villages drawn from PostGIS through gunicorn, in Chromium
        proc, base = bench_server._start(url, dev=False)  # type: ignore[arg-type]
        try:
            view = bench_national._first_view(base + "/map/indicator/poor_household_rate?unit=VN&level=village")
            print(f"  the country's villages from PostGIS, first view: {view['bytes'] / 2**20:5.2f} MB transferred "
                  f"(target < 2 MB), drawn in {view['s']:5.2f} s ({view['errors']} console errors)")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
