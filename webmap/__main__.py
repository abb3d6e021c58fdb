"""Command line: ``python -m webmap serve`` and ``python -m webmap catalogue import PATH``.

Messages are Vietnamese by default, English with ``--lang en``; a refused input
exits with code 2 and changes nothing.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geodata import (
    boundaries_import,
    catalogue_import,
    code_tables,
    exports,
    imports,
    indicator_import,
    store,
)
from geodata.numbers import written
from geodata.store import backups, integrity, journal
from webmap import cli_words, config, print_options, users_cli
from webmap.cli_words import h


def _open_store() -> Path:
    cfg = config.defaults()
    notes: list[str] = []
    path = store.ensure_store(cfg["WEBMAP_DB"], cfg["WEBMAP_SAMPLE_DB"], notes)
    for note in notes:
        print("! " + note, file=sys.stderr)
    return path


def _print_refusal(exc: imports.ImportRefused, lang: str) -> None:
    print("Không nhập: CSDL không thay đổi." if lang == "vi" else "Not imported: the database is unchanged.",
          file=sys.stderr)
    for line in exc.lines(lang):
        print("  - " + line, file=sys.stderr)


def _backup(args: argparse.Namespace) -> int:
    out = backups.backup(_open_store(), args.output)
    print(f"Đã sao lưu / backed up: {out} ({out.stat().st_size / 2**20:.1f} MB)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    cfg = config.defaults()
    before = backups.restore(args.path, cfg["WEBMAP_DB"])
    print(f"Đã khôi phục từ / restored from {args.path}; CSDL trước đó / the store as it was: {before}")
    return 0


def _failure(exc: BaseException, lang: str) -> str:
    """A bilingual message for what can go wrong under any command (never a traceback)."""
    text = str(exc)
    if isinstance(exc, integrity.StoreDamagedError | store.StoreVersionError | store.StoreLocationError
                  | store.pg.PostgisError):
        return text
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        vi, en = ("CSDL đang bận (một lần nhập khác đang chạy): chờ rồi thử lại; không có gì thay đổi.",
                  "The store is busy (another import is running): wait and retry; nothing was changed.")
    elif "full" in lowered or getattr(exc, "errno", None) == 28:
        vi, en = ("Ổ đĩa đầy: giải phóng chỗ trống rồi thử lại; CSDL không thay đổi.",
                  "The disk is full: free some space and retry; the store is unchanged.")
    elif "readonly" in lowered or "read-only" in lowered or getattr(exc, "errno", None) in (13, 30):
        vi, en = ("Không ghi được (ổ đĩa hoặc tệp chỉ đọc, hoặc không có quyền): CSDL không thay đổi.",
                  "Cannot write (read-only disk or file, or no permission): the store is unchanged.")
    elif isinstance(exc, sqlite3.DatabaseError):
        vi, en = (f"Lỗi CSDL ({text}); không có gì thay đổi.", f"Database error ({text}); nothing was changed.")
    else:
        vi, en = (f"Lỗi ({type(exc).__name__}: {text}); không có gì thay đổi.",
                  f"Error ({type(exc).__name__}: {text}); nothing was changed.")
    return f"{vi} / {en}" if lang == "vi" else f"{en} / {vi}"


def _serve(args: argparse.Namespace) -> int:
    from webmap import create_app

    app = create_app()
    kind = "Werkzeug (dev)" if args.dev else "gunicorn"
    print(f"Bản đồ đang chạy tại / serving at http://{args.host}:{args.port}/  (CSDL/DB: {app.config['WEBMAP_DB']};"
          f" {kind})", flush=True)
    if args.dev:
        app.run(host=args.host, port=args.port, threaded=True)
    else:
        from webmap import server

        server.serve(app, args.host, args.port)
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


def _figure_request(args: argparse.Namespace, unit: str) -> Any:
    from webmap import figures

    return figures.FigureRequest(
        unit=unit, period=args.period, indicator=args.indicator, theme=args.theme, paper=args.paper,
        orientation=args.orientation, fmt=args.format, dpi=args.dpi, title=getattr(args, "title", None),
        lang=args.lang, colour_by=args.colour_by, dem=args.dem or os.environ.get("WEBMAP_DEM"),
        raster=getattr(args, "raster", None),
    )


def _figure(args: argparse.Namespace) -> int:
    from webmap import figures

    conn = store.connect(_open_store(), readonly=True)
    try:
        data, info = figures.render(conn, _figure_request(args, args.unit))
    except figures.FigureError as exc:
        print(exc.message_vi if args.lang == "vi" else exc.message_en, file=sys.stderr)
        return 2
    Path(args.output).write_bytes(data)
    scale = written(info.scale_denominator, args.lang, 0)
    print(f"{args.output}: {info.title} ({info.size_px[0]}×{info.size_px[1]} px, 1:{scale})")
    return 0


def _atlas(args: argparse.Namespace) -> int:
    from webmap import figures

    conn = store.connect(_open_store(), readonly=True)
    try:
        pages = figures.render_atlas(conn, _figure_request(args, args.within), args.output)
    except figures.FigureError as exc:
        print(exc.message_vi if args.lang == "vi" else exc.message_en, file=sys.stderr)
        return 2
    print(f"{args.output}: {pages} {'trang' if args.lang == 'vi' else 'pages'}")
    return 0


def _figure_options(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--theme", choices=sorted(print_options.THEMES))
    what.add_argument("--indicator")
    p.add_argument("--period", default="2025")
    p.add_argument("--paper", choices=sorted(print_options.PAPER_MM), default="A4")
    p.add_argument("--orientation", choices=("portrait", "landscape"), default="landscape")
    p.add_argument("--format", choices=sorted(print_options.FORMATS), default="pdf")
    p.add_argument("--dpi", type=int, default=300)
    p.add_argument("--colour-by", dest="colour_by", choices=("value", "status"), default="value")
    p.add_argument("--dem", help=h("tệp DEM GeoTIFF để vẽ địa hình bóng đổ (hoặc WEBMAP_DEM)",
                                   "DEM GeoTIFF for a hillshade (or WEBMAP_DEM)"))
    p.add_argument("--raster", type=int, help=h(
        "số của một ảnh đã nhập (webmap imports list) để vẽ dưới các đơn vị; ảnh độ cao vẽ thành địa hình",
        "the number of an imported raster (webmap imports list) to draw under the units; a DEM is drawn as relief"))
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)


def _report(args: argparse.Namespace) -> int:
    from geodata import report, report_docx, report_text

    conn = store.connect(_open_store(), readonly=True)
    try:
        ranked = [c for value in args.indicator or [] for c in value.split(",") if c]
        draft = report.build(conn, args.unit, args.period, args.lang, ranked=ranked)
    except report.ReportError as exc:
        print(exc.args[0] if args.lang == "vi" else exc.args[1], file=sys.stderr)
        return 2
    finally:
        conn.close()
    if args.format == "md":
        data = (report_text.review_markdown(draft) if args.review else report_text.markdown(draft)).encode("utf-8")
    else:
        data = (report_docx.review_docx(draft) if args.review else
                report_docx.docx(draft, _report_maps(draft, args) if args.maps else []))
        if args.format == "pdf":
            try:
                data = report_docx.to_pdf(data)
            except report_docx.NoConverter as exc:
                print(exc.args[0] if args.lang == "vi" else exc.args[1], file=sys.stderr)
                return 2
    Path(args.output).write_bytes(data)
    figures, points = len(draft.figures), len(draft.review)
    targets = len(draft.targets) + sum(1 for r in draft.annex if r.plan)
    if args.lang == "vi":
        print(f"{args.output}: {figures} số liệu, {targets} chỉ tiêu kế hoạch, {points} điểm cần rà soát"
              f"{'' if args.review else ' (xem --review)'}, {len(draft.sources)} nguồn")
    else:
        print(f"{args.output}: {figures} figures, {targets} targets and plans, {points} points to review"
              f"{'' if args.review else ' (see --review)'}, {len(draft.sources)} sources")
    return 0


def _report_maps(draft: Any, args: argparse.Namespace) -> list[tuple[bytes, str]]:
    """The draft's print figure; one that cannot be drawn is left out and said so."""
    from webmap import figures, report_figures

    conn = store.connect(_open_store(), readonly=True)
    try:
        data, info = figures.render(conn, report_figures.figure_request(draft, args.lang))
    except figures.FigureError as exc:
        print("! " + (exc.message_vi if args.lang == "vi" else exc.message_en), file=sys.stderr)
        return []
    finally:
        conn.close()
    return [(data, report_figures.caption(draft, info.title, args.lang))]


def _export(args: argparse.Namespace) -> int:
    conn = store.connect(_open_store(), readonly=True)
    indicators = [i for value in args.indicator or [] for i in value.split(",") if i]
    try:
        result = exports.export(conn, args.layer, args.format, level=args.level, within=args.within,
                                indicators=indicators, period=args.period, crs=args.crs, lang=args.lang)
    except exports.ExportError as exc:
        print(exc.message_vi if args.lang == "vi" else exc.message_en, file=sys.stderr)
        return 2
    Path(args.output).write_bytes(result.data)
    word = "đối tượng" if args.lang == "vi" else "features"
    print(f"{args.output}: {result.features} {word}" + "".join(f"; {n}" for n in result.notes))
    return 0


def _run_import(args: argparse.Namespace, call: Callable[[sqlite3.Connection], Any]) -> Any | None:
    """``call`` on the store; a refusal is printed (bilingual, one line per problem) and gives None."""
    conn = store.connect(_open_store())
    try:
        return call(conn)
    except imports.ImportRefused as exc:
        _print_refusal(exc, args.lang)
        return None
    finally:
        conn.close()


def _import_boundaries(args: argparse.Namespace) -> int:
    opts = boundaries_import.Options(level=args.level, vintage=args.vintage, code_field=args.code_field,
                                     name_field=args.name_field, parent_field=args.parent_field, crs=args.crs,
                                     layer=args.layer, max_bytes=args.max_mb * 2**20,
                                     allow_outside=args.allow_outside)
    result = _run_import(args, lambda conn: boundaries_import.import_boundaries(conn, Path(args.path), opts))
    if result is None:
        return 2
    c = result.counts
    if args.lang == "vi":
        print(f"Lần nhập {result.import_id}: cập nhật {c['updated']}, thêm mới {c['inserted']}, sửa hình học "
              f"{c['repaired']}")
    else:
        print(f"Import {result.import_id}: {c['updated']} updated, {c['inserted']} inserted, "
              f"{c['repaired']} geometries repaired")
    for line in boundaries_import.warning_lines(result.warnings, args.lang, has_report=bool(args.report)):
        print("  ! " + line)
    if args.report:
        Path(args.report).write_text(boundaries_import.report_json(result), encoding="utf-8")
    return 0


def _import_indicators(args: argparse.Namespace) -> int:
    conn = store.connect(_open_store())
    mapping = {}
    for item in args.indicator or []:
        heading, sep, code = item.rpartition("=")
        if not sep or not heading.strip() or not code.strip():
            print(f"--indicator '{item}': cần dạng \"<tiêu đề>=<mã>\" / expected \"<heading>=<code>\"",
                  file=sys.stderr)
            return 2
        mapping[heading.strip()] = code.strip()
    opts = indicator_import.Options(vintage=args.vintage, sheet=args.sheet, accept_suggestions=args.accept_suggestions,
                                    weight=args.weight, max_bytes=args.max_mb * 2**20, period=args.period,
                                    indicators=mapping, province=args.province, unit_column=args.unit_column,
                                    ignore_columns=tuple(args.ignore_column or ()), skip_unmatched=args.skip_unmatched)
    try:
        result = indicator_import.import_indicators(conn, Path(args.path), opts,
                                                    report=Path(args.report) if args.report else None)
    except imports.ImportRefused as exc:
        _print_refusal(exc, args.lang)
        if args.report:
            print(("Báo cáo ghép: " if args.lang == "vi" else "Join report: ") + args.report, file=sys.stderr)
        return 2
    finally:
        conn.close()
    print(indicator_import.summary(result, args.lang))
    for line in indicator_import.report_lines(result, args.lang):
        print(line)
    return 0


def _import_raster(args: argparse.Namespace) -> int:
    from geodata import rasters

    try:
        opts = rasters.Options(kind=args.kind, period=args.period, classes=rasters.parse_classes(args.classes),
                               crs=args.crs, licence=args.licence, illustrative=args.illustrative,
                               max_bytes=args.max_mb * 2**20)
    except imports.ImportRefused as exc:
        _print_refusal(exc, args.lang)
        return 2
    result = _run_import(args, lambda conn: rasters.import_raster(conn, Path(args.path), opts))
    if result is None:
        return 2
    c = result.counts
    if args.lang == "vi":
        print(f"Lần nhập {result.import_id}: {c['observations']} số liệu cho {c['units']} đơn vị "
              f"({c['partial']} đơn vị ảnh chỉ phủ một phần); bản COG: {result.cog.name}")
    else:
        print(f"Import {result.import_id}: {c['observations']} figures for {c['units']} units "
              f"({c['partial']} only partly covered); COG: {result.cog.name}")
    for w in result.warnings:
        print("  ! " + (w["vi"] if args.lang == "vi" else w["en"]))
    return 0


def _import_codes(args: argparse.Namespace) -> int:
    result = _run_import(args, lambda conn: code_tables.import_crosswalk(conn, Path(args.path))
                         if args.what == "crosswalk" else code_tables.import_codes(conn, Path(args.path), args.vintage))
    if result is None:
        return 2
    c = result.counts
    if args.lang == "vi":
        print(f"Lần nhập {result.import_id}: thêm {c['inserted']}, đã có {c['existing']} ({args.path})")
    else:
        print(f"Import {result.import_id}: {c['inserted']} added, {c['existing']} already there ({args.path})")
    return 0


def _imports_list(args: argparse.Namespace) -> int:
    conn = store.connect(_open_store(), readonly=True)
    for row in journal.listing(conn):
        who = row["user_name"] or ("dòng lệnh" if args.lang == "vi" else "command line")
        print(f"{row['id']:>4}  {row['created_at']}  {row['kind']:<11} {row['status']:<8} {who:<16} "
              f"{row['file_name']}  {row['counts']}  sha256:{row['file_sha256'][:12]}")
    return 0


def _imports_undo(args: argparse.Namespace) -> int:
    conn = store.connect(_open_store())
    try:
        counts = journal.undo(conn, args.id)
    except imports.ImportRefused as exc:
        for line in exc.lines(args.lang):
            print(line, file=sys.stderr)
        return 2
    print(f"Đã hoàn tác lần nhập {args.id}: {counts}" if args.lang == "vi" else f"Import {args.id} undone: {counts}")
    return 0


def _store_copy(args: argparse.Namespace) -> int:
    from geodata.store import postgis

    src, dst = args.src, args.dst
    try:
        if postgis.is_url(dst) and not postgis.is_url(src):
            report = postgis.to_postgis(src, dst)
        elif postgis.is_url(src) and not postgis.is_url(dst):
            report = postgis.to_gpkg(src, dst)
        else:
            print(h("Cần một bên là tệp GeoPackage, bên kia là địa chỉ postgresql://…",
                    "One side must be a GeoPackage file, the other a postgresql://… URL"), file=sys.stderr)
            return 2
    except postgis.PostgisError as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    if not report.ok:
        print(h("Bản chép không khớp với nguồn: không dùng được.", "The copy differs from its source: do not use it."),
              file=sys.stderr)
        return 2
    print(h(f"Đã chép và đối chiếu: {store.shown_location(src)} → {store.shown_location(dst)}",
            f"Copied and verified: {store.shown_location(src)} → {store.shown_location(dst)}"))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cli_words.install(cli_words.language(argv))
    parser = cli_words.Parser(prog="webmap", description=h(
        "Bản đồ quy hoạch xã, tỉnh: phục vụ bản đồ, nhập, xuất, in, dự thảo báo cáo, sao lưu.",
        "Planning maps of communes and provinces: serve, import, export, print, draft reports, back up."))
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help=h("ngôn ngữ (mặc định vi)",
                                                                             "language (default vi)"))
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help=h(
        "phục vụ bản đồ (gunicorn: mỗi lõi một tiến trình × 4 luồng; --dev dùng máy chủ thử của Werkzeug)",
        "serve the map (gunicorn: a worker per core × 4 threads; --dev for Werkzeug)"))
    serve.add_argument("--dev", action="store_true", help=h("máy chủ thử của Werkzeug (không tự nạp lại)",
                                                            "Werkzeug's development server (reloads nothing)"))
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    serve.set_defaults(func=_serve)
    cat = sub.add_parser("catalogue", help=h("danh mục chỉ tiêu",
                                             "indicator catalogue")).add_subparsers(dest="action", required=True)
    imp = cat.add_parser("import", help=h("thêm hoặc cập nhật chỉ tiêu từ tệp CSV hoặc XLSX",
                                          "add or update indicators from a CSV or XLSX file"))
    imp.add_argument("path")
    imp.add_argument("--sheet")
    imp.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp.set_defaults(func=_catalogue_import)
    fig = sub.add_parser("figure", help=h("bản đồ in (A4/A3, PNG/PDF/SVG)", "a print map figure (A4/A3, PNG/PDF/SVG)"))
    fig.add_argument("--unit", required=True)
    fig.add_argument("--title")
    _figure_options(fig)
    fig.set_defaults(func=_figure)
    atl = sub.add_parser("atlas", help=h("một tệp PDF: bìa, trang tổng quan và mỗi đơn vị một trang",
                                         "one PDF: cover, overview and a page per unit"))
    atl.add_argument("--level", choices=("commune",), default="commune")
    atl.add_argument("--within", required=True, help=h("tỉnh có các xã được in mỗi xã một trang",
                                                       "the province whose communes get a page"))
    _figure_options(atl)
    atl.set_defaults(func=_atlas)
    exp = sub.add_parser("export", help=h("xuất một lớp ra GeoJSON, GeoPackage, Shapefile (zip), KML, CSV hoặc XLSX",
                                          "a layer as GeoJSON, GeoPackage, Shapefile (zip), KML, CSV or XLSX"))
    exp.add_argument("layer", choices=exports.LAYERS)
    exp.add_argument("--format", choices=sorted(exports.FORMATS), required=True)
    exp.add_argument("--level", default="commune")
    exp.add_argument("--within")
    exp.add_argument("--indicator", action="append", help=h("lặp lại tham số hoặc ngăn bằng dấu phẩy",
                                                            "repeat or comma-separate"))
    exp.add_argument("--period")
    exp.add_argument("--crs", help=h("EPSG:4326 (mặc định), vn2000 (múi TM-3 của tỉnh) hoặc vn2000:103",
                                     "EPSG:4326 (default), vn2000 (the province's TM-3 zone) or vn2000:103"))
    exp.add_argument("-o", "--output", required=True)
    exp.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    exp.set_defaults(func=_export)
    rep = sub.add_parser("report", help=h("dự thảo báo cáo của một đơn vị cho một kỳ (DOCX, PDF hoặc Markdown)",
                                          "a draft report of a unit for a period (DOCX, PDF or Markdown)"))
    rep.add_argument("--unit", required=True)
    rep.add_argument("--period", required=True, help=h("2025H1 (6 tháng đầu năm 2025), 2025 (cả năm)…",
                                                       "2025H1, 2025…"))
    rep.add_argument("--format", choices=("docx", "pdf", "md"), default="docx")
    rep.add_argument("--no-maps", dest="maps", action="store_false", help=h("không chèn bản đồ của đơn vị vào DOCX/PDF",
                                                                            "leave the unit's map out of the DOCX/PDF"))
    rep.add_argument("--review", action="store_true",
                     help=h("ghi phiếu rà soát (số liệu không khớp, kế hoạch suy ra…) thay cho dự thảo",
                            "write the review memo (figures that do not add up, inferred plans…) instead of the draft"))
    rep.add_argument("--indicator", action="append",
                     help=h("báo cáo của tỉnh xếp hạng các xã theo các chỉ tiêu này (lặp lại hoặc ngăn bằng dấu phẩy)",
                            "a province report ranks its communes on these (repeat or comma-separate)"))
    rep.add_argument("-o", "--output", required=True)
    rep.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    rep.set_defaults(func=_report)
    imp_root = sub.add_parser("import", help=h("nhập ranh giới hoặc bảng số liệu chỉ tiêu",
                                               "import boundaries or indicator tables")).add_subparsers(
        dest="what", required=True)
    imp_b = imp_root.add_parser(
        "boundaries", help=h("GeoJSON, GeoPackage, Shapefile (.shp/.zip), KML/KMZ, CSV có cột WKT hoặc kinh độ/vĩ độ",
                             "GeoJSON, GeoPackage, Shapefile (.shp/.zip), KML/KMZ, CSV with WKT or lon/lat"))
    imp_b.add_argument("path")
    imp_b.add_argument("--level", required=True, choices=("province", "commune", "village"))
    imp_b.add_argument("--vintage", default="2025", choices=("2025", "pre2025"))
    imp_b.add_argument("--code-field")
    imp_b.add_argument("--name-field")
    imp_b.add_argument("--parent-field")
    imp_b.add_argument("--crs", help=h("EPSG:<mã>, vn2000:<kinh tuyến trục> (ví dụ vn2000:103) hoặc vn2000:utm48",
                                       "EPSG:<code>, vn2000:<meridian> (e.g. vn2000:103) or vn2000:utm48"))
    imp_b.add_argument("--layer")
    imp_b.add_argument("--allow-outside", action="store_true",
                       help=h("chấp nhận bản nằm phần lớn ngoài xã của nó (tỷ lệ được báo)",
                              "accept villages that lie mostly outside their commune (the share is reported)"))
    imp_b.add_argument("--report", help=h("ghi báo cáo ghép (JSON)", "write the match report (JSON)"))
    imp_b.add_argument("--max-mb", type=int, default=200)
    imp_b.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp_b.set_defaults(func=_import_boundaries)
    imp_i = imp_root.add_parser("indicators", help=h("CSV hoặc XLSX, dạng dọc hoặc ngang, mọi bảng mã tiếng Việt",
                                                     "CSV or XLSX, long or wide layout, any Vietnamese encoding"))
    imp_i.add_argument("path")
    imp_i.add_argument("--sheet")
    imp_i.add_argument("--vintage", default=None, choices=("2025", "pre2025"),
                       help=h("bảng số liệu theo đơn vị nào (mặc định: tự nhận biết; pre2025 khi có đơn vị chỉ tồn tại "
                              "trước sắp xếp năm 2025)",
                              "the units the sheet is keyed to (default: inferred; pre2025 when some of its units "
                              "exist only before the 2025 merger)"))
    imp_i.add_argument("--accept-suggestions", action="store_true", help=h("nhận cả các gợi ý ghép tên gần đúng",
                                                                           "apply fuzzy name matches too"))
    imp_i.add_argument("--skip-unmatched", action="store_true",
                       help=h("nhập các dòng ghép được, bỏ qua (và liệt kê) các dòng không ghép được",
                              "import the rows that match and leave out (and list) the rows that do not"))
    imp_i.add_argument("--weight", help=h("chỉ tiêu làm trọng số khi gộp tỷ lệ của các đơn vị trước năm 2025",
                                          "indicator to weight rates by when merging pre-2025 units"))
    imp_i.add_argument("--period", help=h("kỳ của bảng không ghi kỳ (2024, 2025H1, 2025Q1, 2026-2030)",
                                          "the period of a sheet that names none (2024, 2025H1, 2025Q1, 2026-2030)"))
    imp_i.add_argument("--indicator", action="append", metavar=h("TIÊU_ĐỀ=MÃ", "HEADING=CODE"),
                       help=h("gán một tiêu đề cột cho một mã chỉ tiêu trong danh mục (lặp lại được)",
                              "map a heading to a catalogue code (repeatable)"))
    imp_i.add_argument("--province", help=h("mã hoặc tên tỉnh: tên đơn vị được ghép trong tỉnh này",
                                            "province code or name: names are matched within it"))
    imp_i.add_argument("--unit-column", help=h("tiêu đề của cột ghi tên đơn vị",
                                               "the heading of the column that names the units"))
    imp_i.add_argument("--ignore-column", action="append", metavar=h("TIÊU_ĐỀ", "HEADING"),
                       help=h("cột bỏ qua (lặp lại được)", "a column to skip (repeatable)"))
    imp_i.add_argument("--report", help=h("ghi báo cáo ghép (CSV), dù nhập được hay không",
                                          "write the join report (CSV), whatever the outcome"))
    imp_i.add_argument("--max-mb", type=int, default=50)
    imp_i.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp_i.set_defaults(func=_import_indicators)
    imp_c = imp_root.add_parser("codes", help=h(
        "bảng mã toàn quốc (đơn vị không có ranh giới), ví dụ admin_units_legacy_national.csv",
        "a national code table (units without boundaries), e.g. admin_units_legacy_national.csv"))
    imp_c.add_argument("path")
    imp_c.add_argument("--vintage", default="pre2025", choices=("2025", "pre2025"))
    imp_c.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp_c.set_defaults(func=_import_codes)
    imp_x = imp_root.add_parser("crosswalk", help=h("cặp xã cũ (trước 2025) – xã mới (2025)",
                                                    "old (pre-2025) to new (2025) commune pairs"))
    imp_x.add_argument("path")
    imp_x.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp_x.set_defaults(func=_import_codes)
    imp_r = imp_root.add_parser("raster", help=h(
        "ảnh GeoTIFF (lớp phủ, rừng, DEM, dân số theo lưới): thống kê theo từng xã, bản thành số liệu",
        "a GeoTIFF (land cover, forest, DEM, population grid): statistics per commune and village become figures"))
    imp_r.add_argument("path")
    imp_r.add_argument("--kind", required=True, choices=("landcover", "forest", "dem", "population"))
    imp_r.add_argument("--period", required=True, help=h("kỳ của ảnh (vd. 2025)", "the raster's period (e.g. 2025)"))
    imp_r.add_argument("--classes", help=h("mã các lớp rừng của ảnh lớp phủ, vd. forest=1,2,3",
                                           "the land-cover classes that are forest, e.g. forest=1,2,3"))
    imp_r.add_argument("--crs", help=h("EPSG:<mã> hoặc vn2000:<kinh tuyến trục> khi ảnh không ghi hệ toạ độ",
                                       "EPSG:<code> or vn2000:<central meridian> when the raster names no CRS"))
    imp_r.add_argument("--licence", help=h("giấy phép của ảnh", "the raster's licence"))
    imp_r.add_argument("--illustrative", action="store_true",
                       help=h("ảnh tự tạo cho bản demo: mọi số liệu từ ảnh ghi là minh hoạ",
                              "a made-up raster: every figure from it is marked illustrative"))
    imp_r.add_argument("--max-mb", type=int, default=500)
    imp_r.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    imp_r.set_defaults(func=_import_raster)
    imps = sub.add_parser("imports", help=h("nhật ký các lần nhập",
                                            "the import journal")).add_subparsers(dest="action", required=True)
    imps.add_parser("list", help=h("liệt kê các lần nhập", "list the imports")).set_defaults(func=_imports_list)
    undo = imps.add_parser("undo", help=h("hoàn tác một lần nhập (số liệu và ranh giới trước đó trở lại)",
                                           "undo an import (the figures and boundaries before it come back)"))
    undo.add_argument("id", type=int, help=h("số của lần nhập (xem imports list)",
                                             "the import's number (see imports list)"))
    undo.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS)
    undo.set_defaults(func=_imports_undo)
    bak = sub.add_parser("backup", help=h("sao lưu nhất quán CSDL (kể cả khi máy chủ đang chạy; PostGIS: pg_dump)",
                                          "a consistent copy of the store (while the server runs; PostGIS: pg_dump)"))
    bak.add_argument("-o", "--output", help=h("mặc định: backups/<tên>.<thời gian>.gpkg cạnh CSDL (PostGIS: .dump)",
                                              "default: backups/<name>.<time>.gpkg beside the store (PostGIS: .dump)"))
    bak.set_defaults(func=_backup)
    res = sub.add_parser("restore", help=h(
        "thay CSDL bằng một bản sao lưu (CSDL hiện tại được sao lưu trước; PostGIS: pg_restore)",
        "replace the store with a backup (the store as it was is backed up first; PostGIS: pg_restore)"))
    res.add_argument("path")
    res.set_defaults(func=_restore)
    stc = sub.add_parser("store", help=h("kho dữ liệu: chép giữa GeoPackage và PostGIS",
                                         "the store: copy between GeoPackage and PostGIS")).add_subparsers(
        dest="action", required=True)
    cp = stc.add_parser("copy", help=h("chép cả kho (mọi bảng), đếm dòng và đối chiếu hình học; đích phải trống",
                                       "copy a whole store (every table), count rows and compare geometries; the "
                                       "target must be empty"))
    cp.add_argument("src", help=h("tệp .gpkg hoặc postgresql://…", "a .gpkg file or postgresql://…"))
    cp.add_argument("dst", help=h("tệp .gpkg mới hoặc CSDL PostGIS trống", "a new .gpkg file or an empty PostGIS "
                                  "database"))
    cp.set_defaults(func=_store_copy)
    users_cli.register(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "users":
            return users_cli.run(args)
        return args.func(args)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (integrity.StoreDamagedError, store.StoreVersionError, store.StoreLocationError, sqlite3.Error,
            OSError, store.pg.PostgisError) as exc:
        print(_failure(exc, getattr(args, "lang", "vi")), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
