"""Benchmark: what the data workflow costs, each beside a baseline in the same run.

1. A province page of villages with ``?drafts=1`` (open entries laid over the approved figures by a
   temporary view) beside the same page without drafts, with one open entry per village.
2. Approving a commune's batch of figures beside inserting the same rows into ``observations``
   in one transaction (what a CLI import writes).
3. The upload preview (every check, nothing written) of a sheet with a row per village beside the
   CLI's dry run of the same file (the cost the web adds: the request, the page).
4. A CSP check: serving the cached home page (its script hashes computed once) beside a static file.
No assertions: read the ratios.  Usage: ``python scripts/bench_workflow.py`` (the sample store);
``scripts/bench_national.py`` runs it on the national store, with an open entry for each of its
69,741 villages and the province page of Thanh Hóa's 3,486.
"""

from __future__ import annotations

import csv
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata import indicator_import, store  # noqa: E402
from geodata.store import workflow  # noqa: E402
from tests.test_workflow import PASSWORD, _users, login, token  # noqa: E402
from webmap import create_app  # noqa: E402

REPEAT = 7


def _median(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(source: Path, province: str = "12", commune: str | None = "03390") -> None:
    """Each measurement on a copy of ``source`` with one open entry per village of the store;
    ``commune`` None: the province's first commune with villages."""
    work = Path(tempfile.mkdtemp(prefix="bench_workflow_"))
    db = work / "webmap.gpkg"
    shutil.copyfile(source, db)
    app = create_app({"WEBMAP_DB": str(db)})
    _users(app)
    conn = store.connect(db)
    villages = store.units.rows(conn, level="village")
    start = time.perf_counter()
    with store.transaction(conn):
        for i, (code, _parent, _name) in enumerate(villages):
            workflow.add_entry(conn, "bench", code, "2025", "poor_households", "2025H1", "actual", 10 + i % 40,
                               "households", state="submitted", source_name="bench.csv", source_row=i + 2)
    print(f"0. {len(villages):,} open entries written (with their audit rows) in {time.perf_counter() - start:.1f} s")
    in_province = set(store.units.child_codes(conn, province))
    conn.close()
    # The baseline: the same figures already approved (in observations), on a copy, without drafts;
    # so both pages evaluate a figure for every village and the difference is the overlay.
    approved_db = work / "approved.gpkg"
    shutil.copyfile(db, approved_db)
    c = store.connect(approved_db)
    with store.transaction(c):
        for reporting in sorted(in_province):
            workflow.approve(c, "bench", reporting, "2025H1")
    c.close()
    approved_app = create_app({"WEBMAP_DB": str(approved_db)})
    client, approved_client = app.test_client(), approved_app.test_client()
    login(client, "quantri", PASSWORD)
    url = f"/map/indicator/poor_households?unit={province}&period=2025H1&level=village"
    n = 0

    def page(c, drafts: bool):
        nonlocal n
        n += 1  # a new argument each time: the page is built, not served from the cache
        resp = c.get(f"{url}&n={n}" + ("&drafts=1" if drafts else ""))
        assert resp.status_code == 200

    shown = sum(1 for v in villages if v[1] in in_province)
    plain, drafts = _median(lambda: page(approved_client, False), 3), _median(lambda: page(client, True), 3)
    print(f"1. province {province} page of its {shown:,} villages: with drafts (an open entry each, laid over by"
          f" the view) {drafts * 1000:.0f} ms, the same figures approved {plain * 1000:.0f} ms, ratio"
          f" {drafts / plain:.2f}")

    commune = commune or min(v[1] for v in villages if v[1] in in_province)
    batch = [v[0] for v in villages if v[1] == commune]
    copy = work / "approve.gpkg"

    def approve():
        shutil.copyfile(db, copy)
        c = store.connect(copy)
        with store.transaction(c):
            workflow.approve(c, "bench", commune, "2025H1")
        c.close()

    def insert():
        shutil.copyfile(db, copy)
        c = store.connect(copy)
        with store.transaction(c):
            for code in batch:
                store.figures.add_figure(c, unit_code=code, unit_vintage="2025", indicator_code="poor_households",
                                         period="2025H1", kind="actual", value=1, scope="unit",
                                         source_doc="bench.csv", dataset_id="plan-docs")
        c.close()

    a, b = _median(approve, 5), _median(insert, 5)
    print(f"2. approving the {len(batch)} figures of commune {commune} (the copy of the store included): {a * 1000:.0f}"
          f" ms, the same rows inserted plainly {b * 1000:.0f} ms, ratio {a / b:.2f}")

    sheet = work / "ban.csv"
    rows = [(v[0], v[2]) for v in villages if v[1] in in_province]  # code and name, as a commune office's sheet
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo", "Số hộ nghèo"])
        w.writerows([code, name, "2025H1", 5 + i] for i, (code, name) in enumerate(rows))
    admin = app.test_client()
    login(admin, "quantri", PASSWORD)

    def web_preview():
        tok = token(admin, "/upload")
        with sheet.open("rb") as fh:
            sent = admin.post("/upload", data={"csrf_token": tok, "file": (fh, sheet.name), "province": province},
                              content_type="multipart/form-data")
        assert admin.get(sent.headers["Location"]).status_code == 200

    def cli_dry():
        c = store.connect(db, readonly=True)
        indicator_import.import_indicators(c, sheet, indicator_import.Options(
            dry_run=True, accept_suggestions=True, skip_unmatched=True, province=province))
        c.close()

    w_, c_ = _median(web_preview, 3), _median(cli_dry, 3)
    print(f"3. upload preview of {len(rows):,} village rows: browser {w_ * 1000:.0f} ms, CLI dry run {c_ * 1000:.0f}"
          f" ms, ratio {w_ / c_:.2f}")

    anon = app.test_client()
    anon.get("/")
    home, static = _median(lambda: anon.get("/"), 50), _median(lambda: anon.get("/static/js/forms.js"), 50)
    print(f"4. cached home page with its script hashes: {home * 1000:.2f} ms, a static file {static * 1000:.2f} ms,"
          f" ratio {home / static:.2f}")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    print("Workflow bench (sample store)")
    run(ROOT / "data" / "sample" / "sample.gpkg")


if __name__ == "__main__":
    main()
