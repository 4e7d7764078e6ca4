"""The files a run writes: planned before the work, written each on its own.

Planning refuses, before anything is analysed, an output that is the input or that two options
share (compared as real files, through symlinks and hard links), and one that cannot be created.
Writing keeps a symlink (its target is written), writes through to a special file (a FIFO,
/dev/stdout) rather than replacing it, takes `-` as standard output, and otherwise replaces the
file atomically (a temp file renamed over it) with the user's umask.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from formcheck import atomic, stop_signals
from formcheck.errors import FormcheckError, describe

STDOUT = "-"


@dataclass(frozen=True)
class Output:
    flag: str  # the option that names it, for messages
    label: str  # what it is, in words
    path: Path

    @property
    def to_stdout(self) -> bool:
        return str(self.path) == STDOUT


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # hard links too
    except OSError:  # one does not exist yet
        return os.path.realpath(a) == os.path.realpath(b)


def plan_outputs(source: Path | None, outputs: list[Output]) -> list[Output]:
    """The outputs that were asked for, checked: none is the source, none shared, each writable."""
    chosen = [o for o in outputs if o.path is not None]
    to_stdout = [o for o in chosen if o.to_stdout]
    if len(to_stdout) > 1:
        raise FormcheckError(f"{to_stdout[0].flag} - and {to_stdout[1].flag} -: only one output can go "
                             "to standard output")
    files = [o for o in chosen if not o.to_stdout]
    for i, o in enumerate(files):
        if source is not None and _same_file(o.path, source):
            raise FormcheckError(f"{o.flag} {o.path} is the input video and would be overwritten; "
                                 "choose another file name")
        for other in files[:i]:
            if _same_file(o.path, other.path) and not atomic.written_through(o.path):  # /dev/null twice is fine
                raise FormcheckError(f"{other.flag} and {o.flag} both name {o.path}; give each its own file")
        check_writable(o.path)
    return chosen


def check_writable(path: Path) -> None:
    """Fail before the work starts if an output cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise FormcheckError(f"cannot write {path}: it is a folder")
    if atomic.written_through(path):
        if not path.exists():
            raise FormcheckError(f"cannot write {path}: No such file or directory")
        if not os.access(path, os.W_OK):
            raise FormcheckError(f"cannot write {path}: permission denied")
        return
    target = Path(os.path.realpath(path))
    parent = target.parent
    if not parent.is_dir():
        shown = parent if path.is_symlink() else path.parent  # a link's: the folder it points into
        raise FormcheckError(f"cannot write {path}: folder {shown} does not exist")
    if target.exists() and not os.access(target, os.W_OK):
        raise FormcheckError(f"cannot write {path}: permission denied")
    try:  # as root os.access says yes to everything; only creating a file tells (/proc, read-only mounts)
        atomic.temp_beside(target).unlink()
    except OSError as exc:
        raise FormcheckError(f"cannot write {path}: {describe(exc)}") from None


def write_text(path: Path, text: str) -> None:
    """Writes one text output: `-` is standard output; symlinks and special files are kept."""
    if str(path) == STDOUT:
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            raise OSError(errno.EBADF, "standard output is closed")
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(path)
    if path.exists() and stat.S_ISFIFO(path.stat().st_mode):
        with os.fdopen(_open_fifo(path), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return
    if atomic.written_through(path):
        with open(path, "a", encoding="utf-8", newline="") as f:  # "a": a shell's `>>` behind /dev/stdout holds
            f.write(text)
        return
    atomic_write(path, text)  # a symlink keeps pointing at what it pointed at


FIFO_WAIT_S = 30.0


def _open_fifo(path: Path, wait_s: float = FIFO_WAIT_S) -> int:
    """A FIFO opened for writing once a reader is there. A plain open would block for ever in the
    kernel, deaf to SIGTERM; this waits a bounded time and gives up on a new stop signal."""
    signals_before = len(stop_signals.caught)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.set_blocking(fd, True)
            return fd
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        if time.monotonic() > deadline or len(stop_signals.caught) > signals_before:
            raise OSError(errno.ENXIO, f"nobody read the FIFO within {wait_s:.0f} s")
        time.sleep(0.1)


def atomic_write(path: Path, text: str) -> None:
    atomic.write_bytes(path, text.encode("utf-8"))


def write_each(items: list[tuple[Output, str]]) -> dict[Output, str]:
    """Writes every output even when one fails; returns why each failed one failed."""
    failed = {}
    for output, text in items:
        try:
            write_text(output.path, text)
        except OSError as exc:
            failed[output] = describe(exc)
    return failed
