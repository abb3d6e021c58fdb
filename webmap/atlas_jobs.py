"""Atlases as background jobs: the request returns at once, the page shows progress, then a link.

Why files and not memory: gunicorn runs several workers and the poll for progress may reach any
of them, so a job is a JSON state file beside its PDF (``<store dir>/jobs/``), written atomically
by the child process that draws it after every page.  A job's id is a hash of the data version
and the request, so the same atlas asked for twice is drawn once.  At most ``MAX_RUNNING`` jobs
draw at a time; a job whose state has not moved for ``STALE_S`` (its worker was restarted) is
reported as stopped and may be asked for again.  Old jobs beyond ``KEEP`` are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from webmap import figures, render_pool

MAX_RUNNING = 2
STALE_S = 120.0
KEEP = 20
_lock = threading.Lock()


class TooManyJobs(Exception):
    """Every atlas slot is drawing."""


def job_dir(db_path: str) -> Path:
    path = Path(db_path).resolve().parent / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_id(version: Any, req: figures.FigureRequest) -> str:
    text = json.dumps([str(version), sorted((k, str(v)) for k, v in req.__dict__.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def write_state(path: Path, **state: Any) -> None:
    """Replace the state file in one step (a reader never sees half of it)."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**state, "updated": time.time()}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def read_state(directory: Path, jid: str) -> dict[str, Any] | None:
    if not jid.isalnum():
        return None
    path = directory / f"{jid}.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("status") in ("queued", "running") and time.time() - state.get("updated", 0) > STALE_S:
        state = {**state, "status": "failed", "message_vi": "Việc vẽ đã dừng giữa chừng (máy chủ khởi động lại); "
                 "hãy yêu cầu lại.", "message_en": "The drawing stopped part way (the server restarted); ask again."}
    return state


def _running(directory: Path) -> int:
    return sum(1 for p in directory.glob("*.json")
               if (read_state(directory, p.stem) or {}).get("status") in ("queued", "running"))


def _prune(directory: Path) -> None:
    states = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in states[KEEP:]:
        if (read_state(directory, old.stem) or {}).get("status") in ("queued", "running"):
            continue
        old.unlink(missing_ok=True)
        old.with_suffix(".pdf").unlink(missing_ok=True)


def start(db_path: str, version: Any, req: figures.FigureRequest, title: str, filename: str = "") -> str:
    """The job for this atlas: an existing one (running or done), or a new one started now."""
    directory = job_dir(db_path)
    jid = job_id(version, req)
    with _lock:
        state = read_state(directory, jid)
        if state is not None and state["status"] != "failed":
            return jid
        if _running(directory) >= MAX_RUNNING:
            raise TooManyJobs
        _prune(directory)
        write_state(directory / f"{jid}.json", status="queued", done=0, total=None, title=title, filename=filename)
    thread = threading.Thread(target=_run, args=(db_path, directory, jid, req, title, filename), daemon=True)
    thread.start()
    return jid


def _run(db_path: str, directory: Path, jid: str, req: figures.FigureRequest, title: str, filename: str) -> None:
    state_path = directory / f"{jid}.json"
    try:
        render_pool.render_atlas_job(db_path, req, str(directory / f"{jid}.pdf"), str(state_path), title, filename)
    except figures.FigureError as exc:
        write_state(state_path, status="failed", title=title, message_vi=exc.message_vi, message_en=exc.message_en)
    except render_pool.RenderTimeout:
        write_state(state_path, status="failed", title=title, message_vi="Vẽ tập bản đồ quá thời gian cho phép.",
                    message_en="The atlas took longer than allowed.")
    except render_pool.RenderTooLarge:
        write_state(state_path, status="failed", title=title, message_vi="Tập bản đồ cần nhiều bộ nhớ hơn mức cho "
                    "phép; giảm dpi.", message_en="The atlas needs more memory than allowed; lower the dpi.")
    except Exception as exc:  # recorded for the user, never a traceback on their page
        write_state(state_path, status="failed", title=title, message_vi="Lỗi khi vẽ tập bản đồ.",
                    message_en="The atlas could not be drawn.", detail=f"{type(exc).__name__}")
