"""The production server: gunicorn with pre-forked workers, each with threads.

Why gunicorn: Werkzeug's development server serves one process; on the same store gunicorn
with 2 workers served the home page 2.7× and ``/api/progress`` 2.5× faster (measured for the
national-scale issue).  The app is created once in the master (``preload_app``: the store is
recovered, checked and upgraded once, not raced by the workers) and the workers fork from it.
Threads let a worker keep answering while one of its requests waits for a figure render.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def workers() -> int:
    """One worker per core (each has 4 threads for requests that wait), at least two so that a
    worker restarting or busy with a long figure never leaves the site without an answer."""
    return max(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def options(host: str, port: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": int(os.environ.get("WEBMAP_WORKERS") or workers()),
        "threads": int(os.environ.get("WEBMAP_THREADS", "4")),
        "worker_class": "gthread",
        "preload_app": True,
        "timeout": 960,  # an atlas may take up to its 900 s budget
        "graceful_timeout": 30,
        "limit_request_line": 16384,  # above the app's own 8,192, so the 414 is the app's bilingual one
        "accesslog": os.environ.get("WEBMAP_ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def serve(app: Any, host: str, port: int) -> None:
    from geodata.store import pg

    pg.close_pools()  # the master's PostGIS connections are not handed to the workers it forks
    Server(app, options(host, port)).run()
