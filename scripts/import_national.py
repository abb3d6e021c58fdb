"""Import the whole country into a working store through the product's own commands, timed.

Why a script and not a committed store: the national layer makes a 63 MB store (the sample
is 8 MB), and every rebuild of a committed binary adds its full size to the repository; the
import takes about half a minute, so anyone can make it from ``../shared`` when they need it.
Each step runs as its own ``webmap`` process and prints its wall time and peak memory
(``os.wait4``), the numbers the README quotes.

    python scripts/import_national.py --shared ../shared --out instance/national.gpkg
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def steps(shared: Path) -> list[list[str]]:
    raw = shared / "data/raw"
    gpkg = raw / "vietnamese-provinces-database/national/vn_admin_2025.gpkg"
    codes = raw / "vietnamadminunits"
    return [
        ["import", "boundaries", str(gpkg), "--layer", "provinces", "--level", "province"],
        ["import", "boundaries", str(gpkg), "--layer", "communes", "--level", "commune"],
        ["import", "codes", str(codes / "admin_units_2025_national.csv"), "--vintage", "2025"],
        ["import", "codes", str(codes / "admin_units_legacy_national.csv"), "--vintage", "pre2025"],
        ["import", "crosswalk", str(codes / "old_to_new_2025_national.csv")],
    ]


def run(args: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak resident MB and the last lines of output of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "webmap", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024, out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "instance" / "national.gpkg")
    parser.add_argument("--sample", type=Path, default=ROOT / "data/sample/sample.gpkg")
    args = parser.parse_args()
    if args.out.exists():
        print(f"{args.out} exists; move it away first", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.sample, args.out)
    env = {**os.environ, "WEBMAP_DB": str(args.out), "PYTHONPATH": str(ROOT)}
    total = 0.0
    for step in steps(args.shared):
        code, seconds, peak_mb, out = run(step, env)
        total += seconds
        print(f"{seconds:6.1f} s  {peak_mb:6.0f} MB peak  webmap {' '.join(step[:2])} {Path(step[2]).name} "
              f"{' '.join(step[3:])}")
        for line in out.strip().splitlines()[:4]:
            print(f"           {line}")
        if code != 0:
            print(out, file=sys.stderr)
            return code
    print(f"{total:6.1f} s  in all -> {args.out} ({args.out.stat().st_size / 2**20:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
