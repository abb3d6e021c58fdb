"""No SQL outside the store package: ``webmap`` asks the store, and so do ingest, evaluation,
reports and exports (issue #25: SQL was written in 25 modules, webmap included)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"""(?x)
    \.execute(many|script)?\(            # a statement run on a connection
  | ["'](\s|f)*(SELECT|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM
                |CREATE\s+(TEMP\s+)?(TABLE|VIEW|INDEX)|DROP\s+(TABLE|VIEW)|PRAGMA|WITH\s+RECURSIVE
                |BEGIN\s+IMMEDIATE|VACUUM)\b""")


def sql_outside_store() -> list[str]:
    found = []
    for folder in ("geodata", "webmap", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.is_relative_to(ROOT / "geodata" / "store"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if SQL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    return found


def test_no_sql_statement_outside_the_store_package():
    assert sql_outside_store() == []
