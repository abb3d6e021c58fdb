"""Rebuild the committed sample store ``data/sample/sample.gpkg`` from ``../shared``.

Usage: ``python scripts/build_sample_db.py [--shared ../shared] [--out data/sample/sample.gpkg]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata import sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "data/sample/sample.gpkg")
    args = parser.parse_args()
    if not (args.shared / "data/raw").is_dir():
        sys.exit(f"Không thấy thư mục dữ liệu gốc / raw data folder not found: {args.shared / 'data/raw'}")
    counts = sample.build(args.shared, args.out)
    print(f"wrote {args.out}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
