"""Can a window open here? Asked in a child process: a display that is set but unreachable makes
OpenCV's Qt abort the whole process (exit 134) instead of raising."""

from __future__ import annotations

import os
import subprocess
import sys

_X_PROBE = """
import ctypes, ctypes.util, os, sys
lib = ctypes.util.find_library("X11")
if lib is None:
    sys.exit(0)
x11 = ctypes.CDLL(lib)
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
sys.exit(0 if x11.XOpenDisplay(os.environ["DISPLAY"].encode()) else 1)
"""


def display_problem() -> str | None:
    """Why the live window cannot open, or None."""
    display = os.environ.get("DISPLAY")
    if not display:
        return None if os.environ.get("WAYLAND_DISPLAY") else "DISPLAY is not set"
    try:
        probe = subprocess.run([sys.executable, "-c", _X_PROBE], timeout=10, capture_output=True)
    except subprocess.TimeoutExpired:
        return f"the display {display} does not answer"
    return None if probe.returncode == 0 else f"cannot connect to the display {display}"
