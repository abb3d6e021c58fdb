"""Importing indicator tables (CSV/XLSX, long or wide) and joining them to units.

Why a join report: names arrive with and without diacritics, prefixes, odd spacing,
legacy encodings and typos; a number that lands on the wrong commune is worse than
one refused.  Exact and rule-based matches (spacing, prefix, number style, accents)
are applied and listed with their rule; fuzzy matches are only suggestions unless
the user accepts them.  Rows keyed to pre-2025 units are converted to the 2025 unit
through the official crosswalk: counts are summed, rates recomputed from their parts
or weighted, never averaged plainly.  All or nothing, recorded in the journal.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata import catalogue, imports, names, periods, store, tables
from geodata.imports import ImportRefused, problem

COLUMNS = {
    "unit_code": ("mã xã", "mã đơn vị", "mã đvhc", "mã", "ma xa", "ma don vi", "code", "unit_code", "ma_xa"),
    "unit_name": (
        "tên xã",
        "tên đơn vị",
        "tên bản",
        "đơn vị",
        "xã",
        "ten xa",
        "ten don vi",
        "unit",
        "unit_name",
        "tên",
        "name",
        "commune",
    ),
    "indicator": ("chỉ tiêu", "mã chỉ tiêu", "chi tieu", "indicator", "indicator_code"),
    "period": ("năm", "kỳ", "nam", "ky", "year", "period", "kỳ báo cáo"),
    "value": ("giá trị", "gia tri", "value", "số liệu", "so lieu"),
    "measure_unit": ("đơn vị tính", "đvt", "dvt", "unit of measure", "measure_unit"),
    "kind": ("loại", "kind", "loai"),
}
# Rates that can be recomputed from their parts after a merge of units.
RATE_PARTS = {
    "poor_household_rate": ("poor_households", "households"),
    "near_poor_household_rate": ("near_poor_households", "households"),
}
KINDS = {
    "actual": "actual",
    "thực hiện": "actual",
    "kế hoạch": "plan",
    "plan": "plan",
    "mục tiêu": "target",
    "target": "target",
    "baseline": "baseline",
    "gốc": "baseline",
}


@dataclass
class Options:
    vintage: str = "2025"
    sheet: str | None = None
    accept_suggestions: bool = False
    weight: str | None = None  # indicator to weight rates by when merging pre-2025 units
    max_bytes: int = 50 * 2**20


@dataclass
class Match:
    written: str
    code: str | None
    vintage: str | None
    full_name: str | None
    rule: str | None
    score: float
    status: str  # matched, matched_by_rule, suggested, unmatched, ambiguous
    candidates: list[str] = field(default_factory=list)


@dataclass
class Result:
    import_id: int | None
    counts: dict[str, int]
    matches: list[Match]
    encoding: str
    layout: str


def _header_index(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        key = " ".join(h.strip().lower().split())
        for col, aliases in COLUMNS.items():
            if col not in found and key in aliases:
                found[col] = i
    return found


_PERIOD_IN_HEADER = re.compile(r"^(?P<name>.*?)[\s_(]*(?P<period>(19|20)\d\d(H[12]|Q[1-4])?)\)?\s*$")


def _catalogue_lookup(conn: sqlite3.Connection) -> tuple[dict[str, str], list[str]]:
    lookup: dict[str, str] = {}
    labels = []
    for row in conn.execute("SELECT code, name_vi, name_en FROM indicators"):
        lookup[row["code"]] = row["code"]
        for label in (row["name_vi"], row["name_en"]):
            lookup.setdefault(names.key(label), row["code"])
            labels.append(label)
    return lookup, labels


def resolve_indicator(conn: sqlite3.Connection, text: str) -> str | None:
    lookup, _ = _catalogue_lookup(conn)
    t = text.strip()
    base = catalogue.base_code(t)
    if base in lookup and lookup[base] == base:
        return t
    return lookup.get(names.key(t))


def _closest(conn: sqlite3.Connection, text: str) -> list[str]:
    rows = list(conn.execute("SELECT code, name_vi FROM indicators"))
    choices = {r["code"]: r["code"] for r in rows} | {r["name_vi"]: r["code"] for r in rows}
    close = difflib.get_close_matches(text, list(choices), n=3, cutoff=0.5)
    return list(dict.fromkeys(f"{choices[c]} ({c})" if choices[c] != c else c for c in close))


def read_rows(conn: sqlite3.Connection, path: Path, opts: Options) -> tuple[list[dict[str, Any]], str, str]:
    """Rows as dicts (row, unit_code, unit_name, indicator, period, value, measure_unit, kind)."""
    grid, encoding = tables.read_grid(path, opts.sheet, opts.max_bytes)
    grid = [row for row in grid if any(c.strip() for c in row)]
    if len(grid) < 2:
        raise ImportRefused(str(path), [problem("tệp không có dòng số liệu nào", "the file has no data rows")])
    header = [h.strip() for h in grid[0]]
    empty = [i + 1 for i, h in enumerate(header) if not h]
    if empty and any(any(row[i - 1].strip() for row in grid[1:] if len(row) >= i) for i in empty):
        raise ImportRefused(
            str(path),
            [
                problem(
                    f"ô tiêu đề trống ở cột {empty} (ô gộp?): mỗi cột số liệu cần một tiêu đề trên dòng 1",
                    f"empty header cells in columns {empty} (merged cells?): every data column needs a header in row 1",
                    row=1,
                )
            ],
        )
    idx = _header_index(header)
    if "unit_code" not in idx and "unit_name" not in idx:
        raise ImportRefused(
            str(path),
            [
                problem(
                    "không có cột mã hay tên đơn vị (vd. 'Mã xã', 'Tên xã')",
                    "no unit code or name column (e.g. 'Mã xã', 'Tên xã')",
                    row=1,
                )
            ],
        )
    problems: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []

    def cell(row: list[str], col: str) -> str:
        i = idx.get(col)
        return row[i].strip() if i is not None and i < len(row) else ""

    if "indicator" in idx and "value" in idx:
        layout = "long"
        for n, row in enumerate(grid[1:], start=2):
            rows.append(
                {
                    "row": n,
                    "unit_code": cell(row, "unit_code"),
                    "unit_name": cell(row, "unit_name"),
                    "indicator": cell(row, "indicator"),
                    "period": cell(row, "period"),
                    "value": cell(row, "value"),
                    "value_field": header[idx["value"]],
                    "measure_unit": cell(row, "measure_unit"),
                    "kind": cell(row, "kind"),
                }
            )
    else:
        layout = "wide"
        used = set(idx.values())
        value_cols = [i for i in range(len(header)) if i not in used and header[i]]
        if not value_cols:
            raise ImportRefused(
                str(path), [problem("không thấy cột chỉ tiêu nào", "no indicator columns found", row=1)]
            )
        for i in value_cols:
            m = _PERIOD_IN_HEADER.match(header[i])
            label, period = (m["name"].strip(), m["period"]) if m and m["name"].strip() else (header[i], "")
            for n, row in enumerate(grid[1:], start=2):
                rows.append(
                    {
                        "row": n,
                        "unit_code": cell(row, "unit_code"),
                        "unit_name": cell(row, "unit_name"),
                        "indicator": label,
                        "period": period or cell(row, "period"),
                        "value": row[i].strip() if i < len(row) else "",
                        "value_field": header[i],
                        "measure_unit": "",
                        "kind": cell(row, "kind"),
                    }
                )
    for r in rows:
        code = resolve_indicator(conn, r["indicator"]) if r["indicator"] else None
        if code is None:
            near = _closest(conn, r["indicator"])
            problems.append(
                problem(
                    f"chỉ tiêu '{r['indicator']}' không có trong danh mục"
                    + (f"; gần nhất: {', '.join(near)}" if near else ""),
                    f"indicator '{r['indicator']}' is not in the catalogue"
                    + (f"; closest: {', '.join(near)}" if near else ""),
                    row=r["row"],
                    field=r["value_field"] if layout == "wide" else header[idx["indicator"]],
                )
            )
            continue
        r["indicator_code"] = code
        try:
            r["number"] = tables.parse_number(r["value"].replace("ha", "").replace("tấn", ""))
        except ValueError:
            problems.append(
                problem(
                    f"'{r['value']}' không phải là số",
                    f"'{r['value']}' is not a number",
                    row=r["row"],
                    field=r["value_field"],
                )
            )
            continue
        try:
            p = periods.parse(r["period"])
        except ValueError as exc:
            problems.append(
                problem(
                    str(exc).split(" / ")[0],
                    str(exc).split(" / ")[-1],
                    row=r["row"],
                    field=header[idx["period"]] if "period" in idx else "period",
                )
            )
            continue
        if p is None:
            problems.append(problem("thiếu năm/kỳ", "the year or period is missing", row=r["row"], field="period"))
            continue
        r["period"] = str(p)
        kind = KINDS.get(r["kind"].strip().lower(), "actual" if not r["kind"] else None)
        if kind is None:
            problems.append(
                problem(
                    f"loại '{r['kind']}' không rõ; dùng thực hiện/kế hoạch/mục tiêu",
                    f"unknown kind '{r['kind']}'; use actual/plan/target",
                    row=r["row"],
                    field="kind",
                )
            )
            continue
        r["kind"] = kind
    if problems:
        raise ImportRefused(str(path), problems)
    return [r for r in rows if r.get("number") is not None], encoding, layout


def match_units(conn: sqlite3.Connection, written: set[tuple[str, str]], vintage: str) -> dict[tuple[str, str], Match]:
    """Match (code, name) pairs as written to units of 2025 or, failing that, pre-2025."""
    units = [
        dict(r)
        for r in conn.execute(
            "SELECT code, vintage, full_name, level FROM units WHERE level IN ('province', 'commune', 'village')"
        )
    ]
    by_code = {(u["code"], u["vintage"]): u for u in units}
    out: dict[tuple[str, str], Match] = {}
    for code, name in written:
        if code:
            for v in (vintage, "2025", "pre2025"):
                u = by_code.get((code, v))
                if u:
                    rule = "code" if v == vintage else f"code ({v})"
                    out[(code, name)] = Match(
                        code or name,
                        u["code"],
                        v,
                        u["full_name"],
                        rule,
                        1.0,
                        "matched" if v == vintage else "matched_by_rule",
                    )
                    break
            else:
                out[(code, name)] = Match(code, None, None, None, None, 0, "unmatched")
            continue
        result = None
        for rule, fn, status in (
            ("exact", names.key, "matched"),
            ("spacing/prefix", names.compact, "matched_by_rule"),
            ("accentless", names.loose, "matched_by_rule"),
        ):
            wanted = fn(name)
            hits = [u for u in units if fn(u["full_name"]) == wanted]
            preferred = [u for u in hits if u["vintage"] == vintage] or hits
            if len({(u["code"], u["vintage"]) for u in preferred}) == 1:
                u = preferred[0]
                shown = rule if u["vintage"] == vintage else f"{rule}, former unit ({u['vintage']})"
                result = Match(
                    name,
                    u["code"],
                    u["vintage"],
                    u["full_name"],
                    shown,
                    1.0 if rule == "exact" else 0.9,
                    status if u["vintage"] == vintage else "matched_by_rule",
                )
                break
            if len(preferred) > 1:
                result = Match(
                    name,
                    None,
                    None,
                    None,
                    rule,
                    0,
                    "ambiguous",
                    [f"{u['full_name']} ({u['code']}, {u['vintage']})" for u in preferred],
                )
                break
        if result is None:
            scored = sorted(
                (
                    (difflib.SequenceMatcher(None, names.loose(name), names.loose(u["full_name"])).ratio(), u)
                    for u in units
                    if u["vintage"] == vintage
                ),
                key=lambda s: -s[0],
            )
            if scored and scored[0][0] >= 0.75:
                score, u = scored[0]
                result = Match(name, u["code"], u["vintage"], u["full_name"], "fuzzy", round(score, 3), "suggested")
            else:
                result = Match(name, None, None, None, None, 0, "unmatched")
        out[(code, name)] = result
    return out


def write_report(matches: list[Match], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["written", "status", "rule", "score", "code", "vintage", "full_name", "candidates"])
        for m in sorted(matches, key=lambda m: (m.status, m.written)):
            w.writerow(
                [
                    m.written,
                    m.status,
                    m.rule or "",
                    m.score,
                    m.code or "",
                    m.vintage or "",
                    m.full_name or "",
                    "; ".join(m.candidates),
                ]
            )


def import_indicators(conn: sqlite3.Connection, path: Path, opts: Options, report: Path | None = None) -> Result:
    rows, encoding, layout = read_rows(conn, path, opts)
    matches = match_units(conn, {(r["unit_code"], r["unit_name"]) for r in rows}, opts.vintage)
    if report is not None:
        write_report(list(matches.values()), report)
    problems = []
    for r in rows:
        m = matches[(r["unit_code"], r["unit_name"])]
        if m.status in ("unmatched", "ambiguous") or (m.status == "suggested" and not opts.accept_suggestions):
            extra_vi = {
                "suggested": f"; gợi ý: {m.full_name} ({m.code}, điểm {m.score}) — dùng --accept-suggestions để nhận",
                "ambiguous": f"; khớp nhiều đơn vị: {', '.join(m.candidates)}",
            }.get(m.status, "")
            extra_en = {
                "suggested": f"; suggestion: {m.full_name} ({m.code}, score {m.score}) — use --accept-suggestions",
                "ambiguous": f"; matches several units: {', '.join(m.candidates)}",
            }.get(m.status, "")
            problems.append(
                problem(
                    f"không ghép được đơn vị '{m.written}'{extra_vi}",
                    f"unit '{m.written}' could not be matched{extra_en}",
                    row=r["row"],
                    field="unit",
                )
            )
        r["match"] = m
    seen: dict[tuple, tuple[float, int]] = {}
    for r in rows:
        m = r["match"]
        key = (m.code, m.vintage, r["indicator_code"], r["period"], r["kind"])
        if m.code and key in seen and seen[key][0] != r["number"]:
            problems.append(
                problem(
                    f"trùng dòng {seen[key][1]} nhưng khác giá trị ({seen[key][0]:g} và {r['number']:g})",
                    f"duplicates row {seen[key][1]} with a different value ({seen[key][0]:g} and {r['number']:g})",
                    row=r["row"],
                    field=r["value_field"],
                )
            )
        seen.setdefault(key, (r["number"], r["row"]))
    if problems:
        raise ImportRefused(str(path), problems)
    rows = [
        r
        for r in rows
        if seen[(r["match"].code, r["match"].vintage, r["indicator_code"], r["period"], r["kind"])][1] == r["row"]
    ]
    converted, conversion_problems = _convert_pre2025(conn, rows, opts)
    if conversion_problems:
        raise ImportRefused(str(path), conversion_problems)
    with store.transaction(conn):
        import_id, dataset = imports.open_import(
            conn, "indicators", path, {**opts.__dict__, "encoding": encoding, "layout": layout}, "Số liệu", "Figures"
        )
        inserted = 0
        old_ids: dict[int, int] = {}
        for r in rows:
            m = r["match"]
            oid = _insert(
                conn,
                import_id,
                dataset,
                path,
                m.code,
                m.vintage,
                r["indicator_code"],
                r["period"],
                r["kind"],
                r["number"],
                r.get("measure_unit") or None,
                [r["row"]],
                note=f"ghép theo quy tắc: {m.rule}" if m.rule not in ("exact", "code") else None,
            )
            old_ids[r["row"]] = oid
            inserted += 1
        for c in converted:
            links = ", ".join(f"#{old_ids[n]}" for n in c["rows"])
            _insert(
                conn,
                import_id,
                dataset,
                path,
                c["code"],
                "2025",
                c["indicator"],
                c["period"],
                c["kind"],
                c["value"],
                c.get("measure_unit"),
                c["rows"],
                note=f"quy đổi từ đơn vị trước 2025 ({c['how']}); bản ghi gốc {links}",
            )
            inserted += 1
        counts = {
            "rows": len(rows),
            "observations": inserted,
            "converted": len(converted),
            **{
                s: sum(1 for m in matches.values() if m.status == s)
                for s in ("matched", "matched_by_rule", "suggested", "unmatched", "ambiguous")
            },
        }
        imports.finish(conn, import_id, counts, [m.__dict__ for m in matches.values()])
    return Result(import_id, counts, list(matches.values()), encoding, layout)


def _insert(
    conn, import_id, dataset, path, code, vintage, indicator, period, kind, value, measure_unit, rows, note=None
) -> int:
    cur = conn.execute(
        "INSERT INTO observations (unit_code, unit_vintage, indicator_code, period, kind, value, measure_unit, scope,"
        " source_doc, source_row, note, illustrative, dataset_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (code, vintage, indicator, period, kind, value, measure_unit, "unit", path.name, rows[0], note, 0, dataset),
    )
    imports.record_insert(conn, import_id, "observations", int(cur.lastrowid))
    return int(cur.lastrowid)


def _convert_pre2025(
    conn: sqlite3.Connection, rows: list[dict[str, Any]], opts: Options
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """2025 rows computed from rows keyed to pre-2025 units, through the official crosswalk."""
    successor = {
        r["old_code"]: r["new_code"]
        for r in conn.execute(
            "SELECT old_code, new_code FROM crosswalk WHERE old_vintage='pre2025' AND new_vintage='2025'"
        )
    }
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        m = r["match"]
        if m.vintage == "pre2025" and m.code in successor:
            groups[(successor[m.code], r["indicator_code"], r["period"], r["kind"])].append(r)
    out, problems = [], []
    for (new, indicator, period, kind), members in sorted(groups.items()):
        entry = store.indicator(conn, catalogue.base_code(indicator)) or {}
        method = entry.get("aggregation_method", "none")
        item = {
            "code": new,
            "indicator": indicator,
            "period": period,
            "kind": kind,
            "rows": [m["row"] for m in members],
        }
        if method == "sum":
            out.append({**item, "value": sum(m["number"] for m in members), "how": "tổng / sum"})
            continue
        parts = RATE_PARTS.get(indicator)
        if parts:
            num = {
                (m["match"].code): m["number"]
                for m in rows
                if m["indicator_code"] == parts[0] and m["period"] == period and m["match"].vintage == "pre2025"
            }
            den = {
                (m["match"].code): m["number"]
                for m in rows
                if m["indicator_code"] == parts[1] and m["period"] == period and m["match"].vintage == "pre2025"
            }
            olds = [m["match"].code for m in members]
            if all(o in num and o in den for o in olds):
                continue  # recomputed below from the parts, for the whole new unit
        weight = opts.weight or entry.get("weight_indicator")
        weights = {
            m["match"].code: m["number"]
            for m in rows
            if m["indicator_code"] == weight and m["period"] == period and m["match"].vintage == "pre2025"
        }
        if weight and all(m["match"].code in weights for m in members):
            total = sum(weights[m["match"].code] for m in members)
            value = sum(m["number"] * weights[m["match"].code] for m in members) / total
            out.append({**item, "value": value, "how": f"bình quân gia quyền theo {weight} / weighted by {weight}"})
            continue
        problems.append(
            problem(
                f"không quy đổi được '{indicator}' sang đơn vị 2025 {new}: cần tử số và mẫu số "
                f"({' / '.join(RATE_PARTS.get(indicator, ('tử số', 'mẫu số')))}) hoặc trọng số (--weight)",
                f"cannot convert '{indicator}' to the 2025 unit {new}: the file needs its numerator and denominator "
                f"({' / '.join(RATE_PARTS.get(indicator, ('numerator', 'denominator')))}) or a weight (--weight)",
                row=members[0]["row"],
                field=members[0]["value_field"],
            )
        )
    # Rates recomputed from summed parts, for every new unit whose parts arrived.
    for rate, (num_code, den_code) in RATE_PARTS.items():
        sums: dict[tuple[str, str, str], dict[str, Any]] = {}
        for c in out:
            if c["indicator"] in (num_code, den_code):
                sums.setdefault((c["code"], c["period"], c["kind"]), {})[c["indicator"]] = c
        for (new, period, kind), parts in sums.items():
            if num_code in parts and den_code in parts and parts[den_code]["value"]:
                out.append(
                    {
                        "code": new,
                        "indicator": rate,
                        "period": period,
                        "kind": kind,
                        "rows": parts[num_code]["rows"] + parts[den_code]["rows"],
                        "value": parts[num_code]["value"] / parts[den_code]["value"] * 100,
                        "measure_unit": "%",
                        "how": f"{num_code} / {den_code} × 100",
                    }
                )
    return out, problems


def summary(result: Result, lang: str = "vi") -> str:
    c = result.counts
    if lang == "vi":
        return (
            f"Lần nhập {result.import_id} ({result.layout}, {result.encoding}): {c['observations']} số liệu, "
            f"{c['converted']} quy đổi từ đơn vị cũ; ghép: {c['matched']} đúng tên/mã, {c['matched_by_rule']} theo "
            f"quy tắc, {c['suggested']} gợi ý"
        )
    return (
        f"Import {result.import_id} ({result.layout}, {result.encoding}): {c['observations']} values, "
        f"{c['converted']} converted from former units; matched {c['matched']} exactly, {c['matched_by_rule']} by "
        f"rule, {c['suggested']} suggestions"
    )


def report_lines(result: Result, lang: str = "vi") -> list[str]:
    return [
        f"  {m.written!r:<28} -> {m.full_name or '–'} ({m.code or '–'}, {m.vintage or '–'}) "
        f"[{m.status}{', ' + m.rule if m.rule else ''}]"
        for m in sorted(result.matches, key=lambda m: m.written)
    ]


__all__ = ["Options", "Result", "import_indicators", "json"]
