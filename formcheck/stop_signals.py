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
_in_step = False
_stop_after_step = False


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
    global _stop_after_step
    if _in_step and not _stop_after_step:
        _stop_after_step = True
    else:  # outside a step, or asked twice
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
def uninterrupted():
    """A step done whole (a frame analysed and written, a model loaded); a stop meanwhile raises
    KeyboardInterrupt after it."""
    global _in_step, _stop_after_step
    if _in_step:  # inside a step already: it is that step that ends whole
        yield
        return
    _in_step, _stop_after_step = True, False
    try:
        yield
    finally:
        _in_step = False
    if _stop_after_step:
        _stop_after_step = False
        raise KeyboardInterrupt


def stopped_reason() -> str:
    return f"stopped early by {signal.Signals(caught[0]).name}" if caught else "stopped early by Ctrl-C"


def stopped_by() -> str:
    """The signal's name (SIGTERM, SIGHUP) when one stopped the work, else "ctrl-c"."""
    return signal.Signals(caught[0]).name if caught else "ctrl-c"


def exit_code() -> int:
    return 128 + (caught[0] if caught else signal.SIGINT)
