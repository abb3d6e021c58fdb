"""Vendor the front-end assets that folium references into ``static/vendor``.

Why: the served pages must work on an office PC with no internet, so every
script and stylesheet folium would load from a CDN is fetched once from the npm
registry (``npm pack``), copied here and committed.  ``static/vendor/manifest.json``
maps each CDN URL folium knows to the local copy; ``webmap.assets`` rewrites
folium's references with it at render time.

Run: ``python scripts/vendor_assets.py`` (needs ``npm``; only when upgrading).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"

# (npm package, version, files to copy (inside ``package/``), {CDN URL: local file})
PACKAGES: list[tuple[str, str, list[str], dict[str, str]]] = [
    (
        "leaflet",
        "1.9.3",
        ["dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png",
         "dist/images/layers-2x.png", "dist/images/marker-icon.png",
         "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png", "LICENSE"],
        {
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "dist/leaflet.js",
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "dist/leaflet.css",
        },
    ),
    (
        "leaflet.fullscreen",
        "3.0.0",
        ["Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg", "LICENSE"],
        {
            # jsDelivr minifies on the fly; the npm package ships only the plain file.
            "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js":
                "Control.FullScreen.js",
            "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css":
                "Control.FullScreen.css",
        },
    ),
    (
        "jquery",
        "3.7.1",
        ["dist/jquery.min.js", "LICENSE.txt"],
        {
            "https://code.jquery.com/jquery-3.7.1.min.js": "dist/jquery.min.js",
            "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js": "dist/jquery.min.js",
        },
    ),
    (
        "bootstrap",
        "5.2.2",
        ["dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css", "LICENSE"],
        {
            "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
                "dist/js/bootstrap.bundle.min.js",
            "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css":
                "dist/css/bootstrap.min.css",
        },
    ),
    (
        "@fortawesome/fontawesome-free",
        "6.2.0",
        ["css/all.min.css", "webfonts/fa-solid-900.woff2", "webfonts/fa-regular-400.woff2",
         "webfonts/fa-brands-400.woff2", "webfonts/fa-v4compatibility.woff2", "LICENSE.txt"],
        {
            "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
                "css/all.min.css",
        },
    ),
    (
        "leaflet.awesome-markers",
        "2.0.5",
        ["dist/leaflet.awesome-markers.js", "dist/leaflet.awesome-markers.css",
         "dist/images/markers-soft.png", "dist/images/markers-soft@2x.png",
         "dist/images/markers-shadow.png", "dist/images/markers-shadow@2x.png",
         "dist/images/markers-matte.png", "dist/images/markers-matte@2x.png", "LICENSE"],
        {
            "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
                "dist/leaflet.awesome-markers.js",
            "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
                "dist/leaflet.awesome-markers.css",
        },
    ),
    (
        # Vector tiles for pages of thousands of units (webmap.map_elements.VectorUnits).  The
        # package has no LICENSE file: its package.json says "Beerware"; kept beside it.
        "leaflet.vectorgrid",
        "1.3.0",
        ["dist/Leaflet.VectorGrid.bundled.min.js", "package.json", "README.md"],
        {
            "https://unpkg.com/leaflet.vectorgrid@1.3.0/dist/Leaflet.VectorGrid.bundled.min.js":
                "dist/Leaflet.VectorGrid.bundled.min.js",
        },
    ),
]


def _pack(name: str, version: str, workdir: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent"],
        cwd=workdir, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    return workdir / out


def main() -> None:
    manifest: dict[str, dict] = {"urls": {}, "packages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, version, files, urls in PACKAGES:
            tgz = _pack(name, version, work)
            target = VENDOR / f"{name.replace('/', '__')}@{version}"
            if target.exists():
                shutil.rmtree(target)
            with tarfile.open(tgz) as tar:
                for rel in files:
                    member = tar.getmember(f"package/{rel}")
                    data = tar.extractfile(member)
                    assert data is not None
                    dest = target / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data.read())
            manifest["packages"][f"{name}@{version}"] = {
                "sha256_tgz": hashlib.sha256(tgz.read_bytes()).hexdigest(),
                "files": files,
            }
            for url, rel in urls.items():  # keyed without the scheme: the file names no host to load from
                manifest["urls"][url.split("://", 1)[1]] = f"vendor/{target.name}/{rel}"
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"vendored {len(PACKAGES)} packages, {len(manifest['urls'])} URLs")


if __name__ == "__main__":
    main()
