"""Command line: ``python -m webmap serve [--host H] [--port P]``."""

from __future__ import annotations

import argparse
import os

from webmap import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="webmap")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the map (Werkzeug; use a WSGI server in production)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args(argv)
    if args.command == "serve":
        app = create_app()
        print(f"Bản đồ đang chạy tại / serving at http://{args.host}:{args.port}/  (DB: {app.config['WEBMAP_DB']})")
        app.run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
