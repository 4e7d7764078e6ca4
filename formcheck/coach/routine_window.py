"""The routine's window: the picture with a strip of big text under it, sized to fit the screen."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.coach.live import EndReason
from formcheck.coach.window import FULL_SCREEN_KEY, WINDOW, screen_size, size_window, toggle_full_screen
from formcheck.render.overlay import FONT, TEXT, Overlay, fit_scale

Line = tuple[str, tuple, bool]  # text, colour, big
STRIP_LINES = 4
ENTER, ESC = (10, 13), 27


class RoutineEnded(Exception):
    """The routine ends here (a key, the window closed, a stop for pain ended by the person)."""

    def __init__(self, reason: EndReason) -> None:
        super().__init__(reason)
        self.reason = reason


class Screen:
    """The window: the picture above, the routine's strip of big text below (fits the screen)."""

    def __init__(self, window: bool) -> None:
        self.window = window
        self.size = (640, 480)
        self.overlay = Overlay(None, self.size)
        self.last: np.ndarray | None = None  # the last picture shown, behind rests and questions
        self.screen = screen_size() if window else None

    def size_for(self, size: tuple[int, int]) -> None:
        self.size, self.overlay, self.last = size, Overlay(None, size), None
        if self.window:
            size_window((size[0], size[1] + self._strip_height()), self.screen)

    def _strip_height(self) -> int:
        return round(self.overlay.step * (STRIP_LINES + 0.4))

    def compose(self, picture: np.ndarray, lines: list[Line]) -> np.ndarray:
        self.last = picture
        unit = self.overlay.unit
        strip = np.zeros((self._strip_height(), picture.shape[1], 3), np.uint8)
        limit = picture.shape[1] - 24 * unit
        for i, (text, colour, big) in enumerate(lines[:STRIP_LINES]):
            scale = fit_scale(text, self.overlay.big if big else self.overlay.small, limit)  # one line each
            cv2.putText(strip, text, (round(12 * unit), round(self.overlay.step * (i + 0.9))), FONT, scale, colour,
                        max(1, round(scale * 2)), cv2.LINE_AA)
        return np.vstack([picture, strip])

    def still(self, picture: np.ndarray | None, message: str, lines: list[Line]) -> np.ndarray:
        """The picture dimmed, a message across it (the overlay's banner), the strip below."""
        w, h = self.size
        base = np.zeros((h, w, 3), np.uint8) if picture is None or picture.shape[:2] != (h, w) else \
            (picture * 0.4).astype(np.uint8)
        self.overlay.banner(base, message, TEXT)
        shown = self.compose(base, lines)
        self.last = picture
        return shown

    def show(self, image: np.ndarray, wait_ms: int) -> int:
        if not self.window:
            return -1
        cv2.imshow(WINDOW, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(wait_ms)
        if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
            raise RoutineEnded(EndReason.WINDOW_CLOSED)
        key = -1 if key < 0 else key & 0xFF
        if key == FULL_SCREEN_KEY:
            toggle_full_screen()
            return -1
        return key
