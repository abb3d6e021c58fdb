"""Atlases as background jobs: the request returns at once, the page shows progress, then a link.

Why not memory: gunicorn runs several workers, and behind PostGIS several servers, and the poll
for progress may reach any of them; so a job's state and PDF are kept by ``store.server`` (files
beside a GeoPackage store, the database's ``jobs`` table behind PostGIS), written by the child
process that draws it after every page.  A job's id is a hash of the data version
and the request, so the same atlas asked for twice is drawn once.  At most ``MAX_RUNNING`` jobs
draw at a time; a job whose state has not moved for ``STALE_S`` (its worker was restarted) is
reported as stopped and may be asked for again.  Old jobs beyond ``KEEP`` are removed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

from geodata.store import server
from webmap import figures, render_pool

MAX_RUNNING = 2
STALE_S = 120.0
KEEP = 20
_lock = threading.Lock()


class TooManyJobs(Exception):
    """Every atlas slot is drawing."""


def job_id(version: Any, req: figures.FigureRequest) -> str:
    text = json.dumps([str(version), sorted((k, str(v)) for k, v in req.__dict__.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def write_state(location: str, jid: str, **state: Any) -> None:
    """Replace the job's state in one step, where every worker and server reads it."""
    server.write_job(location, jid, state)


def read_state(location: str, jid: str) -> dict[str, Any] | None:
    if not jid.isalnum():
        return None
    state = server.read_job(location, jid)
    if state is None:
        return None
    if state.get("status") in ("queued", "running") and time.time() - state.get("updated", 0) > STALE_S:
        state = {**state, "status": "failed", "message_vi": "Việc vẽ đã dừng giữa chừng (máy chủ khởi động lại); "
                 "hãy yêu cầu lại.", "message_en": "The drawing stopped part way (the server restarted); ask again."}
    return state


def _running(location: str) -> int:
    return sum(1 for jid, _ in server.jobs(location)
               if (read_state(location, jid) or {}).get("status") in ("queued", "running"))


def _prune(location: str) -> None:
    for jid, _state in server.jobs(location)[KEEP:]:
        if (read_state(location, jid) or {}).get("status") in ("queued", "running"):
            continue
        server.delete_job(location, jid)


def start(location: str, version: Any, req: figures.FigureRequest, title: str, filename: str = "") -> str:
    """The job for this atlas: an existing one (running or done), or a new one started now."""
    jid = job_id(version, req)
    with _lock:
        state = read_state(location, jid)
        if state is not None and state["status"] != "failed":
            return jid
        if _running(location) >= MAX_RUNNING:
            raise TooManyJobs
        _prune(location)
        write_state(location, jid, status="queued", done=0, total=None, title=title, filename=filename)
    thread = threading.Thread(target=_run, args=(location, jid, req, title, filename), daemon=True)
    thread.start()
    return jid


def result(location: str, jid: str) -> Any:
    """The finished job's PDF on this server (fetched when another server drew it)."""
    return server.fetch_job_result(location, jid)


def _run(location: str, jid: str, req: figures.FigureRequest, title: str, filename: str) -> None:
    try:
        render_pool.render_atlas_job(location, req, jid, title, filename)
    except figures.FigureError as exc:
        write_state(location, jid, status="failed", title=title, message_vi=exc.message_vi,
                    message_en=exc.message_en)
    except render_pool.RenderTimeout:
        write_state(location, jid, status="failed", title=title, message_vi="Vẽ tập bản đồ quá thời gian cho phép.",
                    message_en="The atlas took longer than allowed.")
    except render_pool.RenderTooLarge:
        write_state(location, jid, status="failed", title=title, message_vi="Tập bản đồ cần nhiều bộ nhớ hơn mức "
                    "cho phép; giảm dpi.", message_en="The atlas needs more memory than allowed; lower the dpi.")
    except Exception as exc:  # recorded for the user, never a traceback on their page
        write_state(location, jid, status="failed", title=title, message_vi="Lỗi khi vẽ tập bản đồ.",
                    message_en="The atlas could not be drawn.", detail=f"{type(exc).__name__}")
