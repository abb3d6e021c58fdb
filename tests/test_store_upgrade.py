"""A working store from an older schema: upgraded with a backup kept, or refused unchanged."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from geodata import store
from geodata.store import schema
from tests.conftest import SAMPLE


def _upgraded(tmp_path: Path, downgrade) -> Path:
    """A copy of the sample made old by ``downgrade``, opened as a working store: upgraded to
    this schema."""
    path = tmp_path / "webmap.gpkg"
    shutil.copyfile(SAMPLE, path)
    downgrade(path)
    assert store.ensure_store(path, SAMPLE) == path
    assert store.schema_version(path) == schema.SCHEMA_VERSION
    return path


def _as_version_7(path: Path) -> None:
    """What a store made before figures kept their source's words looks like, plus a user's figure."""
    with sqlite3.connect(path) as c:
        c.execute("ALTER TABLE observations DROP COLUMN label")
        c.execute("INSERT INTO observations (unit_code, unit_vintage, indicator_code, period, kind, value,"
                  " source_doc, source_row, dataset_id) VALUES"
                  " ('03390','2025','grain_output_t','2025','actual',4321,'nhap.xlsx',7,'plan-docs')")
        c.execute("UPDATE meta SET value='7' WHERE key='schema_version'")


def test_version_7_store_gets_the_sources_words_back_for_the_sample_figures(tmp_path):
    path = _upgraded(tmp_path, _as_version_7)
    conn = store.connect(path, readonly=True)
    labels = dict(conn.execute("SELECT quote, label FROM observations WHERE unit_code='03390' AND"
                               " indicator_code='budget_revenue_mvnd' AND period IN ('2025H1', '2025')").fetchall())
    mine = conn.execute("SELECT label FROM observations WHERE source_doc='nhap.xlsx'").fetchall()
    conn.close()
    assert labels["Thu ngân sách trên địa bàn 212 triệu đồng"] == "Thu ngân sách trên địa bàn"
    assert "Tổng thu ngân sách nhà nước" in labels.values()
    assert [tuple(r) for r in mine] == [(None,)]  # a user's figure has no words to recover
    assert (tmp_path / "webmap.gpkg.v7.bak").exists()


def _as_version_6(path: Path) -> None:
    """What a store made before the browser workflow looks like: no entries, no audit, imports
    without a user."""
    _as_version_7(path)
    with sqlite3.connect(path) as c:
        c.execute("DELETE FROM observations WHERE source_doc='nhap.xlsx'")
        for table in ("entries", "audit"):
            c.execute(f"DROP TABLE {table}")
            c.execute("DELETE FROM gpkg_contents WHERE table_name=?", (table,))
        c.execute("ALTER TABLE imports DROP COLUMN user_name")
        c.execute("UPDATE meta SET value='6' WHERE key='schema_version'")


def test_version_6_store_gets_the_workflow_tables(tmp_path):
    sample = sqlite3.connect(f"{Path(SAMPLE).resolve().as_uri()}?mode=ro", uri=True)
    n_obs = sample.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
    sample.close()
    path = _upgraded(tmp_path, _as_version_6)
    conn = store.connect(path, readonly=True)
    assert conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 0
    assert "user_name" in {r[1] for r in conn.execute("PRAGMA table_info(imports)")}
    assert conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == n_obs
    conn.close()
    assert (tmp_path / "webmap.gpkg.v6.bak").exists()


def _as_version_5(path: Path) -> None:
    """What a store made before the indicator vocabulary looks like, plus a user's catalogue entry."""
    _as_version_6(path)
    with sqlite3.connect(path) as c:
        c.execute("DROP TABLE indicator_aliases")
        c.execute("DELETE FROM gpkg_contents WHERE table_name='indicator_aliases'")
        c.execute("DELETE FROM indicators WHERE instr(code, '__') > 0 OR code LIKE '%hh_pct'"
                  " OR code='near_poor_household_rate'")
        c.execute("UPDATE indicators SET name_vi='Tỷ lệ huy động học sinh THCS' WHERE code='enrolment_rate_pct'")
        c.execute("INSERT INTO indicators (code, name_vi, name_en, theme) VALUES ('my_own', 'Của tôi', 'Mine', 'x')")
        c.execute("UPDATE meta SET value='5' WHERE key='schema_version'")


def test_version_5_store_gets_the_vocabulary_and_keeps_user_entries(tmp_path):
    path = _upgraded(tmp_path, _as_version_5)
    conn = store.connect(path, readonly=True)
    names = dict(conn.execute("SELECT code, name_vi FROM indicators").fetchall())
    aliases = dict(conn.execute("SELECT alias, indicator_code FROM indicator_aliases").fetchall())
    conn.close()
    assert names["my_own"] == "Của tôi" and "THCS" not in names["enrolment_rate_pct"]
    assert names["enrolment_rate_pct__primary"] == "Tỷ lệ huy động học sinh tiểu học"
    assert aliases["Tỷ lệ hộ nghèo"] == "poor_household_rate" and aliases["Tổng số hộ"] == "households"
    assert (tmp_path / "webmap.gpkg.v5.bak").exists()


def _as_version_4(path: Path) -> None:
    """What a store made before the documents table looks like, plus one imported row."""
    _as_version_5(path)
    with sqlite3.connect(path) as c:
        c.execute("DROP TABLE documents")
        c.execute("ALTER TABLE datasets DROP COLUMN attribution_en")
        c.execute("DELETE FROM gpkg_contents WHERE table_name='documents'")
        c.execute("UPDATE meta SET value='4' WHERE key='schema_version'")
        c.execute("INSERT INTO observations (unit_code, unit_vintage, indicator_code, period, kind, value,"
                  " source_doc, source_row, dataset_id) VALUES"
                  " ('03390','2025','grain_output_t','2025','actual',4321,'nhap.xlsx',7,'plan-docs')")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_version_4_store_is_upgraded_and_the_old_file_kept(tmp_path):
    path = tmp_path / "webmap.gpkg"
    shutil.copyfile(SAMPLE, path)
    _as_version_4(path)
    before = _sha(path)

    assert store.ensure_store(path, SAMPLE) == path

    assert store.schema_version(path) == schema.SCHEMA_VERSION == "8"
    backup = tmp_path / "webmap.gpkg.v4.bak"
    assert _sha(backup) == before
    assert not (tmp_path / "webmap.gpkg.migrating").exists()
    conn = store.connect(path, readonly=True)
    titles = dict(conn.execute("SELECT id, title_vi FROM documents").fetchall())
    imported = conn.execute("SELECT value, source_doc FROM observations WHERE source_doc='nhap.xlsx'").fetchall()
    listed = conn.execute("SELECT data_type FROM gpkg_contents WHERE table_name='documents'").fetchone()
    english = dict(conn.execute("SELECT id, attribution_en FROM datasets").fetchall())
    units_extent = conn.execute("SELECT min_x FROM gpkg_contents WHERE table_name='units'").fetchone()
    conn.close()
    assert len(titles) == 5
    assert titles["002_a60ddfe8de7b5205.txt"] == "Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư"
    assert [tuple(r) for r in imported] == [(4321.0, "nhap.xlsx")]  # the user's import survives
    assert listed[0] == "attributes"
    assert english["illustrative-villages"] == "Illustrative villages: invented boundaries and figures, not official"
    assert units_extent[0] is not None and 100 < units_extent[0] < 110  # other layers untouched
    # A second start finds nothing to do.
    assert store.migrate(path, SAMPLE) is None


def test_unknown_old_version_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "webmap.gpkg"
    shutil.copyfile(SAMPLE, path)
    with sqlite3.connect(path) as c:
        c.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
    before = _sha(path)
    with pytest.raises(store.StoreVersionError) as err:
        store.ensure_store(path, SAMPLE)
    assert "phiên bản 2" in str(err.value) and "schema version 2" in str(err.value)
    assert _sha(path) == before
    assert list(tmp_path.iterdir()) == [path]


def test_failed_upgrade_changes_nothing(tmp_path):
    path, old_sample = tmp_path / "webmap.gpkg", tmp_path / "old-sample.gpkg"
    shutil.copyfile(SAMPLE, path)
    _as_version_4(path)
    shutil.copyfile(path, old_sample)  # a sample without the documents table
    before = _sha(path)
    with pytest.raises(store.StoreVersionError) as err:
        store.ensure_store(path, old_sample)
    assert "Không nâng cấp được" in str(err.value) and "the file is unchanged" in str(err.value)
    assert _sha(path) == before
    assert store.schema_version(path) == "4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old-sample.gpkg", "webmap.gpkg"]
