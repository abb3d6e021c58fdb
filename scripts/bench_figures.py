"""Benchmark: one A4 figure (PNG 300 dpi and PDF) and the 38-commune atlas of Lai Châu.

Prints wall time and output size, with the ratio to a baseline measured in the same
run: a bare ``GeoDataFrame.plot`` of the same communes saved at the same size (what a
first attempt would make, without furniture).  No assertions: read the ratios.
Usage: ``python scripts/bench_figures.py``
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from geodata import store  # noqa: E402
from webmap import figures  # noqa: E402
from webmap.figures import FigureRequest  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bare_plot(conn, fmt: str) -> bytes:
    communes = store.units_frame(conn, level="commune", parent="12")
    fig = Figure(figsize=(297 / 25.4, 210 / 25.4), dpi=300)
    FigureCanvasAgg(fig)
    communes.plot(ax=fig.add_subplot(), column="area_km2", cmap="YlGnBu", edgecolor="black", lw=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=300)
    return buf.getvalue()


def main() -> None:
    conn = store.connect(ROOT / "data/sample/sample.gpkg", readonly=True)
    rows = []
    with matplotlib.rc_context(figures.RC):
        for fmt in ("png", "pdf"):
            req = FigureRequest(unit="12", period="2025", indicator="population_density", fmt=fmt, dpi=300)
            t_ours, (data, _info) = timed(lambda req=req: figures.render(conn, req))
            t_bare, bare = timed(lambda fmt=fmt: bare_plot(conn, fmt))
            rows.append((f"A4 {fmt.upper()} 300 dpi, 38 communes", t_ours, len(data), t_bare, len(bare)))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "atlas.pdf"
        req = FigureRequest(unit="12", period="2025", theme="population", fmt="pdf", dpi=300)
        t_atlas, pages = timed(lambda: figures.render_atlas(conn, req, out))
        rows.append((f"atlas, {pages} pages PDF", t_atlas, out.stat().st_size, None, None))
    print(f"{'output':<36}{'time (s)':>10}{'bytes':>14}{'bare plot (s)':>15}{'ratio':>8}")
    for name, t, size, t_bare, _bare_size in rows:
        ratio = f"{t / t_bare:.1f}x" if t_bare else ""
        bare = f"{t_bare:.2f}" if t_bare else ""
        print(f"{name:<36}{t:>10.2f}{size:>14,}{bare:>15}{ratio:>8}")


if __name__ == "__main__":
    main()
