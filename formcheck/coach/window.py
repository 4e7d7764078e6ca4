"""The live window: can it open here, how big is the screen (both asked in a child process: a
display that is set but unreachable makes OpenCV's Qt abort the whole process (exit 134) instead of
raising, and X libraries loaded here could clash with Qt's own), and opening and sizing it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from formcheck.errors import FormcheckError

WINDOW = "formcheck"
UNKNOWN_SCREEN = (1280, 800)  # the screen assumed when its size cannot be found out
FULL_SCREEN_KEY = ord("f")  # full screen and back

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
_SCREEN_PROBE = """
import screeninfo
monitors = screeninfo.get_monitors()
monitor = next((m for m in monitors if m.is_primary), monitors[0])
print(monitor.width, monitor.height)
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


def screen_size() -> tuple[int, int] | None:
    """The (primary) screen's size in pixels, or None when it cannot be found out."""
    try:
        probe = subprocess.run([sys.executable, "-c", _SCREEN_PROBE], timeout=10, capture_output=True, text=True)
        width, height = (int(n) for n in probe.stdout.split())
        return width, height
    except (subprocess.TimeoutExpired, ValueError):  # no display, no screen enumerator, no monitor
        return None


def fit_to_screen(size: tuple[int, int], screen: tuple[int, int] | None) -> tuple[int, int]:
    """The picture scaled up or down to fill the screen, its shape kept: read from the mat, a small
    camera picture is as large as a big one."""
    bound = screen or UNKNOWN_SCREEN
    scale = min(bound[0] / size[0], bound[1] / size[1])
    return round(size[0] * scale), round(size[1] * scale)


def open_window(window: bool) -> None:
    """The live window, made before any video is opened (see `sources._av`); resizable.

    The display is probed in a child process first (see above).
    """
    import cv2

    if not window:
        return
    if problem := display_problem():
        raise FormcheckError(f"no display for the live window ({problem}); "
                             "use --no-window, or `formcheck analyze` for a recorded video")
    if Path("/usr/share/fonts").is_dir():  # Qt looks for fonts beside OpenCV otherwise, and says so
        os.environ.setdefault("QT_QPA_FONTDIR", "/usr/share/fonts")
    cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
    cv2.setWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)


def toggle_full_screen() -> None:
    """The f key: full screen (as it opens) or a window, and back."""
    import cv2

    full = cv2.getWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN) == cv2.WINDOW_FULLSCREEN
    cv2.setWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_NORMAL if full else cv2.WINDOW_FULLSCREEN)


def close_window(window: bool) -> None:
    import cv2

    if window:
        cv2.destroyAllWindows()
        cv2.waitKey(1)


def size_window(size: tuple[int, int], screen: tuple[int, int] | None) -> None:
    import cv2

    cv2.resizeWindow(WINDOW, *fit_to_screen(size, screen))
