"""Print figures drawn in child processes, each with a memory and a time budget.

Why processes: a 600-dpi A3 PNG took ~265 MB and an atlas 90 s inside the web server; twelve
at once reached 4.4 GB.  A render now runs in a child forked from a clean forkserver (the
drawing modules preloaded, so a child starts in milliseconds), with its address space capped
(``RLIMIT_AS``) and killed when it runs past its time; the server process keeps only the bytes
that come back.  ``figure_views`` bounds how many run at once.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import resource
from typing import Any

from webmap import figures

MEMORY_BYTES = 2 * 2**30
SECONDS = {"map": 120.0, "atlas": 900.0}
_ctx = mp.get_context("forkserver")
_ctx.set_forkserver_preload(["webmap.figures", "geodata.store", "matplotlib.pyplot"])


class RenderTimeout(Exception):
    """The render ran past its time budget and was stopped."""


class RenderTooLarge(Exception):
    """The render needed more memory than its budget."""


def _child(out: Any, db_path: str, kind: str, req: figures.FigureRequest, memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from geodata import store

    try:
        conn = store.connect(db_path, readonly=True)
        if kind == "map":
            data, info = figures.render(conn, req)
            out.send(("ok", data, info))
        else:
            buf = io.BytesIO()
            figures.render_atlas(conn, req, buf)
            out.send(("ok", buf.getvalue(), None))
    except figures.FigureError as exc:
        out.send(("refused", exc.message_vi, exc.message_en))
    except MemoryError:
        out.send(("memory", None, None))
    except Exception as exc:  # reported to the parent, which logs it and answers 500
        out.send(("error", f"{type(exc).__name__}: {exc}", None))
    finally:
        out.close()


def _atlas_child(out: Any, db_path: str, req: figures.FigureRequest, jid: str, title: str,
                 filename: str, memory: int) -> None:
    """Draw job ``jid``'s atlas, its progress written after every page where every server reads it;
    the PDF is shared before the job says it is done."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from pathlib import Path

    from geodata import store
    from geodata.store import server
    from webmap.atlas_jobs import write_state

    pdf_path = server.job_result_path(db_path, jid)
    tmp = Path(str(pdf_path) + ".partial")
    try:
        conn = store.connect(db_path, readonly=True)

        def progress(done: int, total: int) -> None:
            write_state(db_path, jid, status="running", done=done, total=total, title=title, filename=filename)

        pages = figures.render_atlas(conn, req, str(tmp), progress=progress)
        conn.close()
        os.replace(tmp, pdf_path)
        server.put_job_result(db_path, jid)
        write_state(db_path, jid, status="done", done=pages, total=pages, title=title, filename=filename)
        out.send(("ok", None, None))
    except figures.FigureError as exc:
        out.send(("refused", exc.message_vi, exc.message_en))
    except MemoryError:
        out.send(("memory", None, None))
    except Exception as exc:  # reported to the parent, which records it on the job
        out.send(("error", f"{type(exc).__name__}: {exc}", None))
    finally:
        tmp.unlink(missing_ok=True)
        out.close()


def render_atlas_job(db_path: str, req: figures.FigureRequest, jid: str, title: str,
                     filename: str = "", *, memory: int = MEMORY_BYTES) -> None:
    """Job ``jid``'s atlas drawn by a child process that reports its pages as it goes."""
    _wait(_ctx.Process, _atlas_child, (db_path, req, jid, title, filename, memory), SECONDS["atlas"])


def _wait(process: Any, target: Any, args: tuple, seconds: float) -> tuple[Any, Any]:
    receive, send = _ctx.Pipe(duplex=False)
    proc = process(target=target, args=(send, *args), daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(seconds):
            proc.kill()
            raise RenderTimeout
        try:
            status, a, b = receive.recv()
        except EOFError:  # the child died (killed by the kernel for memory, for instance)
            raise RenderTooLarge from None
    finally:
        receive.close()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    if status == "ok":
        return a, b
    if status == "refused":
        raise figures.FigureError(a, b)
    if status == "memory":
        raise RenderTooLarge
    raise RuntimeError(a)


def render(db_path: str, kind: str, req: figures.FigureRequest, *, seconds: float | None = None,
           memory: int = MEMORY_BYTES) -> tuple[bytes, Any]:
    """``(data, info)`` of a figure (``kind="map"``) or an atlas PDF (``kind="atlas"``, info None)."""
    return _wait(_ctx.Process, _child, (db_path, kind, req, memory),
                 seconds if seconds is not None else SECONDS[kind])
