"""SIGTERM and SIGHUP (a closed terminal, `timeout`, a container stop) end a run as Ctrl-C does:
the first one during the work stops it; the outputs so far are written; the exit code says which.

Inside `one_frame()` a stop (Ctrl-C too) waits until the frame is done, so a frame is either in
the report and the annotated video or in neither."""

from __future__ import annotations

import functools
import signal
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
caught: list[int] = []
_working = False
_in_frame = False
_stop_after_frame = False


def _on_signal(signum: int, _frame) -> None:
    if signum == signal.SIGINT:
        if not _working:
            raise KeyboardInterrupt
    else:
        caught.append(signum)
        if not _working or len(caught) > 1:
            return
    _stop()


def _stop() -> None:
    global _stop_after_frame
    if _in_frame and not _stop_after_frame:
        _stop_after_frame = True
    else:  # outside a frame, or asked twice
        raise KeyboardInterrupt


def handled(command):
    """A command during which stop signals are caught (and only noted outside `working()`)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        caught.clear()
        previous = {s: signal.signal(s, _on_signal) for s in (*STOP_SIGNALS, signal.SIGINT)}
        try:
            return command(*args, **kwargs)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    return wrapper


@contextmanager
def working():
    """The analysis itself: here a stop signal ends it early."""
    global _working
    _working = True
    try:
        yield
    finally:
        _working = False


@contextmanager
def one_frame():
    """One frame analysed and written whole; a stop meanwhile raises KeyboardInterrupt after it."""
    global _in_frame, _stop_after_frame
    _in_frame, _stop_after_frame = True, False
    try:
        yield
    finally:
        _in_frame = False
    if _stop_after_frame:
        _stop_after_frame = False
        raise KeyboardInterrupt


def stopped_reason() -> str:
    return f"stopped early by {signal.Signals(caught[0]).name}" if caught else "stopped early by Ctrl-C"


def exit_code() -> int:
    return 128 + (caught[0] if caught else signal.SIGINT)
