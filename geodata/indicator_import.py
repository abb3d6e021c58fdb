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
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata import catalogue, periods, sheet_layout, store, tables, vocabulary
from geodata.imports import ImportRefused, problem
from geodata.store import journal, workflow
from geodata.unit_matching import Match, UnitIndex, match_units

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
    vintage: str | None = None  # None: inferred from the sheet's units (see unit_matching.sheet_vintage)
    sheet: str | None = None
    accept_suggestions: bool = False
    weight: str | None = None  # indicator to weight rates by when merging pre-2025 units
    max_bytes: int = 50 * 2**20
    period: str | None = None  # for a sheet that says no period anywhere
    indicators: dict[str, str] = field(default_factory=dict)  # heading as written -> catalogue code
    province: str | None = None  # code or name: scopes name matching
    unit_column: str | None = None
    ignore_columns: tuple[str, ...] = ()
    # The browser's preview: suggestions accepted one by one (the unit or heading as written),
    # rows of units still unmatched left out (and named) instead of refusing the file.
    accepted: frozenset[str] = frozenset()
    skip_unmatched: bool = False
    # Figures from the browser go to ``entries`` (chờ duyệt) in the user's name, never straight
    # onto the maps; ``allowed`` says whether the user may report for a 2025 unit.
    entry_user: str | None = None
    allowed: Callable[[str], bool] | None = None
    dry_run: bool = False  # every check, nothing written: the browser's preview of the join


    def accepts(self, written: str) -> bool:
        return self.accept_suggestions or written in self.accepted


@dataclass
class Result:
    import_id: int | None
    counts: dict[str, int]
    matches: list[Match]
    encoding: str
    layout: str
    indicator_matches: list[vocabulary.IndicatorMatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Every value the import writes (or, in a dry run, would write): unit, indicator, period, kind,
    # value, and the stored value it stands beside, so a preview shows what will change.
    planned: list[dict[str, Any]] = field(default_factory=list)


def _period(cell: str) -> periods.Period | None:
    """A period cell as written: ``2024``, ``2024.0``, ``Năm 2024``, ``6 tháng đầu năm 2025``."""
    try:
        return periods.parse(cell)
    except ValueError:
        found, rest = periods.find(cell)
        if found is None or rest:
            raise
        return found


def _resolve_headings(headings: dict[str, str], vocab: vocabulary.Vocabulary, opts: Options,
                      field_of: dict[str, str]) -> tuple[dict[str, vocabulary.IndicatorMatch],
                                                         dict[str, dict[str, Any]]]:
    """One match per distinct heading (not per row); a problem per heading that cannot be used.

    ``headings`` maps the heading as written to the label to match (its period removed)."""
    mapped = {sheet_layout.norm(k): v.strip() for k, v in opts.indicators.items()}
    out: dict[str, vocabulary.IndicatorMatch] = {}
    problems: dict[str, dict[str, Any]] = {}
    for written, label in headings.items():
        given = mapped.get(sheet_layout.norm(written)) or mapped.get(sheet_layout.norm(label))
        if given is not None:
            m = vocab.resolve(given)
            if m.status != "matched" or m.rule != "code":
                problems[written] = (problem(
                    f"--indicator '{written}={given}': '{given}' không phải mã chỉ tiêu trong danh mục",
                    f"--indicator '{written}={given}': '{given}' is not a catalogue code", field="--indicator"))
                continue
            out[written] = vocabulary.IndicatorMatch(written, given, "matched", "--indicator")
            continue
        m = vocab.resolve(label)
        m.written = written
        out[written] = m
        hint_vi = f"; hoặc chỉ rõ: --indicator \"{written}=<mã>\""
        hint_en = f"; or say which: --indicator \"{written}=<code>\""
        where = field_of.get(written)
        if m.status == "suggested" and not opts.accepts(written):
            problems[written] = (problem(
                f"chỉ tiêu '{written}' không có trong danh mục; gợi ý: {m.candidates[0]} (điểm {m.score})"
                f" — dùng --accept-suggestions để nhận{hint_vi}",
                f"indicator '{written}' is not in the catalogue; suggestion: {m.candidates[0]} (score {m.score})"
                f" — use --accept-suggestions{hint_en}", field=where))
        elif m.status == "ambiguous":
            problems[written] = (problem(
                f"chỉ tiêu '{written}' khớp nhiều mục: {', '.join(m.candidates)}{hint_vi}",
                f"indicator '{written}' matches several entries: {', '.join(m.candidates)}{hint_en}", field=where))
        elif m.status == "unmatched":
            problems[written] = (problem(
                f"chỉ tiêu '{written}' không có trong danh mục; thêm tên gọi khác bằng 'webmap catalogue import'"
                f"{hint_vi}",
                f"indicator '{written}' is not in the catalogue; add it as an alias with 'webmap catalogue import'"
                f"{hint_en}", field=where))
    return out, problems


# Measurement units of things that are counted: a count is a whole number, never negative.
COUNT_UNITS = {"households", "persons", "villages", "communes", "works", "schools", "pupils", "enterprises",
               "cooperatives", "projects", "events", "permits", "decisions", "products", "sites", "groups", "cases",
               "visits", "inspections", "patients"}


def _label(heading: str) -> str | None:
    """The sheet's own words for a figure (a report drafts it under them), not a machine code."""
    heading = " ".join(heading.split()).strip(" :-–")
    return None if not heading or re.fullmatch(r"[a-z0-9_.]+", heading) else heading[:200]


def _implausible(number: float, written: str, unit: str | None) -> tuple[str, str] | None:
    """Why a number cannot be what the sheet means, for its indicator's unit (or None).

    Why: "4,230" households reads as 4,23 in Vietnamese (the comma is the decimal mark); a rate
    of 9340 % or -5 households is a typing or format error, never a figure to store."""
    if unit in COUNT_UNITS and (number < 0 or number != int(number)):
        return (f"'{written}' không phải số đếm ({unit}): phải là số nguyên không âm; nếu là hàng nghìn, ghi "
                f"{int(number * 1000) if number < 1000 else int(number)} hoặc dùng dấu chấm (4.230)",
                f"'{written}' is not a count ({unit}): it must be a whole number, not negative; for thousands "
                "write it without a separator or with a dot (4.230)")
    if unit and unit.split(";")[0].strip() == "%" and not 0 <= number <= 100:
        return (f"'{written}' không phải tỷ lệ phần trăm (0-100)", f"'{written}' is not a percentage (0-100)")
    return None


@dataclass
class Sheet:
    rows: list[dict[str, Any]]
    encoding: str
    layout: str
    indicators: dict[str, vocabulary.IndicatorMatch]
    problems: list[dict[str, Any]]
    notes: list[str]
    unit_rows: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)  # every unit as written


def read_rows(conn: sqlite3.Connection, path: Path, opts: Options) -> Sheet:
    """Rows as dicts (row, unit_code, unit_name, province, indicator_code, period, number, kind) and
    every problem found (the caller refuses the file if there is any)."""
    grid, encoding = tables.read_grid(path, opts.sheet, opts.max_bytes)
    grid = [[str(c) for c in row] for row in grid if any(str(c).strip() for c in row)]
    if len(grid) < 2:
        raise ImportRefused(str(path), [problem("tệp không có dòng số liệu nào", "the file has no data rows")])
    lay = sheet_layout.find(grid, str(path), opts.unit_column, opts.ignore_columns)
    header, roles = lay.header, lay.roles
    notes = list(lay.notes) + [
        f"bỏ qua cột '{header[i] or i + 1}' ({why}) / column '{header[i] or i + 1}' skipped ({why})"
        for i, why in sorted(lay.skipped.items()) if why != "blank"]
    default_period = opts.period or (str(lay.title_period) if lay.title_period else None)
    if opts.period:
        try:
            _period(opts.period)
        except ValueError as exc:
            raise ImportRefused(str(path), [problem(str(exc).split(" / ")[0], str(exc).split(" / ")[-1],
                                                    field="--period")]) from None

    def cell(row: list[str], role: str) -> str:
        i = roles.get(role)
        return row[i].strip() if i is not None and i < len(row) else ""

    raw: list[dict[str, Any]] = []
    headings: dict[str, str] = {}
    field_of: dict[str, str] = {}
    skipped_totals = []
    for n, row in enumerate(grid[lay.first_data_row:], start=lay.first_data_row + 1):
        name = cell(row, "unit_name")
        if not cell(row, "unit_code") and sheet_layout.is_total_row(name):
            skipped_totals.append(n)
            continue
        base = {"row": n, "unit_code": cell(row, "unit_code"), "unit_name": name,
                "province": "|".join((cell(row, "province"), cell(row, "district"))).rstrip("|"),
                "kind": cell(row, "kind")}
        if lay.long:
            written = cell(row, "indicator")
            label_period, label = periods.find(written)
            headings.setdefault(written, label if label_period else written)
            field_of.setdefault(written, header[roles["indicator"]])
            raw.append({**base, "indicator": written, "period": cell(row, "period") or
                        (str(label_period) if label_period else ""), "value": cell(row, "value"),
                        "value_field": header[roles["value"]], "measure_unit": cell(row, "measure_unit")})
            continue
        for i in lay.value_columns:
            written = header[i]
            found, label = periods.find(written)
            if written not in headings:
                headings[written] = label if found else written
                field_of[written] = written
            raw.append({**base, "indicator": written,
                        "period": str(found) if found else cell(row, "period"),
                        "value": row[i].strip() if i < len(row) else "", "value_field": written,
                        "measure_unit": "", "column": i})
    if skipped_totals:
        notes.append(f"bỏ qua {len(skipped_totals)} dòng tổng (dòng {', '.join(map(str, skipped_totals))}) / "
                     f"{len(skipped_totals)} total row(s) skipped")
    vocab = vocabulary.Vocabulary.load(conn)
    matched, heading_problems = _resolve_headings(headings, vocab, opts, field_of)
    for written, m in list(matched.items()):  # a two-row header's lower cell may name the indicator alone
        col = next((r.get("column") for r in raw if r["indicator"] == written), None)
        sub = lay.subs.get(col) if col is not None else None
        if m.status not in ("matched", "matched_by_rule") and sub and sub != written:
            again = vocab.resolve(periods.find(sub)[1] or sub)
            if again.status in ("matched", "matched_by_rule"):
                again.written, again.rule = written, f"{again.rule} (dòng tiêu đề dưới / lower header row)"
                matched[written] = again
                heading_problems.pop(written, None)
    problems: list[dict[str, Any]] = []
    for written, p in heading_problems.items():  # named on every row (long) or on the header row (wide)
        at = sorted({r["row"] for r in raw if r["indicator"] == written}) if lay.long else [lay.first_data_row]
        problems += [{**p, "row": n} for n in at]
    units_of = store.figures.measure_units_of(conn)
    rows = []
    for r in raw:
        m = matched.get(r["indicator"])
        if not r["indicator"] or m is None or m.code is None or (
                m.status == "suggested" and not opts.accepts(r["indicator"])):
            if not r["indicator"]:
                problems.append(problem("thiếu tên chỉ tiêu", "the indicator is missing", row=r["row"],
                                        field=header[roles["indicator"]] if "indicator" in roles else None))
            continue
        r["indicator_code"] = m.code
        r["label"] = _label(headings.get(r["indicator"]) or r["indicator"])
        r["measure_unit"] = r["measure_unit"] or m.measure_unit or ""
        try:
            r["number"] = tables.parse_number(r["value"].replace("ha", "").replace("tấn", ""))
        except ValueError:
            problems.append(problem(f"'{r['value']}' không phải là số", f"'{r['value']}' is not a number",
                                    row=r["row"], field=r["value_field"]))
            continue
        if r["number"] is None:
            continue
        doubt = _implausible(r["number"], r["value"], units_of.get(m.code) or units_of.get(m.code.split("__")[0]))
        if doubt:
            problems.append(problem(*doubt, row=r["row"], field=r["value_field"]))
            continue
        try:
            p = _period(r["period"]) if r["period"] else None
        except ValueError as exc:
            problems.append(problem(str(exc).split(" / ")[0], str(exc).split(" / ")[-1], row=r["row"],
                                    field=header[roles["period"]] if "period" in roles else "period"))
            continue
        if p is None and default_period:
            p = _period(default_period)
        if p is None:
            problems.append(problem(
                "thiếu năm/kỳ: thêm cột 'Năm', ghi năm vào tiêu đề cột, hoặc dùng --period 2024",
                "the year or period is missing: add a 'Năm' column, put the year in the heading, or use --period 2024",
                row=r["row"], field="period"))
            continue
        r["period"] = str(p)
        kind = KINDS.get(r["kind"].strip().lower(), "actual" if not r["kind"] else None)
        if kind is None:
            problems.append(problem(f"loại '{r['kind']}' không rõ; dùng thực hiện/kế hoạch/mục tiêu",
                                    f"unknown kind '{r['kind']}'; use actual/plan/target", row=r["row"],
                                    field="kind"))
            continue
        r["kind"] = kind
        rows.append(r)
    unit_rows: dict[tuple[str, str, str], list[int]] = {}
    for r in raw:
        if str(r["value"]).strip():
            unit_rows.setdefault((r["unit_code"], r["unit_name"], r["province"]), []).append(r["row"])
    return Sheet(rows, encoding, "long" if lay.long else "wide", matched, problems, notes, unit_rows)


def write_report(path: Path, matches: list[Match], indicators: list[vocabulary.IndicatorMatch],
                 problems: list[str], notes: list[str]) -> None:
    """The join report: every unit and indicator as written, how it was matched, and (for a
    refused file) every problem; written whatever the outcome, so a refusal can be worked on."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["what", "written", "status", "rule", "score", "code", "vintage", "full_name", "candidates"])
        for m in sorted(matches, key=lambda m: (m.status, m.written)):
            w.writerow(["unit", m.written, m.status, m.rule or "", m.score, m.code or "", m.vintage or "",
                        m.full_name or "", "; ".join(m.candidates)])
        for i in sorted(indicators, key=lambda i: (i.status, i.written)):
            w.writerow(["indicator", i.written, i.status, i.rule or "", i.score, i.code or "", "", "",
                        "; ".join(i.candidates)])
        for line in problems:
            w.writerow(["problem", line, "refused", "", "", "", "", "", ""])
        for line in notes:
            w.writerow(["note", line, "", "", "", "", "", "", ""])


def import_indicators(conn: sqlite3.Connection, path: Path, opts: Options, report: Path | None = None) -> Result:
    matches: dict[tuple[str, str, str], Match] = {}
    sheet = None
    try:
        sheet = read_rows(conn, path, opts)
        result = _check_and_store(conn, path, opts, sheet, matches)
    except ImportRefused as exc:
        if report is not None:
            write_report(report, list(matches.values()), list(sheet.indicators.values()) if sheet else [],
                         exc.lines("vi") + exc.lines("en"), sheet.notes if sheet else [])
        raise
    if report is not None:
        write_report(report, result.matches, result.indicator_matches, [], result.notes)
    return result


def _check_and_store(conn: sqlite3.Connection, path: Path, opts: Options, sheet: Sheet,
                     matches: dict[tuple[str, str, str], Match]) -> Result:
    rows = sheet.rows
    problems = list(sheet.problems)
    notes = list(sheet.notes)
    index = UnitIndex(conn)
    scope = index.province_code(opts.province) if opts.province else None
    if opts.province and scope is None:
        known = ", ".join(sorted(index.province_names))
        raise ImportRefused(str(path), [problem(f"không có tỉnh '{opts.province}' (có: {known})",
                                                f"no province '{opts.province}' (known: {known})", field="--province")])
    found, inferred, vintage = match_units(conn, set(sheet.unit_rows), opts.vintage, scope, index=index)
    matches.update(found)
    if opts.vintage is None and vintage == "pre2025":
        notes.append("bảng dùng đơn vị trước 1/7/2025 (có đơn vị chỉ tồn tại trước sáp nhập), quy đổi sang đơn vị "
                     "2025 / the sheet is keyed to pre-2025 units (some exist only before the merger); converted to "
                     "the 2025 units")
    if inferred and any(m.rule and "tỉnh của bảng" in m.rule for m in found.values()):
        notes.append(f"tên trùng được ghép trong tỉnh của bảng ({inferred}) / repeated names matched within the "
                     f"sheet's province ({inferred})")
    skipped: set[tuple[str, str, str]] = set()
    for written, at in sheet.unit_rows.items():
        m = matches[written]
        if m.status == "suggested" and opts.accepts(m.written) and not opts.dry_run:
            m.rule = f"{m.rule}, accepted"
        if m.status in ("unmatched", "ambiguous") or (m.status == "suggested" and not opts.accepts(m.written)):
            if opts.skip_unmatched:
                skipped.add(written)
                notes.append(f"bỏ qua {len(at)} dòng của '{m.written}' (không ghép được) / left out {len(at)} "
                             f"row(s) of '{m.written}' (not matched)")
                continue
            extra_vi = {
                "suggested": f"; gợi ý: {m.full_name} ({m.code}, điểm {m.score}) — dùng --accept-suggestions để nhận",
                "ambiguous": f"; khớp nhiều đơn vị: {', '.join(m.candidates)} — chỉ rõ tỉnh bằng --province",
            }.get(m.status, "")
            if m.rule == "code/name":
                extra_vi = f"; mã này là {', '.join(m.candidates)}, khác với tên ghi trong bảng: kiểm tra mã hoặc tên"
            extra_en_conflict = (f"; that code is {', '.join(m.candidates)}, not the name the row gives: check the "
                                 "code or the name") if m.rule == "code/name" else ""
            extra_en = {
                "suggested": f"; suggestion: {m.full_name} ({m.code}, score {m.score}) — use --accept-suggestions",
                "ambiguous": f"; matches several units: {', '.join(m.candidates)} — name the province with "
                             "--province",
            }.get(m.status, "") + extra_en_conflict
            problems += [problem(f"không ghép được đơn vị '{m.written}'{extra_vi}",
                                 f"unit '{m.written}' could not be matched{extra_en}", row=n, field="unit") for n in at]
    rows = [r for r in rows if (r["unit_code"], r["unit_name"], r["province"]) not in skipped]
    if not rows and not problems:
        problems.append(problem("không còn dòng nào để nhập", "no rows are left to import"))
    for r in rows:
        r["match"] = matches[(r["unit_code"], r["unit_name"], r["province"])]
    if opts.allowed is not None:
        problems += _outside_rights(conn, rows, opts.allowed)
    seen: dict[tuple, tuple[float, int]] = {}
    for r in rows:
        m = r["match"]
        key = (m.code, m.vintage, r["indicator_code"], r["period"], r["kind"])
        if m.code and key in seen and seen[key][0] != r["number"]:
            problems.append(problem(
                f"trùng dòng {seen[key][1]} nhưng khác giá trị ({seen[key][0]:g} và {r['number']:g})",
                f"duplicates row {seen[key][1]} with a different value ({seen[key][0]:g} and {r['number']:g})",
                row=r["row"], field=r["value_field"]))
        seen.setdefault(key, (r["number"], r["row"]))
    if problems:
        raise ImportRefused(str(path), problems)
    rows = [r for r in rows
            if seen[(r["match"].code, r["match"].vintage, r["indicator_code"], r["period"], r["kind"])][1] == r["row"]]
    converted, conversion_problems = _convert_pre2025(conn, rows, opts)
    if conversion_problems:
        raise ImportRefused(str(path), conversion_problems)
    partial = [c for c in converted if c.get("missing")]
    notes += [f"{c['code']} {c['indicator']} {c['period']}: chỉ một phần (thiếu {c['missing']}) / partial "
              f"(missing {c['missing']})" for c in partial]
    counts = {
        "rows": len(rows),
        "observations": len(rows) + len(converted),
        "converted": len(converted),
        "partial": len(partial),
        **{s: sum(1 for m in matches.values() if m.status == s)
           for s in ("matched", "matched_by_rule", "suggested", "unmatched", "ambiguous")},
    }
    planned = _planned(conn, rows, converted)
    if opts.dry_run:
        return Result(None, counts, list(matches.values()), sheet.encoding, sheet.layout,
                      list(sheet.indicators.values()), notes, planned)
    with journal.transaction(conn, path):
        import_id, dataset = journal.open_import(
            conn, "indicators", path,
            {**{k: v for k, v in opts.__dict__.items() if k != "allowed"}, "accepted": sorted(opts.accepted),
             "encoding": sheet.encoding, "layout": sheet.layout, "province_inferred": inferred,
             "vintage_used": vintage},
            "Số liệu", "Figures", user=opts.entry_user)
        old_ids: dict[int, int] = {}
        for r in rows:
            m = r["match"]
            old_ids[r["row"]] = _insert(
                conn, import_id, dataset, path, m.code, m.vintage, r["indicator_code"], r["period"], r["kind"],
                r["number"], r.get("measure_unit") or None, [r["row"]],
                note=f"ghép theo quy tắc: {m.rule}" if m.rule not in ("exact", "code") else None,
                user=opts.entry_user, label=r.get("label"))
        label_of = {r["row"]: r.get("label") for r in rows}
        for c in converted:
            links = ", ".join(f"#{old_ids[n]}" for n in c["rows"])
            missing = f"; CHỈ MỘT PHẦN: thiếu {c['missing']}" if c.get("missing") else ""
            _insert(conn, import_id, dataset, path, c["code"], "2025", c["indicator"], c["period"], c["kind"],
                    c["value"], c.get("measure_unit"), c["rows"],
                    note=f"quy đổi từ đơn vị trước 2025 ({c['how']}); bản ghi gốc {links}{missing}",
                    scope=f"partial:{c['missing']}" if c.get("missing") else "unit", user=opts.entry_user,
                    label=label_of.get(c["rows"][0]))
        journal.finish(conn, import_id, counts, [m.__dict__ for m in matches.values()]
                       + [{"indicator": i.__dict__} for i in sheet.indicators.values()] + [{"note": n} for n in notes])
    return Result(import_id, counts, list(matches.values()), sheet.encoding, sheet.layout,
                  list(sheet.indicators.values()), notes, planned)


def _planned(conn: sqlite3.Connection, rows: list[dict[str, Any]], converted: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """The values to be written, each with the value the store holds now for the same unit,
    indicator, period and kind (None: a new figure)."""
    out = []
    items = [(r["match"].code, r["match"].vintage, r["match"].full_name, r["indicator_code"], r["period"], r["kind"],
              r["number"], r.get("measure_unit"), None, r["row"], r["match"].status == "suggested") for r in rows]
    items += [(c["code"], "2025", None, c["indicator"], c["period"], c["kind"], c["value"], c.get("measure_unit"),
               c.get("missing"), c["rows"][0], False) for c in converted]
    names: dict[tuple[str, str], str] = {}
    units: dict[str, str | None] = {}
    for code, vintage, name, indicator, period, kind, value, unit, missing, row, suggested in items:
        if not unit:  # the sheet gave none: the catalogue's
            if indicator not in units:
                entry = store.indicator(conn, catalogue.base_code(indicator))
                units[indicator] = entry["measure_unit"] if entry else None
            unit = units[indicator]
        if name is None:
            if (code, vintage) not in names:
                found = store.get_unit(conn, code, vintage)
                names[(code, vintage)] = found["full_name"] if found else code
            name = names[(code, vintage)]
        old = store.figures.newest_value(conn, code, vintage, indicator, period, kind)
        out.append({"row": row, "code": code, "vintage": vintage, "name": name, "indicator": indicator,
                    "period": period, "kind": kind, "value": value, "measure_unit": unit,
                    "old_value": old, "partial": missing, "suggested": suggested})
    return out


def _outside_rights(conn: sqlite3.Connection, rows: list[dict[str, Any]],
                    allowed: Callable[[str], bool]) -> list[dict[str, Any]]:
    """Rows about units the user may not report for (an editor of one commune uploading another's)."""
    out = []
    for r in rows:
        m = r["match"]
        if m.code is None:
            continue
        scope = workflow.scope_code(conn, m.code, m.vintage)
        if scope is None or not allowed(scope):
            out.append(problem(f"đơn vị {m.full_name} ({m.code}) nằm ngoài phạm vi được giao cho tài khoản này",
                               f"unit {m.full_name} ({m.code}) is outside the units this account may report for",
                               row=r["row"], field="unit"))
    return out


def _insert(
    conn, import_id, dataset, path, code, vintage, indicator, period, kind, value, measure_unit, rows, note=None,
    scope="unit", user: str | None = None, label: str | None = None,
) -> int:
    if user is not None:  # from the browser: awaiting approval, in the user's name
        entry = workflow.add_entry(conn, user, code, vintage, indicator, period, kind, value, measure_unit,
                                   state="submitted", source_name=path.name, source_row=rows[0], note=note,
                                   scope=scope, import_id=import_id)
        journal.record_insert(conn, import_id, "entries", entry)
        return entry
    obs_id = store.figures.add_figure(
        conn, unit_code=code, unit_vintage=vintage, indicator_code=indicator, period=period, kind=kind, value=value,
        measure_unit=measure_unit, scope=scope, source_doc=path.name, source_row=rows[0], note=note, illustrative=0,
        dataset_id=dataset, label=label)
    journal.record_insert(conn, import_id, "observations", obs_id)
    return obs_id


def _convert_pre2025(
    conn: sqlite3.Connection, rows: list[dict[str, Any]], opts: Options
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """2025 rows computed from rows keyed to pre-2025 units, through the official crosswalk.

    A 2025 unit whose predecessors are not all in the file gets a value only for the part
    that is: it is stored with ``scope = partial:<missing units>`` (never drawn or evaluated
    as the whole unit's value) and the missing predecessors are named.  A predecessor that
    was split between several 2025 units cannot be allocated and counts as missing."""
    new_of: dict[str, list[str]] = defaultdict(list)
    olds_of: dict[str, set[str]] = defaultdict(set)
    for old_code, new_code in store.units.crosswalk_pairs(conn):
        new_of[old_code].append(new_code)
        olds_of[new_code].add(old_code)
    old_names = store.units.names(conn, vintage="pre2025", level="commune")
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        m = r["match"]
        if m.vintage == "pre2025" and len(new_of.get(m.code, [])) == 1:
            groups[(new_of[m.code][0], r["indicator_code"], r["period"], r["kind"])].append(r)

    def missing(new: str, members: list[dict[str, Any]]) -> str:
        present = {m["match"].code for m in members}
        gone = sorted(olds_of[new] - present)
        return ", ".join(f"{c} {old_names.get(c, '')}".strip() + (" (bị chia, split)" if len(new_of[c]) > 1 else "")
                         for c in gone)

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
            "missing": missing(new, members),
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
                        "missing": ", ".join(sorted({parts[num_code]["missing"], parts[den_code]["missing"]} - {""})),
                    }
                )
    return out, problems


def summary(result: Result, lang: str = "vi") -> str:
    c = result.counts
    n = c.get("partial")
    partial_vi = f" ({n} chỉ một phần đơn vị, không vẽ như số liệu toàn xã)" if n else ""
    partial_en = f" ({n} cover only part of their unit, never drawn as the whole)" if n else ""
    if lang == "vi":
        return (
            f"Lần nhập {result.import_id} ({result.layout}, {result.encoding}): {c['observations']} số liệu, "
            f"{c['converted']} quy đổi từ đơn vị cũ{partial_vi}; ghép: {c['matched']} đúng tên/mã, "
            f"{c['matched_by_rule']} theo quy tắc, {c['suggested']} gợi ý"
        )
    return (
        f"Import {result.import_id} ({result.layout}, {result.encoding}): {c['observations']} values, "
        f"{c['converted']} converted from former units{partial_en}; matched {c['matched']} exactly, "
        f"{c['matched_by_rule']} by rule, {c['suggested']} suggestions"
    )


def report_lines(result: Result, lang: str = "vi") -> list[str]:
    units = [
        f"  {m.written!r:<28} -> {m.full_name or '–'} ({m.code or '–'}, {m.vintage or '–'}) "
        f"[{m.status}{', ' + m.rule if m.rule else ''}]"
        for m in sorted(result.matches, key=lambda m: m.written)
    ]
    indicators = [f"  {i.written!r:<28} -> {i.code} [{i.status}, {i.rule}]"
                  for i in sorted(result.indicator_matches, key=lambda i: i.written)]
    notes = [f"  * {n.split(' / ')[0] if lang == 'vi' else n.split(' / ')[-1]}" for n in result.notes]
    return units + indicators + notes


__all__ = ["Match", "Options", "Result", "import_indicators", "json"]
