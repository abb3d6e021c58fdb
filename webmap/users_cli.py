"""``webmap users …``: accounts are made on the server's command line, never by a default password.

Why the CLI for the first admin: a fresh install has no account, and a web form that creates the
first one would hand the site to whoever finds it first.  Passwords are asked twice at a prompt
(``--password-stdin`` reads one line, for scripts), never taken as an argument (it would sit in
the shell history and in ``ps``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from geodata import store
from geodata.store import accounts
from webmap import config
from webmap.cli_words import h


def _path() -> Path | str:
    cfg = config.defaults()
    if cfg.get("WEBMAP_ACCOUNTS_DB"):
        return cfg["WEBMAP_ACCOUNTS_DB"]
    if store.is_url(cfg["WEBMAP_DB"]):  # behind PostGIS the accounts are the database's own
        return cfg["WEBMAP_DB"]
    return Path(cfg["WEBMAP_DB"]).with_name("accounts.sqlite")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        raise accounts.AccountError("hai lần nhập mật khẩu khác nhau", "the two passwords differ")
    return first


def _say(args: argparse.Namespace, vi: str, en: str) -> None:
    print(vi if args.lang == "vi" else en)


def _unit_must_exist(unit: str) -> None:
    """A role on a unit the store does not have would hold on nothing (editor:99999 was accepted)."""
    if unit == accounts.COUNTRY:
        return
    location = config.defaults()["WEBMAP_DB"]
    conn = store.connect(location if store.is_url(location) else Path(location), readonly=True)
    try:
        found = store.get_unit(conn, unit, "2025")
    finally:
        conn.close()
    if found is None:
        raise accounts.AccountError(
            f"không có đơn vị mã {unit} (2025) trong CSDL; dùng mã xã/tỉnh 2025 hoặc VN cho cả nước",
            f"there is no unit {unit} (2025) in the store; use a 2025 commune/province code, or VN for the country")


def _add(args: argparse.Namespace) -> int:
    specs = [(role, unit or accounts.COUNTRY) for role, _, unit in (s.partition(":") for s in args.role or [])]
    for role, unit in specs:  # every role checked before the account is made: all or nothing
        if role not in accounts.ROLES:
            raise accounts.AccountError(f"không có vai trò '{role}' (dùng {', '.join(sorted(accounts.ROLES))})",
                                        f"no role '{role}' (use {', '.join(sorted(accounts.ROLES))})")
        _unit_must_exist(unit)
    accounts.add(_path(), args.name, _password(args), args.full_name)
    for role, unit in specs:
        accounts.grant(_path(), args.name, role, unit)
    _say(args, f"Đã tạo tài khoản {args.name}", f"Created user {args.name}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for u in accounts.listing(_path()):
        roles = ", ".join(f"{r.role}:{r.unit_code}" for r in u.roles) or "–"
        state = ("hoạt động" if args.lang == "vi" else "active") if u.active else (
            "đã khoá" if args.lang == "vi" else "disabled")
        print(f"{u.name:<24} {state:<10} {roles}  {u.full_name or ''}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    accounts.set_active(_path(), args.name, args.command_name == "enable")
    _say(args, f"{args.name}: {'mở lại' if args.command_name == 'enable' else 'đã khoá'}",
         f"{args.name}: {'enabled' if args.command_name == 'enable' else 'disabled'}")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    accounts.set_password(_path(), args.name, _password(args))
    _say(args, f"Đã đổi mật khẩu của {args.name}; các phiên đăng nhập cũ hết hiệu lực",
         f"Password of {args.name} changed; its old sessions no longer work")
    return 0


def _grant(args: argparse.Namespace) -> int:
    if args.command_name == "grant":
        _unit_must_exist(args.unit)
        accounts.grant(_path(), args.name, args.role, args.unit)
    else:
        accounts.revoke(_path(), args.name, args.role, args.unit)
    _say(args, "Đã cập nhật quyền", "Roles updated")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help=h("tài khoản và vai trò theo đơn vị",
                                           "accounts and their unit-scoped roles")).add_subparsers(
        dest="action", required=True)
    add = users.add_parser("add", help=h("tạo tài khoản (mật khẩu được hỏi khi chạy)",
                                         "a new account (the password is asked at the prompt)"))
    add.add_argument("name")
    add.add_argument("--full-name")
    add.add_argument("--role", action="append", metavar=h("VAI_TRÒ:ĐƠN_VỊ", "ROLE:UNIT"),
                     help=h("ví dụ editor:03390, approver:12, admin:VN (VN = cả nước); lặp lại được",
                            "e.g. editor:03390, approver:12, admin:VN (VN = the whole country); repeatable"))
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(func=_add)
    users.add_parser("list", help=h("liệt kê tài khoản và vai trò",
                                    "list accounts and their roles")).set_defaults(func=_list)
    for name in ("disable", "enable"):
        p = users.add_parser(name, help=h("khoá tài khoản" if name == "disable" else "mở lại tài khoản",
                                          f"{name} an account"))
        p.add_argument("name")
        p.set_defaults(func=_disable, command_name=name)
    pw = users.add_parser("passwd", help=h("đặt mật khẩu mới (kết thúc mọi phiên đăng nhập của tài khoản)",
                                           "a new password (ends the account's sessions)"))
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=_passwd)
    for name in ("grant", "revoke"):
        verb = "cấp" if name == "grant" else "thu hồi"
        p = users.add_parser(name, help=h(f"{verb} một vai trò trên một đơn vị (và mọi đơn vị trực thuộc)",
                                          f"{name} a role on a unit (and everything under it)"))
        p.add_argument("name")
        p.add_argument("role", choices=sorted(accounts.ROLES))
        p.add_argument("unit", help=h("mã đơn vị năm 2025, hoặc VN cho cả nước",
                                      "a 2025 unit code, or VN for the whole country"))
        p.set_defaults(func=_grant, command_name=name)


def run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except accounts.AccountError as exc:
        print(exc.vi if args.lang == "vi" else exc.en, file=sys.stderr)
        return 2
