"""The sandbox turns hangs, memory blow-ups and native crashes into clear, recoverable errors."""

from __future__ import annotations

import os
import threading
import time

import pytest

from longroom.desk.pdf import PdfSandboxError, run_sandboxed


def test_work_runs_in_a_separate_process() -> None:
    assert run_sandboxed(os.getpid) != os.getpid()


def test_a_hung_call_is_abandoned_after_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(PdfSandboxError) as caught:
        run_sandboxed(time.sleep, 30, timeout=0.5)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 5


def test_a_call_exceeding_its_memory_limit_is_reported_as_memory() -> None:
    with pytest.raises(PdfSandboxError) as caught:
        run_sandboxed(bytearray, 2 * 1024**3, memory_bytes=512 * 1024**2)
    assert caught.value.kind == "memory"


def test_a_crashing_worker_is_reported_as_crashed() -> None:
    with pytest.raises(PdfSandboxError) as caught:
        run_sandboxed(os._exit, 3)
    assert caught.value.kind == "crashed"


def test_the_pool_keeps_working_after_timeouts_and_crashes() -> None:
    for bad in ((time.sleep, 5), (os.abort,)):
        with pytest.raises(PdfSandboxError):
            run_sandboxed(*bad, timeout=0.3)
    assert run_sandboxed(sum, [1, 2, 3]) == 6


def test_ordinary_exceptions_come_back_unchanged() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        run_sandboxed(int, "not a number")


def test_a_hung_call_does_not_break_another_running_call() -> None:
    results: list[object] = []

    def slow_ok() -> None:
        results.append(run_sandboxed(time.sleep, 0.8, timeout=5))

    thread = threading.Thread(target=slow_ok)
    thread.start()
    with pytest.raises(PdfSandboxError):
        run_sandboxed(time.sleep, 30, timeout=0.3)
    thread.join()
    assert results == [None]


def test_inline_mode_runs_in_process_for_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGROOM_PDF_SANDBOX", "inline")
    assert run_sandboxed(os.getpid) == os.getpid()


def test_sandbox_errors_survive_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(PdfSandboxError("memory", "detail")))  # noqa: S301
    assert (error.kind, error.detail) == ("memory", "detail")
