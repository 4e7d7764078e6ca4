"""Cuts between shots in an edited video: the picture changes at once far more than a movement does.

A person moving in a still shot changes a 32x32 grey thumbnail by under 0.03 of full scale from
one frame to the next (0.001-0.003 typically); cuts and jumps between shots change it by 0.1-0.2.
"""

from __future__ import annotations

import cv2
import numpy as np

CUT_CHANGE = 0.06  # mean absolute change of the thumbnail, as a fraction of full scale


class CutDetector:
    def __init__(self, threshold: float = CUT_CHANGE) -> None:
        self.threshold = threshold
        self._previous: np.ndarray | None = None

    def __call__(self, rgb: np.ndarray) -> bool:
        """True when this frame starts a new shot."""
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
        previous, self._previous = self._previous, thumb
        return previous is not None and float(np.mean(np.abs(thumb - previous))) / 255.0 > self.threshold
