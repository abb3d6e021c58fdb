"""Accounts, rights, uploads, data entry, approval and audit, through the app (no browser)."""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
from pathlib import Path

import pytest

from geodata import store
from geodata.store import accounts
from webmap import create_app

CORPUS = Path(__file__).parent / "corpus" / "workflow"
PASSWORD = "mật khẩu đủ dài 2025"


def _users(app) -> Path:
    path = Path(app.config["WEBMAP_ACCOUNTS_DB"])
    for name, role, unit in (("bien_tap_binhlu", "editor", "03390"), ("duyet_laichau", "approver", "12"),
                             ("xem_binhlu", "viewer", "03390"), ("quantri", "admin", "VN")):
        accounts.add(path, name, PASSWORD, full_name=name)
        accounts.grant(path, name, role, unit)
    return path


@pytest.fixture
def wapp(db_path):
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True})
    _users(app)
    return app


def token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client, name: str, password: str = PASSWORD):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token(client)})


def store_bytes(db: Path) -> str:
    """The store as it is on disk: the file and its write-ahead log (an empty log, which any
    reader opens, holds nothing)."""
    h = hashlib.sha256()
    for p in (db, db.with_name(db.name + "-wal")):
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def dump(db: Path, skip: tuple[str, ...] = ("audit", "imports", "import_changes", "gpkg_contents", "meta")) -> dict:
    """Every data table's rows (the journal and the audit trail are history, kept by design)."""
    c = sqlite3.connect(db)
    tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                                      " AND name NOT LIKE 'rtree_%'")]
    # Screen geometries are recomputed after a boundary change: the same shapes under new row ids.
    cols = {"unit_screen_geom": "code, vintage, tolerance_deg, geom"}
    out = {t: sorted(map(repr, c.execute(f"SELECT {cols.get(t, '*')} FROM {t}"))) for t in tables if t not in skip}
    c.close()
    return out


def _state_changing_urls(app) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            url = rule.rule.replace("<code>", "03390").replace("<period>", "2025H1").replace(
                "<int:import_id>", "1").replace("<token>", "A" * 24)
            out.append((method, url))
    return [*out, ("PUT", "/map/poverty"), ("DELETE", "/unit/03390"), ("PATCH", "/ogc/collections")]


def test_every_state_changing_request_needs_a_session_and_a_csrf_token_and_changes_nothing(wapp, db_path):
    client = wapp.test_client()
    urls = _state_changing_urls(wapp)
    assert {("POST", "/upload"), ("POST", "/entry/03390"), ("POST", "/review/03390/2025H1/approve"),
            ("POST", "/imports/1/undo"), ("POST", "/logout")} <= set(urls)
    before = store_bytes(db_path)
    for method, url in urls:
        if url == "/login":
            continue
        resp = client.open(url, method=method, data={"value_poor_households": "5", "comment": "x"})
        assert resp.status_code == 401, (method, url, resp.status_code)
        assert "đăng nhập" in resp.get_data(as_text=True).lower()
    assert login(client, "quantri").status_code == 303
    for method, url in urls:
        resp = client.open(url, method=method, data={"value_poor_households": "5", "comment": "x"})
        assert resp.status_code == 400, (method, url, resp.status_code)
        assert "CSRF" in resp.get_data(as_text=True)
        forged = client.open(url, method=method, data={"csrf_token": "forged", "comment": "x"})
        assert forged.status_code == 400, (method, url)
    assert client.post("/login", data={"name": "quantri", "password": PASSWORD}).status_code == 400
    assert store_bytes(db_path) == before


def test_session_cookie_is_httponly_lax_and_secure_over_https(wapp):
    client = wapp.test_client()
    resp = login(client, "bien_tap_binhlu")
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = wapp.test_client()
    page = https.get("/login", base_url="https://localhost")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = https.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                      data={"name": "bien_tap_binhlu", "password": PASSWORD, "csrf_token": tok})
    assert resp.status_code == 303 and "Secure" in resp.headers["Set-Cookie"]


def test_login_failures_are_throttled_and_say_when_to_retry(wapp):
    client = wapp.test_client()
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        bad = login(client, "duyet_laichau", "sai mật khẩu rồi")
        assert bad.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in bad.get_data(as_text=True)
    locked = login(client, "duyet_laichau")  # the right password, too late
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "thử lại sau" in locked.get_data(as_text=True)
    assert login(wapp.test_client(), "bien_tap_binhlu").status_code == 303  # other names still log in
    assert login(client, "ai_do_khong_co").status_code in (401, 429)


def test_next_after_login_stays_on_this_site(wapp):
    client = wapp.test_client()
    resp = client.post("/login", data={"name": "xem_binhlu", "password": PASSWORD, "csrf_token": token(client),
                                       "next": "//evil.example/x"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/unit/03390"  # their unit, not evil.example


def test_login_lands_a_user_on_their_unit_and_times_read_as_in_vietnam(wapp):
    editor = wapp.test_client()
    assert login(editor, "bien_tap_binhlu").headers["Location"] == "/unit/03390"
    admin = wapp.test_client()
    assert login(admin, "quantri").headers["Location"] == "/"  # the whole country: the home map
    from webmap.formatting import local_time

    with wapp.test_request_context("/"):
        assert local_time("2026-12-04T13:29:44+00:00") == "04/12/2026 20:29"
    with wapp.test_request_context("/?lang=en"):
        assert local_time("2026-12-04T13:29:44+00:00") == "2026-12-04 20:29"
    page = admin.get("/imports").get_data(as_text=True)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", page)


def test_a_new_password_or_a_disabled_account_ends_the_session(wapp):
    client = wapp.test_client()
    login(client, "bien_tap_binhlu")
    assert client.get("/entry/03390").status_code == 200
    accounts.set_password(wapp.config["WEBMAP_ACCOUNTS_DB"], "bien_tap_binhlu", "một mật khẩu mới hẳn")
    assert client.get("/entry/03390").status_code == 401
    login(client, "bien_tap_binhlu", "một mật khẩu mới hẳn")
    assert client.get("/entry/03390").status_code == 200
    accounts.set_active(wapp.config["WEBMAP_ACCOUNTS_DB"], "bien_tap_binhlu", False)
    assert client.get("/entry/03390").status_code == 401
    assert login(client, "bien_tap_binhlu", "một mật khẩu mới hẳn").status_code == 401


def test_roles_hold_on_their_unit_and_everything_under_it(wapp):
    client = wapp.test_client()
    login(client, "bien_tap_binhlu")
    assert client.get("/entry/03390").status_code == 200
    assert client.get("/entry/03390-B05").status_code == 200  # a village of Bình Lư
    assert client.get("/entry/03856").status_code == 403  # Xã Bắc Yên, Sơn La
    assert client.get("/entry/12").status_code == 403  # the province above
    tok = token(client, "/entry/03390")
    assert client.post("/entry/03856", data={"csrf_token": tok, "value_poor_households": "3"}).status_code == 403
    assert client.post("/review/03390/2025H1/approve", data={"csrf_token": tok}).status_code == 403
    viewer = wapp.test_client()
    login(viewer, "xem_binhlu")
    assert viewer.get("/entry/03390").status_code == 403
    approver = wapp.test_client()
    login(approver, "duyet_laichau")
    assert approver.get("/review/03390/2025H1").status_code == 200
    assert approver.get("/entry/03390").status_code == 403  # approving is not editing
    assert approver.get("/review/03856/2025H1").status_code == 403


def _upload(client, name: str, period: str = ""):
    tok = token(client, "/upload")
    with (CORPUS / name).open("rb") as fh:
        return client.post("/upload", data={"csrf_token": tok, "file": (fh, name), "period": period},
                           content_type="multipart/form-data")


def test_upload_preview_accept_one_suggestion_apply_approve_then_everyone_sees(wapp, db_path):
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    before = store_bytes(db_path)
    sent = _upload(editor, "binh_lu_ho_ngheo.csv")
    assert sent.status_code == 303
    preview_url = sent.headers["Location"]
    page = editor.get(preview_url).get_data(as_text=True)
    assert store_bytes(db_path) == before  # the preview wrote nothing
    assert "Ban Hung Binh → Bản Hưng Bình (03390-B04)" in page
    assert 'value="Bản Tiên Bìh"' in page and "Bản Tiên Bình (03390-B10)" in page and "0,93" in page
    assert "Bản Khôngcó Gì" in page
    # Somebody else cannot see or apply this upload.
    other = wapp.test_client()
    login(other, "quantri")
    assert other.get(preview_url).status_code == 404

    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    applied = editor.post(preview_url + "/apply", data={"csrf_token": tok, "accept": ["Bản Tiên Bìh"],
                                                        "skip_unmatched": "1"})
    assert applied.status_code == 303, applied.get_data(as_text=True)
    conn = store.connect(db_path, readonly=True)
    entries = {r["unit_code"]: (r["value"], r["state"]) for r in conn.execute("SELECT * FROM entries")}
    assert entries == {"03390": (1120.0, "submitted"), "03390-B05": (12.0, "submitted"),
                       "03390-B04": (10.0, "submitted"), "03390-B10": (9.0, "submitted")}
    assert conn.execute("SELECT COUNT(*) FROM observations WHERE indicator_code='poor_households'"
                        " AND unit_code LIKE '03390%' AND period='2025H1'").fetchone()[0] == 0
    journal = conn.execute("SELECT user_name, file_name, status FROM imports ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(journal) == ("bien_tap_binhlu", "binh_lu_ho_ngheo.csv", "applied")
    conn.close()

    url = "/map/indicator/poor_households?unit=03390&period=2025H1"
    anonymous = wapp.test_client()
    assert "Chưa duyệt" not in anonymous.get(url + "&drafts=1").get_data(as_text=True)
    drafts = editor.get(url + "&drafts=1").get_data(as_text=True)
    assert "Đang xem cả số liệu chưa duyệt (3 đơn vị" in drafts
    assert drafts.count(r"data-approval=\u0027submitted\u0027") == 3  # each popup says so
    # The editor cannot approve; the province's approver can.
    assert editor.post("/review/03390/2025H1/approve", data={"csrf_token": tok}).status_code == 403
    approver = wapp.test_client()
    login(approver, "duyet_laichau")
    review = approver.get("/review").get_data(as_text=True)
    assert "Xã Bình Lư" in review and "/review/03390/2025H1" in review
    atok = token(approver, "/review/03390/2025H1")
    done = approver.post("/review/03390/2025H1/approve", data={"csrf_token": atok, "comment": "đã đối chiếu"})
    assert done.status_code == 303
    conn = store.connect(db_path, readonly=True)
    values = dict(conn.execute("SELECT unit_code, value FROM observations WHERE indicator_code='poor_households'"
                               " AND period='2025H1' AND unit_code LIKE '03390%'").fetchall())
    assert values == {"03390": 1120.0, "03390-B05": 12.0, "03390-B04": 10.0, "03390-B10": 9.0}
    assert {r[0] for r in conn.execute("SELECT state FROM entries")} == {"approved"}
    conn.close()
    public = anonymous.get(url).get_data(as_text=True)
    assert "data-approval" not in public and "chưa duyệt)" not in public
    assert all(f'data-sort="{v}"' in public for v in ("12.0", "10.0", "9.0"))  # the villages' rows
    province = anonymous.get("/map/indicator/poor_households?unit=12&period=2025H1").get_data(as_text=True)
    assert "1.120" in province and "data-approval" not in province
    # An approved upload cannot be undone (its figures are on the maps).
    admin = wapp.test_client()
    login(admin, "quantri")
    import_id = re.search(r'data-id="(\d+)"', admin.get("/imports").get_data(as_text=True)).group(1)
    refused = admin.post(f"/imports/{import_id}/undo", data={"csrf_token": token(admin, "/imports")})
    assert refused.status_code == 409 and "đã được duyệt" in refused.get_data(as_text=True)


def test_an_upload_naming_a_commune_outside_the_editors_units_is_refused_whole(wapp, db_path):
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    before = dump(db_path)
    preview = editor.get(_upload(editor, "binh_lu_va_bac_yen.csv").headers["Location"])
    page = preview.get_data(as_text=True)
    assert "Xã Bắc Yên (03856) nằm ngoài phạm vi" in page and "dòng 3" in page
    assert 'id="apply"' not in page
    assert dump(db_path) == before


def test_undo_of_an_upload_restores_the_store_exactly(wapp, db_path):
    before = dump(db_path)
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    preview_url = _upload(editor, "binh_lu_ho_ngheo.csv").headers["Location"]
    tok = token(editor, preview_url)
    editor.post(preview_url + "/apply", data={"csrf_token": tok, "skip_unmatched": "1"})
    assert dump(db_path) != before
    history = editor.get("/imports").get_data(as_text=True)
    import_id = re.search(r'data-id="(\d+)"', history).group(1)
    assert "binh_lu_ho_ngheo.csv" in history and "bien_tap_binhlu" in history
    undone = editor.post(f"/imports/{import_id}/undo", data={"csrf_token": token(editor, "/imports")})
    assert undone.status_code == 303
    assert dump(db_path) == before
    conn = store.connect(db_path, readonly=True)
    assert conn.execute("SELECT status FROM imports WHERE id=?", (import_id,)).fetchone()[0] == "undone"
    assert conn.execute("SELECT COUNT(*) FROM audit WHERE action='remove'").fetchone()[0] == 3
    conn.close()


def _form(client, code: str, values: dict[str, str], action: str = "draft", theme: str = "poverty", **extra: str):
    tok = token(client, f"/entry/{code}?period=2025H1&theme={theme}")
    data = {"csrf_token": tok, "action": action, **{f"value_{k}": v for k, v in values.items()}, **extra}
    return client.post(f"/entry/{code}?period=2025H1&theme={theme}", data=data)


def test_the_entry_form_reads_vietnamese_numbers_warns_and_saves_drafts(wapp, db_path):
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    page = editor.get("/entry/03390?period=2025H1&theme=poverty").get_data(as_text=True)
    assert "Tỷ lệ hộ nghèo đa chiều" in page and "Số hộ" in page and "Kỳ trước" in page
    saved = _form(editor, "03390", {"households": "3.902,9"})
    assert saved.status_code == 422 and "không phải số nguyên" in saved.get_data(as_text=True)  # a count
    saved = _form(editor, "03390", {"near_poor_household_rate": "3.902,9"})
    assert saved.status_code == 422  # over 100 %, not confirmed
    saved = _form(editor, "03390", {"households": "3.902"})
    assert saved.status_code == 303
    conn = store.connect(db_path, readonly=True)
    assert conn.execute("SELECT value, state, created_by FROM entries").fetchall()[0][:] == (3902.0, "draft",
                                                                                             "bien_tap_binhlu")
    conn.close()
    pct = _form(editor, "03390", {"households": "3.902", "near_poor_household_rate": "145"})
    body = pct.get_data(as_text=True)
    assert pct.status_code == 422 and "145 % vượt 100 %" in body and 'name="confirm_near_poor_household_rate"' in body
    ok = _form(editor, "03390", {"households": "3.902", "near_poor_household_rate": "145"},
               confirm_near_poor_household_rate="1", reason="số liệu thử")
    assert ok.status_code == 303
    conn = store.connect(db_path, readonly=True)
    rows = dict(conn.execute("SELECT indicator_code, value FROM entries").fetchall())
    assert rows == {"households": 3902.0, "near_poor_household_rate": 145.0}
    conn.close()
    # An area typed the Vietnamese way is saved as the number it says, beside the approved figure it
    # would replace (58,3 ha from the 6-month report), which stays on the maps until approval.
    area = _form(editor, "03390", {"aquaculture_area_ha": "3.902,9"}, theme="agriculture")
    assert area.status_code == 303
    conn = store.connect(db_path, readonly=True)
    assert conn.execute("SELECT value, measure_unit, state FROM entries WHERE indicator_code='aquaculture_area_ha'"
                        ).fetchone()[:] == (3902.9, "ha", "draft")
    assert conn.execute("SELECT value FROM observations WHERE unit_code='03390' AND indicator_code="
                        "'aquaculture_area_ha' AND period='2025H1'").fetchone()[0] == 58.3
    conn.close()
    form = editor.get("/entry/03390?period=2025H1&theme=agriculture").get_data(as_text=True)
    assert 'value="3.902,9"' in form and "bản nháp" in form


def test_an_upload_over_the_size_cap_is_refused_before_it_is_read(db_path):
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True, "MAX_CONTENT_LENGTH": 4096})
    _users(app)
    client = app.test_client()
    login(client, "bien_tap_binhlu")
    before = store_bytes(db_path)
    tok = token(client, "/upload")
    resp = client.post("/upload", data={"csrf_token": tok, "file": (io.BytesIO(b"x" * 10_000), "lon.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 413 and "quá lớn" in resp.get_data(as_text=True)
    assert store_bytes(db_path) == before


def test_a_drafts_export_says_which_figures_are_not_approved(wapp):
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    _form(editor, "03390-B05", {"poor_households": "12"}, action="submit")
    url = "/api/layers/units.csv?level=village&within=03390&indicator=poor_households&period=2025H1"
    drafts = editor.get(url + "&drafts=1").get_data(as_text=True)
    assert "poor_households__approval" in drafts.splitlines()[0] and "submitted" in drafts
    public = wapp.test_client().get(url + "&drafts=1").get_data(as_text=True)
    assert "approval" not in public and ",12.0," not in public and ",12," not in public


def _last_period_400(db_path: Path) -> None:
    """Last period's figure: 400 poor households in 2024."""
    with sqlite3.connect(db_path) as c:
        c.execute("INSERT INTO observations (unit_code, unit_vintage, indicator_code, period, kind, value, scope,"
                  " source_doc, dataset_id) VALUES ('03390','2025','poor_households','2024','actual',400,'unit',"
                  " 'bao_cao_2024.docx','plan-docs')")


def test_a_tenfold_jump_from_last_period_is_asked_about(wapp, db_path):
    _last_period_400(db_path)
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    jump = _form(editor, "03390", {"poor_households": "4.000"})
    body = jump.get_data(as_text=True)
    assert jump.status_code == 422 and "gấp 10 lần kỳ trước (400)" in body
    assert _form(editor, "03390", {"poor_households": "4.000"}, confirm_poor_households="1").status_code == 303
    assert _form(editor, "03390", {"poor_households": "410"}).status_code == 303  # no jump: saved at once


def test_the_audit_trail_shows_who_changed_what_from_what_to_what(wapp, db_path):
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    _form(editor, "03390", {"households": "3.902"})
    _form(editor, "03390", {"households": "3.910"}, action="submit", reason="sửa lỗi đánh máy")
    approver = wapp.test_client()
    login(approver, "duyet_laichau")
    tok = token(approver, "/review/03390/2025H1")
    approver.post("/review/03390/2025H1/return", data={"csrf_token": tok, "comment": "thiếu thôn Nà Phát"})
    page = editor.get("/unit/03390").get_data(as_text=True)
    trail = page[page.index('id="audit"'):]
    assert "bien_tap_binhlu" in trail and "duyet_laichau" in trail
    assert re.search(r"<td class=\"num old\">3\.902</td><td class=\"num new\">3\.910</td>", trail)
    assert "sửa lỗi đánh máy" in trail and "thiếu thôn Nà Phát" in trail and "trả lại" in trail
    form = editor.get("/entry/03390?period=2025H1&theme=poverty").get_data(as_text=True)
    assert "Lý do trả lại: thiếu thôn Nà Phát" in form
    anonymous = wapp.test_client().get("/unit/03390").get_data(as_text=True)
    assert "bien_tap_binhlu" not in anonymous and "Đăng nhập để xem" in anonymous
    # Approval overwrites an observation only with its before-image in the audit.
    _form(editor, "03390", {"households": "3.910"}, action="submit")
    approver.post("/review/03390/2025H1/approve", data={"csrf_token": tok})
    conn = store.connect(db_path, readonly=True)
    assert conn.execute("SELECT value FROM observations WHERE unit_code='03390' AND indicator_code='households'"
                        " AND period='2025H1'").fetchone()[0] == 3910.0
    actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    assert actions == ["enter", "edit", "return", "edit", "approve"]
    conn.close()


def test_a_private_site_asks_everyone_to_log_in(db_path):
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True, "WEBMAP_LOGIN_REQUIRED": True})
    _users(app)
    client = app.test_client()
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")
    assert client.get("/api/indicators").status_code == 401
    assert client.get("/healthz").status_code == 200 and client.get("/login").status_code == 200
    login(client, "xem_binhlu")
    assert client.get("/").status_code == 200


def test_users_cli_adds_lists_disables_and_never_takes_a_password_argument(db_path, monkeypatch, capsys):
    import io

    from webmap.__main__ import main

    tmp_path = db_path.parent
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "x", "--role", "editor:99999", "--password-stdin"]) == 2  # no such unit
    assert "không có đơn vị mã 99999 (2025)" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert "x" not in {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.split()}  # none made
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert main(["users", "add", "admin1", "--role", "admin:VN", "--password-stdin"]) == 2
    assert "ít nhất 10 ký tự" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "admin1", "--role", "admin:VN", "--role", "editor:03390", "--password-stdin"]) == 0
    assert main(["users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "admin1" in listed and "admin:VN" in listed and "editor:03390" in listed
    assert main(["users", "grant", "admin1", "viewer", "99999"]) == 2
    assert "không có đơn vị mã 99999" in capsys.readouterr().err
    assert main(["users", "disable", "admin1"]) == 0
    path = tmp_path / "accounts.sqlite"
    assert accounts.authenticate(path, "admin1", PASSWORD, "127.0.0.1") is None
    assert (path.stat().st_mode & 0o077) == 0
    raw = path.read_bytes()
    assert PASSWORD.encode() not in raw and b"scrypt" in raw
    with pytest.raises(SystemExit):
        main(["users", "add", "x", "--password", "abc"])


BAD = Path(__file__).parent / "corpus" / "bad"
# Bad only with an option: the wrong --layer (the browser form reads the file's one layer), a CRS
# that contradicts the file's own (given here as the form would).
ONLY_WITH_OPTION = {"b14_wrong_layer.gpkg"}
FORM_OPTIONS = {"b16_crs_conflict.gpkg": {"crs": "EPSG:32648"}}


def _send(client, path: Path, **form: str):
    tok = token(client, "/upload")
    with path.open("rb") as fh:
        return client.post("/upload", data={"csrf_token": tok, "file": (fh, path.name), **form},
                           content_type="multipart/form-data")


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.iterdir() if p.name not in ONLY_WITH_OPTION))
def test_every_bad_file_of_the_corpus_is_refused_in_the_browser_with_its_reason_and_changes_nothing(
        wapp, db_path, name):
    admin = wapp.test_client()
    login(admin, "quantri")
    before = store_bytes(db_path)
    kind = "boundaries" if name.startswith("b") else "indicators"
    sent = _send(admin, BAD / name, kind=kind, level="commune", **FORM_OPTIONS.get(name, {}))
    if sent.status_code == 400:  # a kind the importer does not read: refused before any parser
        assert name in sent.get_data(as_text=True)
    else:
        assert sent.status_code == 303
        preview = admin.get(sent.headers["Location"])
        page = preview.get_data(as_text=True)
        assert preview.status_code == 200 and "Traceback" not in page
        assert name in page and ('class="problems"' in page or 'class="unmatched"' in page
                                 or 'class="suggestions"' in page)
        server_dir = str(Path(str(db_path)).parent)
        assert server_dir not in page and "/vsizip" not in page and "/uploads/" not in page  # the user's name only
        tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        applied = admin.post(sent.headers["Location"] + "/apply", data={"csrf_token": tok})
        assert applied.status_code == 400, name  # nothing is skipped unless asked: the file is refused whole
        assert "problems" in applied.get_data(as_text=True)
    assert store_bytes(db_path) == before


def test_an_admin_replaces_a_boundary_from_the_browser_and_undoes_it(wapp, db_path, tmp_path):
    import shapely

    conn = store.connect(db_path, readonly=True)
    frame = store.units_frame(conn, level="commune", parent="12")
    conn.close()
    one = frame[frame["code"] == "03390"][["code", "full_name", "geometry"]].rename(
        columns={"code": "ma_xa", "full_name": "ten_xa"})
    one["geometry"] = shapely.buffer(one.geometry.values, -0.001)  # a slightly smaller Bình Lư (0.001°)
    path = tmp_path / "binh_lu_ranh_gioi.geojson"
    one.to_file(path, driver="GeoJSON")
    before = dump(db_path)
    editor = wapp.test_client()
    login(editor, "bien_tap_binhlu")
    assert _send(editor, path, kind="boundaries", level="commune").status_code == 403
    admin = wapp.test_client()
    login(admin, "quantri")
    sent = _send(admin, path, kind="boundaries", level="commune")
    page = admin.get(sent.headers["Location"]).get_data(as_text=True)
    assert "1 đơn vị được thay ranh giới, 0 đơn vị mới" in page and "thay ranh giới" in page
    assert dump(db_path) == before
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert admin.post(sent.headers["Location"] + "/apply", data={"csrf_token": tok}).status_code == 303
    conn = store.connect(db_path, readonly=True)
    new = store.units_frame(conn, level="commune", parent="12").set_index("code").geometry["03390"]
    user = conn.execute("SELECT user_name FROM imports ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    old = frame.set_index("code").geometry["03390"]
    assert new.area < old.area and shapely.is_valid(new) and user == "quantri"
    history = admin.get("/imports").get_data(as_text=True)
    import_id = re.search(r'data-id="(\d+)"', history).group(1)
    assert admin.post(f"/imports/{import_id}/undo", data={"csrf_token": token(admin, "/imports")}).status_code == 303
    assert dump(db_path) == before


def test_the_jump_factor_is_the_operators_to_set(db_path):
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True, "WEBMAP_JUMP_FACTOR": 1.5})
    _users(app)
    _last_period_400(db_path)
    editor = app.test_client()
    login(editor, "bien_tap_binhlu")
    asked = _form(editor, "03390", {"poor_households": "700"})
    assert asked.status_code == 422 and "gấp 1,8 lần kỳ trước (400)" in asked.get_data(as_text=True)
    assert _form(editor, "03390", {"poor_households": "500"}).status_code == 303


def test_logout_or_a_role_change_ends_the_session_and_a_saved_cookie_is_worth_nothing(wapp):
    """After logout the saved cookie still saved a figure (POST /entry/03390 → 303) for 8 hours."""
    db = wapp.config["WEBMAP_ACCOUNTS_DB"]
    client = wapp.test_client()
    login(client, "bien_tap_binhlu")
    tok = token(client, "/entry/03390")
    saved = client.get_cookie("session").value
    assert accounts.session_count(db, "bien_tap_binhlu") == 1
    assert client.post("/logout", data={"csrf_token": tok}).status_code == 303
    assert accounts.session_count(db, "bien_tap_binhlu") == 0
    replay = wapp.test_client()
    replay.set_cookie("session", saved)
    sent = replay.post("/entry/03390", data={"csrf_token": tok, "poor_households__2025H1": "1000"})
    assert sent.status_code == 401 and replay.get("/entry/03390").status_code == 401
    # A role given or taken ends the account's sessions: the next request logs in with the new roles.
    login(client, "bien_tap_binhlu")
    other = wapp.test_client()
    login(other, "bien_tap_binhlu")
    assert accounts.session_count(db, "bien_tap_binhlu") == 2
    accounts.grant(db, "bien_tap_binhlu", "viewer", "12")
    assert client.get("/entry/03390").status_code == 401 and other.get("/entry/03390").status_code == 401
    assert accounts.session_count(db, "bien_tap_binhlu") == 0
    # The cookie holds a random token, not the user's id.
    login(client, "bien_tap_binhlu")
    data = wapp.session_interface.get_signing_serializer(wapp).loads(client.get_cookie("session").value)
    assert "sid" in data and "uid" not in data and len(data["sid"]) >= 40
