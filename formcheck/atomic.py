"""Files replaced whole: written beside the target under a short temporary name, then renamed
over it, so a failed or killed run leaves the old file (and at worst a stray dot-file), never half
of a new one. The short name keeps a target at the file system's 255-byte limit writable."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TEMP_PREFIX = ".formcheck-"


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; set back at once, before any thread starts
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def written_through(path: Path) -> bool:
    """A FIFO, a device, /dev/stdout: written to where it is, never replaced by a new file
    (/dev/shm is a folder of ordinary files, in memory)."""
    special = str(path).startswith(("/dev/", "/proc/")) and not str(path).startswith("/dev/shm/")
    return (path.exists() and not path.is_file()) or special


def temp_beside(path: Path, suffix: str = ".tmp") -> Path:
    """An empty file in the target's folder (a symlink's: the folder it points into)."""
    fd, tmp = tempfile.mkstemp(dir=Path(os.path.realpath(path)).parent, prefix=TEMP_PREFIX, suffix=suffix)
    os.close(fd)
    return Path(tmp)


def replace(tmp: Path, path: Path) -> None:
    """`tmp` takes the place of `path` (a symlink keeps pointing at it), with the mode the old file
    had, or the user's umask for a new one."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_UMASK
    os.chmod(tmp, mode)
    os.replace(tmp, target)


def write_bytes(path: Path, content: bytes) -> None:
    tmp = temp_beside(path)
    try:
        tmp.write_bytes(content)
        replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
