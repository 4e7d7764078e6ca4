"""The one exception family of formcheck; the CLI turns it into a one-line message."""

from __future__ import annotations

import errno
import os
from pathlib import Path

# FFmpeg's AVERROR_INVALIDDATA, which PyAV shows as "[Errno 1094995529] Invalid data found ...".
_FFMPEG_INVALID_DATA = 1094995529


class FormcheckError(Exception):
    """A problem the user can fix: bad input, a missing model, an unwritable output."""


def describe(exc: BaseException) -> str:
    """An OS or FFmpeg error in words, without the errno number."""
    number = getattr(exc, "errno", None)
    if number == _FFMPEG_INVALID_DATA:
        return "not a video, or damaged"
    if number == errno.ENOSPC:
        return "no space left on the disk"
    text = getattr(exc, "strerror", None)
    return str(text) if text else str(exc)


def path_text(path: str | Path) -> str:
    """A path as text that can be printed and stored: a name that is not UTF-8 (Latin-1 from an
    old USB stick) shows its odd bytes as \\xNN instead of breaking every UTF-8 output."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
