"""SIGTERM and SIGHUP (a closed terminal, `timeout`, a container stop) end a run as Ctrl-C does:
the first one during the work stops it; the outputs so far are written; the exit code says which."""

from __future__ import annotations

import functools
import signal
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
caught: list[int] = []
_working = False


def _on_stop_signal(signum: int, _frame) -> None:
    caught.append(signum)
    if _working and len(caught) == 1:
        raise KeyboardInterrupt


def handled(command):
    """A command during which stop signals are caught (and only noted outside `working()`)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        caught.clear()
        previous = {s: signal.signal(s, _on_stop_signal) for s in STOP_SIGNALS}
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


def stopped_reason() -> str:
    return f"stopped early by {signal.Signals(caught[0]).name}" if caught else "stopped early by Ctrl-C"


def exit_code() -> int:
    return 128 + (caught[0] if caught else signal.SIGINT)
