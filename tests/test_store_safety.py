"""The store survives what operators do: kill -9 mid-import, two writers, readers during an
import, a damaged or read-only file, backups and restores; the CLI never prints a traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geodata import store
from tests.conftest import ROOT, SAMPLE
from webmap.__main__ import main


def _dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def _many_communes(path: Path, n: int = 3000) -> Path:
    """``n`` new communes in Lai Châu's box: an import long enough to be killed mid-write."""
    side = int(n ** 0.5) + 1
    cells = [shapely.box(102.3 + 0.0005 * (i % side), 21.7 + 0.0005 * (i // side),
                         102.3 + 0.0005 * (i % side) + 0.0004, 21.7 + 0.0005 * (i // side) + 0.0004)
             for i in range(n)]
    frame = gpd.GeoDataFrame({"code": [f"9{i:04d}" for i in range(n)], "full_name": [f"Xã Thử {i}" for i in range(n)],
                              "parent_code": ["12"] * n}, geometry=cells, crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def _cli(db: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "WEBMAP_DB": str(db), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "webmap", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture
def working(tmp_path) -> Path:
    """A working store as a server or the CLI makes it (recovered, WAL)."""
    path = tmp_path / "webmap.gpkg"
    store.ensure_store(path, SAMPLE)
    return path


def _write_phase(db: Path, source: Path) -> tuple[subprocess.Popen, Path]:
    """Start an import and return once it holds the write transaction (its marker exists)."""
    proc = _cli(db, "import", "boundaries", str(source), "--level", "commune")
    marker = db.with_name(db.name + ".import-running")
    deadline = time.time() + 120
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    return proc, marker


@pytest.fixture(scope="module")
def write_seconds(tmp_path_factory) -> float:
    """How long the write phase of the test import lasts here (to kill it at fractions of it)."""
    d = tmp_path_factory.mktemp("timing")
    db = d / "webmap.gpkg"
    store.ensure_store(db, SAMPLE)
    proc, marker = _write_phase(db, _many_communes(d / "many.geojson"))
    start = time.perf_counter()
    while marker.exists():
        time.sleep(0.002)
    seconds = time.perf_counter() - start
    assert proc.wait(timeout=300) == 0
    return seconds


@pytest.mark.parametrize("fraction", [0.05, 0.4, 0.8])
def test_kill_9_mid_import_rolls_back_to_exactly_before(tmp_path, write_seconds, fraction):
    source = _many_communes(tmp_path / "many.geojson")
    for attempt in range(4):  # on a loaded machine the import may finish first: kill sooner
        working = tmp_path / f"try{attempt}" / "webmap.gpkg"
        working.parent.mkdir()
        store.ensure_store(working, SAMPLE)
        before = _dump(working)
        proc, marker = _write_phase(working, source)
        assert proc.poll() is None, proc.communicate()  # still writing
        time.sleep(write_seconds * fraction / 2**attempt)
        if proc.poll() is None and marker.exists():
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            break
    assert proc.returncode == -signal.SIGKILL, "the import always finished before it could be killed"
    after = _cli(working, "imports", "list")
    _out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert "interrupted and rolled back" in err and "many.geojson" in err and "Traceback" not in err
    assert not marker.exists()
    assert _dump(working) == before
    conn = sqlite3.connect(working)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM units WHERE code LIKE '9____'").fetchone()[0] == 0
    conn.close()


def test_a_second_writer_queues_and_readers_see_the_old_data_until_commit(working, tmp_path):
    source = _many_communes(tmp_path / "many.geojson", 1500)
    other = tmp_path / "x.csv"
    other.write_text("Mã xã,Năm,Tổng số hộ\n03390,2031,4600\n", encoding="utf-8")
    first = _cli(working, "import", "boundaries", str(source), "--level", "commune")
    marker = working.with_name(working.name + ".import-running")
    while not marker.exists() and first.poll() is None:
        time.sleep(0.01)
    second = _cli(working, "import", "indicators", str(other))
    reader = store.connect(working, readonly=True)
    seen = []
    while first.poll() is None:
        seen.append(reader.execute("SELECT COUNT(*) FROM units WHERE code LIKE '9____'").fetchone()[0])
        time.sleep(0.05)
    assert set(seen) <= {0, 1500}  # before or after the commit, never a half-written import
    assert first.wait() == 0 and second.wait(timeout=120) == 0, (first.stderr.read(), second.stderr.read())
    assert reader.execute("SELECT COUNT(*) FROM units WHERE code LIKE '9____'").fetchone()[0] == 1500
    assert reader.execute("SELECT value FROM observations WHERE period='2031'").fetchone()[0] == 4600
    reader.close()


def test_a_locked_store_read_only_disk_and_full_disk_get_a_message_not_a_traceback(working, tmp_path, capsys,
                                                                                 monkeypatch):
    monkeypatch.setenv("WEBMAP_DB", str(working))
    csv = tmp_path / "x.csv"
    csv.write_text("Mã xã,Năm,Tổng số hộ\n03390,2031,4600\n", encoding="utf-8")
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(working)
    blocker.execute("BEGIN IMMEDIATE")
    assert main(["import", "indicators", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "another import is running" in err and "Traceback" not in err
    blocker.rollback()
    blocker.close()

    def full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    from geodata.store import backups
    monkeypatch.setattr(backups, "backup", full)
    assert main(["--lang", "en", "import", "indicators", str(csv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("The disk is full") and "Ổ đĩa đầy" in err
    monkeypatch.undo()
    monkeypatch.setenv("WEBMAP_DB", str(working))

    def readonly(*_args, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(backups, "backup", readonly)
    assert main(["import", "indicators", str(csv)]) == 2
    assert "chỉ đọc" in capsys.readouterr().err
    conn = sqlite3.connect(working)
    assert conn.execute("SELECT COUNT(*) FROM observations WHERE period='2031'").fetchone()[0] == 0


def test_a_damaged_store_is_named_with_its_backup_and_the_server_answers_503(working, tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.setenv("WEBMAP_DB", str(working))
    assert main(["backup"]) == 0
    capsys.readouterr()
    (backup,) = (working.parent / "backups").glob("*.gpkg")
    with working.open("r+b") as fh:  # pages overwritten
        fh.seek(8192)
        fh.write(os.urandom(65536))
    damaged = working.read_bytes()
    assert main(["imports", "list"]) == 2
    err = capsys.readouterr().err
    assert "is damaged" in err and "bị hỏng" in err and str(backup) in err and "Traceback" not in err
    from webmap import create_app

    client = create_app({"WEBMAP_DB": str(working), "TESTING": True}).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and "damaged" in health.get_json()["integrity"]
    page = client.get("/")
    assert page.status_code == 503 and "CSDL tạm thời không phục vụ được" in page.get_data(as_text=True)
    assert working.read_bytes() == damaged  # nothing moved or changed
    assert main(["restore", str(backup)]) == 0
    capsys.readouterr()
    assert main(["imports", "list"]) == 0
    client = create_app({"WEBMAP_DB": str(working), "TESTING": True}).test_client()
    assert client.get("/healthz").get_json()["integrity"] == "ok"


def test_a_truncated_store_is_called_damaged_not_old(working, capsys, monkeypatch):
    monkeypatch.setenv("WEBMAP_DB", str(working))
    size = working.stat().st_size
    with working.open("r+b") as fh:
        fh.truncate(size // 3)
    assert main(["imports", "list"]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "schema version ?" not in err


def test_every_import_leaves_a_backup_kept_five_deep(working, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(working))
    for year in range(2031, 2038):
        f = tmp_path / f"{year}.csv"
        f.write_text(f"Mã xã,Năm,Tổng số hộ\n03390,{year},{year}\n", encoding="utf-8")
        assert main(["import", "indicators", str(f)]) == 0
    kept = sorted((working.parent / "backups").glob("*.gpkg"))
    assert len(kept) == 5
    conn = sqlite3.connect(kept[-1])  # the newest: the store before the last import
    assert conn.execute("SELECT COUNT(*) FROM observations WHERE dataset_id LIKE 'import-%'").fetchone()[0] == 6
    conn.close()


def test_six_readers_during_a_3000_commune_import_get_no_error(working, tmp_path):
    port = 5620
    env = {**os.environ, "WEBMAP_DB": str(working), "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "server.log").open("w")  # a pipe nobody reads would fill and stall the server
    server = subprocess.Popen([sys.executable, "-m", "webmap", "serve", "--port", str(port)], env=env,
                              stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/indicators", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        source = _many_communes(tmp_path / "many.geojson")
        importer = _cli(working, "import", "boundaries", str(source), "--level", "commune")
        stop = threading.Event()
        results: list[int] = []
        failures: list[str] = []
        paths = ["/api/indicators", "/api/progress?unit=03390&indicator=grain_output_t&period=2025H1",
                 "/api/layers/units.geojson?within=12", "/unit/03390", "/ogc/collections/communes/items?limit=5",
                 "/api/progress?level=commune&within=12&indicator=population_density&period=2025"]

        def read(path: str) -> None:
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(base + path, timeout=120) as r:
                        r.read()
                        results.append(r.status)
                except urllib.error.HTTPError as exc:
                    results.append(exc.code)
                except OSError as exc:
                    results.append(-1)
                    failures.append(f"{path}: {exc!r}")

        threads = [threading.Thread(target=read, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        code = importer.wait(timeout=300)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        assert code == 0, importer.stderr.read()
        assert results and set(results) == {200}, ({c: results.count(c) for c in set(results)}, failures[:3])
        with urllib.request.urlopen(base + "/ogc/collections/communes/items?limit=1&parent_code=12") as r:
            body = r.read().decode()
        assert '"numberMatched": 3038' in body.replace('"numberMatched":3038', '"numberMatched": 3038')
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_a_store_on_a_read_only_disk_is_still_served_and_read(tmp_path, monkeypatch, capsys):
    from geodata.store import integrity

    path = tmp_path / "webmap.gpkg"
    shutil.copyfile(SAMPLE, path)

    def refuse(_conn):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(integrity, "_set_wal", refuse)
    monkeypatch.setenv("WEBMAP_DB", str(path))
    assert main(["imports", "list"]) == 0
    from webmap import create_app

    client = create_app({"WEBMAP_DB": str(path), "TESTING": True}).test_client()
    assert client.get("/healthz").get_json()["journal_mode"] == "delete"
    assert client.get("/unit/03390").status_code == 200


@pytest.mark.parametrize("location", ["postgresql://gis:hemmelig@db.local/webmap", "postgres://db/webmap",
                                      "sqlite:///tmp/x.gpkg"])
def test_a_database_url_is_refused_by_name_and_creates_nothing(tmp_path, monkeypatch, capsys, location):
    """``WEBMAP_DB=postgresql://…`` was taken for a file name: the server started on a fresh sample
    copy in a folder called ``postgresql:`` and nothing said the URL was not understood.  A PostGIS
    URL is now the shared store: one that cannot be reached says so (never its password); another
    kind of URL is refused by name."""
    from webmap import create_app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBMAP_DB", location)
    assert main(["export", "units", "--format", "geojson", "-o", str(tmp_path / "x.geojson")]) == 2
    err = capsys.readouterr().err
    if location.startswith("postgres"):
        assert "không kết nối được CSDL PostGIS" in err and "cannot connect to PostGIS" in err, err
    else:
        assert "không hiểu địa chỉ này" in err and "is not understood" in err, err
    assert "hemmelig" not in err
    app = create_app({"WEBMAP_DB": location})
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and "hemmelig" not in health.get_data(as_text=True)
    assert client.get("/map/poverty").status_code == 503
    assert sorted(os.listdir(tmp_path)) == []  # no folder 'postgresql:', no sample copy, no key file
