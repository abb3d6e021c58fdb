"""Benchmark: the home page against a plain ``folium.GeoJson`` of the raw boundaries.

Both pages are served by the same Flask app in the same run and opened in Debian's
Chromium; the baseline is what a first folium attempt produces (full-resolution
geometry, folium's default assets, served locally so the run stays offline).
Prints transferred bytes (compressed, as on the wire), the HTML size, and the time
from navigation to all 38 commune polygons drawn, with ratios. No assertions:
timings are noisy on shared machines, so read the ratios.

Usage: ``python scripts/bench_home.py [--runs 15]``
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402

from geodata import store  # noqa: E402
from tests.browser import browser_page, live_server  # noqa: E402
from webmap import assets, create_app  # noqa: E402

N_POLYGONS = 38
# A freshly launched Chromium keeps starting its helper processes for a moment; on
# 2 cores that work competed with the page and spread one page's draw time from
# 0.18 s to 0.43 s.  Each run waits this long after launch, then navigates.
SETTLE_S = 1.0
DRAW_PROBE = """
(() => {
  const want = N_POLYGONS;
  const tick = () => {
    if (document.querySelectorAll('path.leaflet-interactive').length >= want) {
      window.__drawn = performance.now();
    } else { requestAnimationFrame(tick); }
  };
  requestAnimationFrame(tick);
})();
""".replace("N_POLYGONS", str(N_POLYGONS))


def plain_folium_html(db: Path) -> str:
    """The naive page: every vertex, folium's default assets (vendored copies)."""
    conn = store.connect(db, readonly=True)
    communes = store.units_frame(conn, level="commune", parent="12")
    conn.close()
    m = folium.Map(location=[22.3, 103.2], zoom_start=9, tiles=None)
    folium.GeoJson(communes[["code", "full_name", "geometry"]].to_json(), name="communes").add_to(m)
    known = assets.manifest()
    # Keep folium's defaults, served locally; the two that are not on npm are dropped.
    m.default_js = [(n, assets.local_url(u)) for n, u in m.default_js if u.split("://", 1)[1] in known]
    m.default_css = [(n, assets.local_url(u)) for n, u in m.default_css if u.split("://", 1)[1] in known]
    return m.get_root().render()


def measure_once(base: str, path: str) -> tuple[float, int, int]:
    """(seconds to draw, bytes on the wire, HTML bytes) for one fresh browser."""
    with browser_page() as (page, traffic):
        sizes: list[int] = []
        page.on("requestfinished", lambda r: sizes.append(
            r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
        page.add_init_script(DRAW_PROBE)
        time.sleep(SETTLE_S)
        response = page.goto(base + path)
        page.wait_for_function("window.__drawn !== undefined", timeout=120_000)
        drawn = page.evaluate("window.__drawn") / 1000
        page.wait_for_load_state("networkidle")
        foreign = traffic.foreign_hosts()
        if foreign:
            raise SystemExit(f"{path} requested outside hosts: {foreign}")
        return drawn, sum(sizes), len(response.body())


def measure(base: str, paths: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Alternate the pages run by run, after one unmeasured load of each (it builds
    the page cache and warms the disk): a machine that slows down mid-run then slows
    both pages, not only the one measured last."""
    for path in paths:
        measure_once(base, path)
    samples: dict[str, list[tuple[float, int, int]]] = {p: [] for p in paths}
    for _ in range(runs):
        for path in paths:
            samples[path].append(measure_once(base, path))
    out = {}
    for path, rows in samples.items():
        draws = [r[0] for r in rows]
        out[path] = {"draw_s": statistics.median(draws), "draw_min": min(draws), "draw_max": max(draws),
                     "wire_bytes": statistics.median(r[1] for r in rows), "html_bytes": rows[-1][2]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.gpkg"
        shutil.copyfile(ROOT / "data/sample/sample.gpkg", db)
        app = create_app({"WEBMAP_DB": str(db)})
        plain = plain_folium_html(db)
        app.add_url_rule("/bench/plain-folium", "bench_plain", lambda: plain)
        with live_server(app) as base:
            results = measure(base, ["/", "/bench/plain-folium"], args.runs)
    ours, baseline = results["/"], results["/bench/plain-folium"]
    print(f"Lai Châu commune map, {N_POLYGONS} polygons, median of {args.runs} alternating runs "
          "(Debian Chromium, headless)")
    print(f"{'page':<28}{'HTML bytes':>14}{'transferred':>14}{'draw (s)':>10}{'range (s)':>16}")
    for name, r in (("home page (/)", ours), ("plain folium.GeoJson", baseline)):
        print(f"{name:<28}{r['html_bytes']:>14,}{r['wire_bytes']:>14,.0f}{r['draw_s']:>10.3f}"
              f"{r['draw_min']:>9.3f}-{r['draw_max']:.3f}")
    print(f"ratio plain/ours: HTML {baseline['html_bytes'] / ours['html_bytes']:.1f}x, "
          f"transferred {baseline['wire_bytes'] / ours['wire_bytes']:.1f}x, "
          f"draw time {baseline['draw_s'] / ours['draw_s']:.1f}x")


if __name__ == "__main__":
    main()
