"""Command line: ``python -m webmap serve`` and ``python -m webmap catalogue import PATH``.

Messages are Vietnamese by default, English with ``--lang en``; a refused input
exits with code 2 and changes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from geodata import catalogue_import, store
from webmap import config


def _open_store() -> Path:
    cfg = config.defaults()
    return store.ensure_store(cfg["WEBMAP_DB"], cfg["WEBMAP_SAMPLE_DB"])


def _serve(args: argparse.Namespace) -> int:
    from webmap import create_app

    app = create_app()
    print(f"Bản đồ đang chạy tại / serving at http://{args.host}:{args.port}/  (CSDL/DB: {app.config['WEBMAP_DB']})")
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def _catalogue_import(args: argparse.Namespace) -> int:
    path = _open_store()
    conn = store.connect(path)
    try:
        counts = catalogue_import.import_catalogue(conn, Path(args.path), sheet=args.sheet)
    except catalogue_import.ImportRefused as exc:
        head = ("Không nhập: tệp có lỗi, CSDL không thay đổi." if args.lang == "vi"
                else "Not imported: the file has problems; the database is unchanged.")
        print(head, file=sys.stderr)
        for p in exc.problems:
            print("  - " + p.text(exc.path, args.lang), file=sys.stderr)
        return 2
    finally:
        conn.close()
    if args.lang == "vi":
        print(f"Đã nhập danh mục chỉ tiêu: thêm {counts['added']}, cập nhật {counts['updated']} ({path})")
    else:
        print(f"Catalogue imported: {counts['added']} added, {counts['updated']} updated ({path})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webmap")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the map (Werkzeug; use a WSGI server in production)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    serve.set_defaults(func=_serve)
    cat = sub.add_parser("catalogue", help="indicator catalogue").add_subparsers(dest="action", required=True)
    imp = cat.add_parser("import", help="add or update indicators from a CSV or XLSX file")
    imp.add_argument("path")
    imp.add_argument("--sheet")
    imp.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp.set_defaults(func=_catalogue_import)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (store.StoreVersionError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
