"""Benchmark: the home page against a plain ``folium.GeoJson`` of the raw boundaries.

Both pages are served by the same Flask app in the same run and opened in Debian's
Chromium; the baseline is what a first folium attempt produces (full-resolution
geometry, folium's default assets, served locally so the run stays offline).
Prints transferred bytes (compressed, as on the wire), the HTML size, and the time
from navigation to all 38 commune polygons drawn, with ratios. No assertions:
timings are noisy on shared machines, so read the ratios.

Usage: ``python scripts/bench_home.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402

from geodata import store  # noqa: E402
from tests.browser import browser_page, live_server  # noqa: E402
from webmap import assets, create_app  # noqa: E402

N_POLYGONS = 38
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


def measure(base: str, path: str, runs: int) -> dict[str, float]:
    draws, wire, html_bytes = [], [], 0
    for _ in range(runs):
        with browser_page() as (page, traffic):
            sizes: list[int] = []
            page.on("requestfinished", lambda r, sizes=sizes: sizes.append(
                r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
            page.add_init_script(DRAW_PROBE)
            response = page.goto(base + path)
            page.wait_for_function("window.__drawn !== undefined", timeout=120_000)
            draws.append(page.evaluate("window.__drawn") / 1000)
            page.wait_for_load_state("networkidle")
            html_bytes = len(response.body())
            wire.append(sum(sizes))
            foreign = traffic.foreign_hosts()
            if foreign:
                raise SystemExit(f"{path} requested outside hosts: {foreign}")
    return {"draw_s": statistics.median(draws), "wire_bytes": statistics.median(wire), "html_bytes": html_bytes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.gpkg"
        shutil.copyfile(ROOT / "data/sample/sample.gpkg", db)
        app = create_app({"WEBMAP_DB": str(db)})
        plain = plain_folium_html(db)
        app.add_url_rule("/bench/plain-folium", "bench_plain", lambda: plain)
        with live_server(app) as base:
            ours = measure(base, "/", args.runs)
            baseline = measure(base, "/bench/plain-folium", args.runs)
    print(f"Lai Châu commune map, {N_POLYGONS} polygons, median of {args.runs} runs (Debian Chromium, headless)")
    print(f"{'page':<28}{'HTML bytes':>14}{'transferred':>14}{'draw (s)':>10}")
    for name, r in (("home page (/)", ours), ("plain folium.GeoJson", baseline)):
        print(f"{name:<28}{r['html_bytes']:>14,}{r['wire_bytes']:>14,.0f}{r['draw_s']:>10.3f}")
    print(f"ratio plain/ours: HTML {baseline['html_bytes'] / ours['html_bytes']:.1f}x, "
          f"transferred {baseline['wire_bytes'] / ours['wire_bytes']:.1f}x, "
          f"draw time {baseline['draw_s'] / ours['draw_s']:.1f}x")


if __name__ == "__main__":
    main()
