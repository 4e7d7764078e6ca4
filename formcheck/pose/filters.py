"""One Euro filter (Casiez et al. 2012), vectorised over all landmarks at once."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.pose.landmarker import PoseFrame


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Smooths an array signal sampled at irregular times.

    Slow motion gets heavy smoothing (min_cutoff), fast motion little (beta), so holds are
    steady and reps are not lagged. Elements that turn NaN restart from their next value.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f"need min_cutoff > 0, d_cutoff > 0, beta >= 0; got "
                             f"{min_cutoff}, {d_cutoff}, {beta}")
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._t: float | None = None
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self._t is None or self._x is None or self._dx is None or t <= self._t:
            self._t, self._x, self._dx = t, x.copy(), np.zeros_like(x)
            return x.copy()
        dt = t - self._t
        fresh = ~np.isfinite(self._x)  # restart elements that were missing
        prev = np.where(fresh, x, self._x)
        dx = (x - prev) / dt
        dx_hat = self._dx + _alpha(self.d_cutoff, dt) * (dx - self._dx)
        dx_hat = np.where(np.isfinite(dx_hat), dx_hat, 0.0)
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        x_hat = prev + _alpha(cutoff, dt) * (x - prev)
        self._t, self._x, self._dx = t, x_hat, dx_hat
        return x_hat.copy()


class PoseSmoother:
    """The one smoothing of the landmarks, for every reader of a frame (the recognizer, the setup
    check, the session, the overlay). A cut between shots starts it afresh: smoothing across the
    jump would blend two shots."""

    MIN_CUTOFF, BETA = 1.5, 0.02

    def __init__(self) -> None:
        self._filter = OneEuroFilter(min_cutoff=self.MIN_CUTOFF, beta=self.BETA)

    def reset(self) -> None:
        self._filter = OneEuroFilter(min_cutoff=self.MIN_CUTOFF, beta=self.BETA)

    def __call__(self, frame: PoseFrame, cut: bool = False) -> PoseFrame:
        if cut:
            self.reset()
        if not frame.detected:
            return frame
        return replace(frame, xy=self._filter(frame.t, frame.xy))
