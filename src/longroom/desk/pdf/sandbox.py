"""Run PDF work on untrusted input in a warm pool of resource-limited worker processes.

Why processes and not threads: PDFium is not thread-safe (not even across documents), and the
pure-Python / qpdf parsers have histories of infinite loops and memory blow-ups on crafted files.
A worker process can be given an address-space limit and can be killed when it overruns its
wall-clock budget, and neither outcome takes the web process down with it.

Why a hand-rolled pool rather than ``ProcessPoolExecutor``: on a timeout we must kill exactly the
worker that is stuck.  ``ProcessPoolExecutor`` can only be torn down as a whole, which would fail
every other request in flight with ``BrokenProcessPool``.  Here each worker has its own pipe, so a
timeout or a crash costs one worker, which is replaced lazily.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Final, Literal, cast

__all__ = [
    "DEFAULT_MEMORY_BYTES",
    "DEFAULT_TIMEOUT",
    "PdfSandboxError",
    "SandboxKind",
    "SandboxPool",
    "call_limits",
    "configure_sandbox",
    "get_pool",
    "run_sandboxed",
    "sandbox_mode",
    "shutdown_sandbox",
    "warm_up",
]

SandboxKind = Literal["timeout", "memory", "crashed"]

DEFAULT_TIMEOUT: Final[float] = 20.0
DEFAULT_MEMORY_BYTES: Final[int] = 1536 * 1024 * 1024

# Modules imported once in the forkserver so that a fresh worker is a cheap fork, not a
# second-long import of pyHanko + PDFium + zxing.
_PRELOAD: Final[list[str]] = ["longroom.desk.pdf._preload"]

# A native allocator that doubles its buffer dies on a request up to the size already in use,
# so a worker found dead after using half its allowance is taken to have run out of memory.
_NEAR_LIMIT: Final[float] = 0.5
_WATCH_INTERVAL: Final[float] = 0.005

# Recycle workers now and then: PDFium and friends are not leak-free over thousands of files.
_DEFAULT_MAX_TASKS_PER_WORKER: Final[int] = 500


class PdfSandboxError(Exception):
    """A sandboxed call did not complete.

    ``kind`` is a stable machine-readable code: ``"timeout"`` (wall-clock budget exceeded, worker
    killed), ``"memory"`` (the address-space limit was hit) or ``"crashed"`` (the worker died, e.g.
    a segfault in a native library).  ``detail`` is for logs only.
    """

    def __init__(self, kind: SandboxKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: SandboxKind = kind
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        return (PdfSandboxError, (self.kind, self.detail))


def sandbox_mode() -> Literal["process", "inline"]:
    """``"inline"`` when ``LONGROOM_PDF_SANDBOX=inline`` (debugging only), else ``"process"``."""
    return "inline" if os.environ.get("LONGROOM_PDF_SANDBOX", "").strip().lower() == "inline" else "process"


# --------------------------------------------------------------------------- child side


def _set_memory_limit(memory_bytes: int | None) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if memory_bytes is None:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        return
    limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    # qpdf / PDFium surface allocation failures as generic errors carrying the C++ message.
    text = str(exc).lower()
    return "bad_alloc" in text or "out of memory" in text or "cannot allocate memory" in text


def _watch_address_space(peak: Any) -> None:
    """Record this process's peak virtual size in shared memory, every few milliseconds.

    Native code (PDFium's allocator, C++ ``new``) usually aborts rather than raising when the
    address-space limit bites; the parent can then only see a dead worker.  The recorded peak
    tells it whether that death came from running into the limit.
    """
    page_size = os.sysconf("SC_PAGE_SIZE")
    fd = os.open("/proc/self/statm", os.O_RDONLY)
    try:
        while True:
            size = int(os.pread(fd, 64, 0).split()[0]) * page_size
            if size > peak.value:
                peak.value = size
            time.sleep(_WATCH_INTERVAL)
    except Exception:
        return  # best effort: without /proc, deaths are simply reported as "crashed"
    finally:
        os.close(fd)


def _worker_main(conn: Connection, peak: Any) -> None:
    # The parent handles Ctrl-C; workers should not spray KeyboardInterrupt tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash on a client's file must not leave a core dump full of that client's data.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    threading.Thread(target=_watch_address_space, args=(peak,), daemon=True).start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # parent went away
        if message is None:
            return
        fn, args, kwargs, memory_bytes = message
        peak.value = 0
        reply: tuple[str, Any]
        try:
            _set_memory_limit(memory_bytes)
            try:
                reply = ("ok", fn(*args, **kwargs))
            finally:
                # Pickling the reply is our code, not the untrusted input's: lift the limit.
                _set_memory_limit(None)
        except BaseException as exc:
            reply = ("memory", f"{type(exc).__name__}: {exc}") if _is_out_of_memory(exc) else ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # unpicklable result or exception
            conn.send(("error", RuntimeError(f"sandboxed result could not be returned: {exc!r}")))
        if reply[0] == "memory":
            # The heap may be fragmented or a native library half-initialised: start afresh.
            return


# --------------------------------------------------------------------------- parent side


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    peak: Any  # shared c_longlong: peak virtual size during the current call
    tasks: int = 0

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        if self.process.is_alive():
            with contextlib.suppress(Exception):
                self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(timeout=5)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        with contextlib.suppress(Exception):
            self.process.join(timeout=2)
        self.kill()


class SandboxPool:
    """A warm pool of worker processes; each call runs in exactly one worker.

    Thread-safe: concurrent callers each get their own worker, up to ``max_workers``; further
    callers wait.  A worker that times out or dies is killed and replaced on demand.
    """

    def __init__(
        self,
        *,
        max_workers: int | None = None,
        context: str = "forkserver",
        max_tasks_per_worker: int = _DEFAULT_MAX_TASKS_PER_WORKER,
        preload: Iterable[str] = _PRELOAD,
    ) -> None:
        self.max_workers = max(1, max_workers or _default_workers())
        self.max_tasks_per_worker = max_tasks_per_worker
        self._ctx: Any = multiprocessing.get_context(context)
        if context == "forkserver":
            forkserver_ctx = cast(Any, self._ctx)
            forkserver_ctx.set_forkserver_preload(list(preload))
        self._idle: list[_Worker] = []
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False

    # Spawning happens outside the lock: starting a process can take tens of milliseconds.
    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        peak = self._ctx.RawValue(ctypes.c_longlong, 0)
        process = self._ctx.Process(
            target=_worker_main, args=(child_conn, peak), daemon=True, name="longroom-pdf"
        )
        process.start()
        child_conn.close()
        return _Worker(process=process, conn=parent_conn, peak=peak)

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("PDF sandbox pool is shut down")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.is_alive():
                        return worker
                    self._count -= 1
                    worker.kill()
                if self._count < self.max_workers:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        recycle = worker.tasks >= self.max_tasks_per_worker
        with self._cond:
            if healthy and not recycle and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
            self._cond.notify()
        if not healthy:
            worker.kill()
        elif recycle or self._closed:
            worker.stop()

    def warm(self, workers: int | None = None) -> None:
        """Start workers ahead of the first request so it does not pay for process start-up."""
        wanted = min(self.max_workers, workers or self.max_workers)
        started: list[_Worker] = []
        try:
            for _ in range(wanted):
                started.append(self._acquire())
            for worker in started:
                worker.conn.send((_ping, (), {}, None))
            for worker in started:
                worker.conn.recv()
        finally:
            for worker in started:
                self._release(worker, healthy=worker.process.is_alive())

    def run[T](
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        memory_bytes: int | None = DEFAULT_MEMORY_BYTES,
    ) -> T:
        """Run ``fn(*args, **kwargs)`` in a worker; see :func:`run_sandboxed`."""
        worker = self._acquire()
        healthy = False
        try:
            worker.tasks += 1
            try:
                worker.conn.send((fn, args, kwargs or {}, memory_bytes))
            except (BrokenPipeError, EOFError, OSError) as exc:
                raise PdfSandboxError("crashed", f"worker unreachable: {exc!r}") from None
            if not worker.conn.poll(timeout):
                raise PdfSandboxError("timeout", f"no result within {timeout} s; worker killed")
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                worker.process.join(timeout=1)
                how = _describe_exit(worker.process.exitcode)
                if memory_bytes and worker.peak.value >= memory_bytes * _NEAR_LIMIT:
                    raise PdfSandboxError("memory", f"{how} near its memory limit") from None
                raise PdfSandboxError("crashed", how) from None
            if status == "ok":
                healthy = True
                return cast(T, payload)
            if status == "memory":
                raise PdfSandboxError("memory", str(payload))
            healthy = True  # an ordinary exception leaves the worker usable
            raise cast(BaseException, payload)
        finally:
            self._release(worker, healthy=healthy)

    def shutdown(self) -> None:
        """Stop all idle workers; busy ones are stopped when their call returns."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()


def _ping() -> int:
    return os.getpid()


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "worker died (exit status unknown)"
    if exitcode < 0:
        try:
            return f"worker killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"worker killed by signal {-exitcode}"
    return f"worker exited with status {exitcode}"


def _default_workers() -> int:
    configured = os.environ.get("LONGROOM_PDF_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return os.cpu_count() or 2


# --------------------------------------------------------------------------- module-level pool

_lock = threading.Lock()
_pool: SandboxPool | None = None
_defaults: dict[str, Any] = {"timeout": DEFAULT_TIMEOUT, "memory_bytes": DEFAULT_MEMORY_BYTES}
_UNSET: Any = object()


def configure_sandbox(
    *,
    timeout: float | None = _UNSET,
    memory_bytes: int | None = _UNSET,
    max_workers: int | None = _UNSET,
) -> None:
    """Change the process-wide defaults.  Changing ``max_workers`` replaces the pool."""
    global _pool
    if timeout is not _UNSET:
        _defaults["timeout"] = timeout
    if memory_bytes is not _UNSET:
        _defaults["memory_bytes"] = memory_bytes
    if max_workers is not _UNSET:
        with _lock:
            old, _pool = _pool, SandboxPool(max_workers=max_workers)
        if old is not None:
            old.shutdown()


def get_pool() -> SandboxPool:
    """The shared pool, created on first use."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = SandboxPool()
        return _pool


def warm_up(workers: int | None = None) -> None:
    """Start (and import the PDF stack in) the shared pool's workers now."""
    if sandbox_mode() == "process":
        get_pool().warm(workers)


def shutdown_sandbox() -> None:
    """Stop the shared pool's workers.  A later call transparently starts a new pool."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


atexit.register(shutdown_sandbox)


def call_limits(timeout: float | None, memory_bytes: int | None) -> dict[str, Any]:
    """Keyword arguments for :func:`run_sandboxed` from optional per-call overrides."""
    limits: dict[str, Any] = {}
    if timeout is not None:
        limits["timeout"] = timeout
    if memory_bytes is not None:
        limits["memory_bytes"] = memory_bytes
    return limits


def run_sandboxed[T](
    fn: Callable[..., T],
    *args: Any,
    timeout: float | None = _UNSET,
    memory_bytes: int | None = _UNSET,
    **kwargs: Any,
) -> T:
    """Call ``fn(*args, **kwargs)`` in a sandboxed worker process and return its result.

    ``fn`` and its arguments must be picklable (a module-level function).  ``timeout`` is a
    wall-clock budget in seconds and ``memory_bytes`` an address-space limit (RLIMIT_AS) for the
    call; both default to :func:`configure_sandbox`'s values (20 s, 1.5 GiB); ``None`` lifts them.

    Raises :class:`PdfSandboxError` with ``kind`` ``"timeout"``, ``"memory"`` or ``"crashed"``;
    an ordinary exception raised by ``fn`` is re-raised as is.
    """
    if timeout is _UNSET:
        timeout = _defaults["timeout"]
    if memory_bytes is _UNSET:
        memory_bytes = _defaults["memory_bytes"]
    if sandbox_mode() == "inline":
        # No isolation at all: for stepping through with a debugger.  Timeouts are not enforced.
        try:
            return fn(*args, **kwargs)
        except MemoryError as exc:
            raise PdfSandboxError("memory", str(exc)) from None
    return get_pool().run(fn, args, kwargs, timeout=timeout, memory_bytes=memory_bytes)
