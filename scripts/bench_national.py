"""Benchmark at national size: every row beside a baseline measured in the same run.

1. Imports of the real national layer (34 provinces, 3,321 communes, code tables, crosswalk) and
   of 69,741 generated villages, each as a ``webmap`` process (wall time, peak memory from
   ``wait4``), beside ``ogr2ogr`` copying the same layer into a new GeoPackage (no checks).
2. Page build, cold (a fresh process per page): the country, a province's communes (Thanh Hóa,
   166), a commune's villages, beside a plain ``folium.GeoJson`` of the same units.
3. Draw in Debian Chromium (median of runs): the same pages beside the plain folium page.
4. OGC API items throughput under ``wrk -c 64`` on gunicorn, with and without gzip, with its errors.
5. Exports of all communes (GeoPackage, GeoJSON) as ``webmap export`` beside ``ogr2ogr``.
6. The data workflow (``scripts/bench_workflow.py``): Thanh Hóa's village page with drafts beside
   without, an approval beside plain inserts, the upload preview beside the CLI's dry run.
7. Vector tiles: every zoom-5/8 tile of the country's villages, cold and cached, beside GDAL's own
   MVT writer (``ogr2ogr -f MVT``) on the same villages and zoom; Thanh Hóa's villages as tiles
   beside the same page as one GeoJSON (both ours); the national village map's first view in
   Chromium (bytes, draw time).

No assertions: read the ratios.  ``python scripts/bench_national.py [--runs 5] [--no-villages]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata import store  # noqa: E402
from scripts import bench_server, bench_workflow, import_national  # noqa: E402

SHARED = ROOT.parent / "shared"
LAYER = SHARED / "data/raw/vietnamese-provinces-database/national/vn_admin_2025.gpkg"
PROVINCE = "38"  # Thanh Hóa: 166 communes, the most of any province
PAGES = {
    "country (34 provinces)": ("/country", "province", None),
    "Thanh Hóa (166 communes)": (f"/map/indicator/population_density?unit={PROVINCE}", "commune", PROVINCE),
}


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak resident MB and output of one command in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / 1024, out


def ogr2ogr_copy(src: Path, layer: str | None, out: Path, sql: str | None = None) -> tuple[float, float]:
    out.unlink(missing_ok=True)
    cmd = ["ogr2ogr", "-f", "GeoJSON" if out.suffix == ".geojson" else "GPKG", str(out), str(src)]
    cmd += ["-sql", sql, "-nln", "units"] if sql else [layer] if layer else []
    code, seconds, peak, text = timed(cmd)
    if code != 0:
        raise SystemExit(text)
    return seconds, peak


def row(name: str, ours: tuple[float, float], base: tuple[float, float], base_name: str) -> None:
    print(f"  {name:<44}{ours[0]:8.2f} s {ours[1]:7.0f} MB   {base_name} {base[0]:7.2f} s {base[1]:6.0f} MB"
          f"   time {ours[0] / base[0]:5.1f}×  memory {ours[1] / base[1]:5.1f}×")


def imports(store_path: Path, tmp: Path, villages: bool) -> None:
    print("1. Import (each a process; baseline: ogr2ogr copying the same layer, no checks)")
    shutil.copyfile(ROOT / "data/sample/sample.gpkg", store_path)
    env = {**os.environ, "WEBMAP_DB": str(store_path), "PYTHONPATH": str(ROOT)}
    baselines = {"provinces": ogr2ogr_copy(LAYER, "provinces", tmp / "p.gpkg"),
                 "communes": ogr2ogr_copy(LAYER, "communes", tmp / "c.gpkg")}
    for step in import_national.steps(SHARED):
        code, seconds, peak, out = timed([sys.executable, "-m", "webmap", *step], env)
        if code != 0:
            raise SystemExit(out)
        name = f"{step[1]} {Path(step[2]).name} {' '.join(s for s in step[3:] if not s.startswith('--'))}"
        layer = step[4] if step[1] == "boundaries" else None
        if layer in baselines:
            row(name[:44], (seconds, peak), baselines[layer], "ogr2ogr")
        else:
            print(f"  {name[:44]:<44}{seconds:8.2f} s {peak:7.0f} MB   (a table: no geometry baseline)")
    if not villages:
        return
    gen = tmp / "villages.gpkg"
    code, seconds, _, out = timed([sys.executable, str(ROOT / "scripts/make_villages.py"), "--store", str(store_path),
                                   "--per-commune", "21", "-o", str(gen)], env)
    if code != 0:
        raise SystemExit(out)
    base = ogr2ogr_copy(gen, None, tmp / "v.gpkg")
    code, seconds, peak, out = timed([sys.executable, "-m", "webmap", "import", "boundaries", str(gen),
                                      "--level", "village"], env)
    if code != 0:
        raise SystemExit(out)
    row("boundaries: 69,741 villages (all checks on)", (seconds, peak), base, "ogr2ogr")


BUILD = r"""
import json, sys, time
from webmap import create_app
app = create_app({"WEBMAP_DB": sys.argv[1]})
client = app.test_client()
start = time.perf_counter()
response = client.get(sys.argv[2])
print(json.dumps({"s": time.perf_counter() - start, "status": response.status_code, "bytes": len(response.data)}))
"""

BUILD_GZIP = BUILD.replace("client.get(sys.argv[2])", "client.get(sys.argv[2], headers={'Accept-Encoding': 'gzip'})")

PLAIN = r"""
import json, sys, time
import folium
from geodata import store
conn = store.connect(sys.argv[1], readonly=True)
start = time.perf_counter()
parent = sys.argv[3] or None
if sys.argv[2] == "village" and parent and len(parent) == 2:  # a province's villages: of all its communes
    parent = store.units.child_codes(conn, parent, level="commune")
units = store.units_frame(conn, level=sys.argv[2], parent=parent)
b = units.total_bounds
m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=7, tiles=None)
folium.GeoJson(units[["code", "full_name", "geometry"]].to_json(), name="units",
               popup=folium.GeoJsonPopup(["full_name", "code"])).add_to(m)
from webmap import assets
known = assets.manifest()  # folium's default assets, the vendored copies (the run stays offline)
m.default_js = [(n, assets.local_url(u)) for n, u in m.default_js if u.split("://", 1)[1] in known]
m.default_css = [(n, assets.local_url(u)) for n, u in m.default_css if u.split("://", 1)[1] in known]
html = m.get_root().render()
open(sys.argv[4], "w").write(html)
print(json.dumps({"s": time.perf_counter() - start, "bytes": len(html.encode()), "n": len(units)}))
"""


def _json_of(cmd: list[str], env: dict[str, str]) -> dict:
    code, _, peak, out = timed(cmd, env)
    if code != 0:
        raise SystemExit(out)
    return {**json.loads(out.strip().splitlines()[-1]), "peak": peak}


def pages(store_path: Path, tmp: Path, village_commune: str | None) -> dict[str, tuple[str, Path, int]]:
    print("2. Page build, cold (a fresh process per page; baseline: folium.GeoJson of the same units)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    todo = dict(PAGES)
    if village_commune:
        todo[f"commune {village_commune} (villages)"] = (
            f"/map/indicator/population_density?unit={village_commune}", "village", village_commune)
        todo["Thanh Hóa's 3,486 villages"] = (
            f"/map/indicator/population_density?unit={PROVINCE}&level=village", "village", PROVINCE)
    out = {}
    for name, (path, level, parent) in todo.items():
        ours = _json_of([sys.executable, "-c", BUILD, str(store_path), path], env)
        plain_file = tmp / f"plain_{level}_{parent}.html"
        base = _json_of([sys.executable, "-c", PLAIN, str(store_path), level, parent or "", str(plain_file)], env)
        print(f"  {name:<30} {ours['s']:6.2f} s {ours['bytes']:>11,} B (HTTP {ours['status']})   plain folium "
              f"{base['s']:6.2f} s {base['bytes']:>11,} B   time {base['s'] / ours['s']:5.1f}× faster, "
              f"{base['bytes'] / ours['bytes']:5.1f}× smaller")
        out[name] = (path, plain_file, base["n"])
    return out


def _serve(store_path: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn on the store (bench_server's start-up; the national store takes longer to check)."""
    return bench_server._start(store_path, dev=False)


PROBE = """
(() => {
  const want = WANT;
  const drawn = () => {  // a page of vector tiles is drawn when every visible tile is
    const t = window.webmapTiles;
    if (t) { return Object.keys(t._tiles).length && !t.isLoading() ? want : 0; }
    return document.querySelectorAll('path.leaflet-interactive').length;
  };
  const tick = () => {
    if (drawn() >= want) {
      window.__drawn = performance.now();
    } else { requestAnimationFrame(tick); }
  };
  requestAnimationFrame(tick);
})();
"""


PAN = """async () => {
  const map = Object.values(window).find(v => v && v instanceof L.Map);
  const frames = [];
  let last = performance.now(), running = true;
  const tick = now => { frames.push(now - last); last = now; if (running) { requestAnimationFrame(tick); } };
  requestAnimationFrame(tick);
  for (let i = 0; i < 12; i++) {
    map.panBy([i % 2 ? -240 : 240, i % 3 ? 120 : -120], {animate: true, duration: 0.25});
    await new Promise(r => setTimeout(r, 300));
  }
  running = false;
  frames.sort((a, b) => a - b);
  return [frames[Math.floor(frames.length / 2)], frames[Math.floor(frames.length * 0.95)], frames.length];
}"""


def _pan(url: str, want: int) -> tuple[float, float]:
    """Median and 95th-percentile frame time (ms) while the map pans twelve times."""
    from tests.browser import browser_page

    with browser_page() as (page, _traffic):
        page.add_init_script(PROBE.replace("WANT", str(want)))
        page.goto(url, timeout=180_000)
        page.wait_for_function("window.__drawn !== undefined", timeout=180_000)
        median, p95, _ = page.evaluate(PAN)
        return median, p95


def _draw(url: str, want: int) -> tuple[float, list[str]]:
    from tests.browser import browser_page

    with browser_page() as (page, traffic):
        page.add_init_script(PROBE.replace("WANT", str(want)))
        time.sleep(1.0)  # Chromium's helpers settle (see bench_home)
        page.goto(url, timeout=180_000)
        page.wait_for_function("window.__drawn !== undefined", timeout=180_000)
        return page.evaluate("window.__drawn") / 1000, traffic.console_errors


def draws(store_path: Path, built: dict[str, tuple[str, Path, int]], runs: int) -> None:
    print(f"3. Draw in Chromium, median of {runs} (baseline: the plain folium page of the same units)")
    import http.server
    import threading

    plain_dir = next(iter(built.values()))[1].parent
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = lambda *a, **k: Quiet(*a, directory=str(plain_dir), **k)  # noqa: E731
    static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    proc, base = _serve(store_path)
    try:
        for name, (path, plain_file, n) in built.items():
            text = plain_file.read_text()  # its vendored assets from the app's /static
            plain_file.write_text(text.replace('"/static/', f'"{base}/static/'))
            urllib.request.urlopen(base + path, timeout=300).read()  # built once, as a visitor after the first
            ours = [_draw(base + path, n) for _ in range(runs)]
            plain = [_draw(f"http://127.0.0.1:{static.server_port}/{plain_file.name}", n) for _ in range(runs)]
            a, b = statistics.median(t for t, _ in ours), statistics.median(t for t, _ in plain)
            errors = sum(len(e) for _, e in ours)
            print(f"  {name:<30} {a:6.2f} s ({errors} console errors)   plain folium {b:6.2f} s   {b / a:5.1f}× sooner")
            if n > 1000:  # a big page: is panning smooth?
                pm, p95 = _pan(base + path, n)
                bm, b95 = _pan(f"http://127.0.0.1:{static.server_port}/{plain_file.name}", n)
                print(f"  {'  pan, frame time':<30} median {pm:5.1f} ms, p95 {p95:5.1f} ms   plain folium median "
                      f"{bm:5.1f} ms, p95 {b95:5.1f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        static.shutdown()


def _wrk(url: str, gzip: bool, seconds: int = 10) -> tuple[float, int, float]:
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"] + (["-H", "Accept-Encoding: gzip"] if gzip else [])
    text = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rate = float(next(ln.split()[1] for ln in text.splitlines() if ln.startswith("Requests/sec")))
    errors = sum(int(n) for ln in text.splitlines() if "Non-2xx" in ln for n in ln.split()[-1:])
    for ln in text.splitlines():
        if "Socket errors" in ln:
            errors += sum(int(p.split()[-1]) for p in ln.split(":", 1)[1].split(","))
    transfer = next(ln.split()[1] for ln in text.splitlines() if ln.startswith("Transfer/sec"))
    scale = {"KB": 1e-3, "MB": 1.0, "GB": 1e3}
    return rate, errors, float(transfer[:-2]) * scale.get(transfer[-2:], 1e-6)


def throughput(store_path: Path) -> None:
    if not shutil.which("wrk"):
        print("4. wrk is not installed (apt-get install wrk): throughput rows skipped")
        return
    print("4. Throughput on gunicorn, wrk -t2 -c64 for 10 s (gzip vs identity; errors = non-2xx + socket)")
    proc, base = _serve(store_path)
    try:
        for path in ("/ogc/collections/communes/items?limit=10", "/ogc/collections/communes/items?limit=100",
                     "/country", f"/map/indicator/population_density?unit={PROVINCE}"):
            urllib.request.urlopen(base + path, timeout=300).read()
            g, ge, gt = _wrk(base + path, True)
            i, ie, it = _wrk(base + path, False)
            print(f"  {path[:58]:<58} gzip {g:8.1f} req/s {gt:7.1f} MB/s ({ge} err)   identity {i:8.1f} req/s "
                  f"{it:7.1f} MB/s ({ie} err)   {g / i:4.2f}×")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def exports(store_path: Path, tmp: Path) -> None:
    print("5. Export of every 2025 commune (a process each; baseline ogr2ogr from the store)")
    env = {**os.environ, "WEBMAP_DB": str(store_path), "PYTHONPATH": str(ROOT)}
    sql = store.units.ogr_sql("commune")
    for fmt in ("gpkg", "geojson"):
        out = tmp / f"ours.{fmt}"
        code, seconds, peak, text = timed([sys.executable, "-m", "webmap", "export", "units", "--format", fmt,
                                           "--level", "commune", "-o", str(out)], env)
        if code != 0:
            raise SystemExit(text)
        base = ogr2ogr_copy(store_path, None, tmp / f"base.{fmt}", sql=sql)
        row(f"{fmt} ({out.stat().st_size / 2**20:.0f} MB)", (seconds, peak), base, "ogr2ogr")


TILES = r"""
import json, math, sys, time
from geodata import store, vector_tiles
conn = store.connect(sys.argv[1], readonly=True)
start = time.perf_counter()
frame = store.units_frame(conn, level="village", screen=True)
index = vector_tiles.Index.of(list(frame["code"]), list(frame["full_name"]), list(frame.geometry))
built = time.perf_counter() - start
west, south, east, north = frame.total_bounds
out = {"index_s": built, "n": len(index.codes)}
for z in map(int, sys.argv[2].split(",")):
    n = 2 ** z
    col = lambda lon: int((lon + 180) / 360 * n)
    row = lambda lat: int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    start, size, count = time.perf_counter(), 0, 0
    for x in range(col(west), col(east) + 1):
        for y in range(row(north), row(south) + 1):
            data = vector_tiles.encode(index, z, x, y)
            size, count = size + len(data), count + (len(data) > 20)
    out[z] = {"s": time.perf_counter() - start, "bytes": size, "tiles": count}
print(json.dumps(out))
"""


def _first_view(url: str) -> dict[str, float]:
    """Bytes the browser fetched and seconds until every visible tile was drawn."""
    from tests.browser import browser_page

    with browser_page() as (page, traffic):
        page.add_init_script(PROBE.replace("WANT", "1"))
        page.goto(url, timeout=300_000)
        page.wait_for_function("window.__drawn !== undefined", timeout=300_000)
        sizes = page.evaluate("""() => { let total = performance.getEntriesByType('navigation')[0].transferSize;
            for (const r of performance.getEntriesByType('resource')) { total += r.transferSize; } return total; }""")
        return {"s": page.evaluate("window.__drawn") / 1000, "bytes": sizes, "errors": len(traffic.console_errors)}


def tiles(store_path: Path, tmp: Path) -> None:
    print("7. Vector tiles of the 69,741 villages (ours: geodata.vector_tiles; baseline: ogr2ogr -f MVT, same zoom)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for zooms in ("5", "8"):
        ours = _json_of([sys.executable, "-c", TILES, str(store_path), zooms], env)
        z = ours[zooms]
        out_dir = tmp / f"mvt{zooms}"
        shutil.rmtree(out_dir, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "MVT", str(out_dir), str(store_path), "-sql",
                        store.units.ogr_sql("village", "code, full_name, geom", None), "-nln", "units",
                        "-dsco", f"MINZOOM={zooms}", "-dsco", f"MAXZOOM={zooms}", "-dsco", "COMPRESS=NO"],
                       check=True, capture_output=True)
        gdal_s = time.perf_counter() - start
        gdal_bytes = sum(f.stat().st_size for f in out_dir.rglob("*.pbf"))
        print(f"  zoom {zooms}: {z['tiles']:>4} tiles {z['s']:6.2f} s {z['bytes'] / 2**20:6.2f} MB (+ index "
              f"{ours['index_s']:.2f} s, once per data version)   ogr2ogr -f MVT {gdal_s:6.2f} s "
              f"{gdal_bytes / 2**20:6.2f} MB   {gdal_s / z['s']:5.2f}× ours faster")
    proc, base = _serve(store_path)
    try:
        page = f"/map/indicator/population_density?unit={PROVINCE}&level=village"
        tiled = _first_view(base + page)
        print(f"  Thanh Hóa's villages, first view from tiles: {tiled['bytes'] / 2**20:5.2f} MB, drawn in "
              f"{tiled['s']:5.2f} s ({tiled['errors']} console errors)")
        national = _first_view(base + "/map/indicator/poor_household_rate?unit=VN&level=village")
        print(f"  the country's villages, first view from tiles: {national['bytes'] / 2**20:5.2f} MB (target < 2 MB), "
              f"drawn in {national['s']:5.2f} s, cold ({national['errors']} console errors)")
        again = _first_view(base + "/map/indicator/poor_household_rate?unit=VN&level=village")
        print(f"  the same, tiles cached: {again['bytes'] / 2**20:5.2f} MB, drawn in {again['s']:5.2f} s   "
              f"{national['s'] / again['s']:5.1f}× sooner than cold")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WEBMAP_VECTOR_TILES_ABOVE": "1000000"}
    geojson = _json_of([sys.executable, "-c", BUILD_GZIP, str(store_path), page], env)
    print(f"  Thanh Hóa's villages as one GeoJSON page (ours, tiles off): {geojson['bytes'] / 2**20:5.2f} MB gzip, "
          f"the page alone   {geojson['bytes'] / tiled['bytes']:5.1f}× the tiled first view (page, assets, tiles)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-villages", action="store_true")
    parser.add_argument("--only-workflow", action="store_true", help="the imports, then section 6 only")
    args = parser.parse_args()
    if not LAYER.exists():
        print(f"national bench skipped: {LAYER} not found")
        return 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store_path = tmp / "national.gpkg"
        print("National bench (2025: 34 provinces, 3,321 communes" + ("" if args.no_villages else
              ", 69,741 illustrative villages") + f"; {os.cpu_count()} cores)")
        imports(store_path, tmp, not args.no_villages)
        if args.only_workflow:
            print("6. Data workflow (an open entry for every village; baselines: the same without the workflow)")
            bench_workflow.run(store_path, "38", None)
            return 0
        commune = None if args.no_villages else "03390"
        built = pages(store_path, tmp, commune)
        draws(store_path, built, args.runs)
        throughput(store_path)
        exports(store_path, tmp)
        if not args.no_villages:
            print("6. Data workflow (an open entry for every village; baselines: the same without the workflow)")
            bench_workflow.run(store_path, "38", None)
            tiles(store_path, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
