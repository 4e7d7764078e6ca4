"""How a cue reads its measure over the top of a rep or hold: statistics a spec picks by name.

The names are the spec's (`formcheck.spec.vocabulary.Statistic`), checked when a spec loads, so an
unknown name is an error naming the file and key, never a cue that silently does nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from formcheck.spec.vocabulary import Statistic

RANGE_TRIM_S = 0.5  # "range" leaves out this much at each end of the top: still the settling into it


@dataclass(frozen=True)
class TopSample:
    """One measure over the frames of a rep in progress, and what a statistic may compare it with."""

    times: np.ndarray
    values: np.ndarray
    window: tuple[float, float]  # the top: first and last frame near the peak
    setup: float  # the measure's median over the setup just before the rep
    best: float  # the person's own largest value so far (their clean reps, their start)

    def inside(self, trim: float = 0.0) -> np.ndarray:
        start, end = self.window
        keep = (self.times >= start + trim) & (self.times <= end - trim)
        picked = self.values[keep]
        return picked[np.isfinite(picked)]


def finite_median(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) else math.nan


def _median(s: TopSample) -> float:
    return finite_median(s.inside())


def _range(s: TopSample) -> float:
    """Steadiness of the top: 10th to 90th percentile, its settling ends left out."""
    trim = RANGE_TRIM_S if s.window[1] - s.window[0] > 4 * RANGE_TRIM_S else 0.0
    inside = s.inside(trim)
    return float(np.subtract(*np.percentile(inside, [90, 10]))) if len(inside) > 1 else math.nan


def _change(s: TopSample) -> float:
    return _median(s) - s.setup


def _vs_best(s: TopSample) -> float:
    value = _median(s)
    best = max((x for x in (s.best, value) if math.isfinite(x)), default=math.nan)
    return value / best if best else math.nan


STATISTICS: dict[Statistic, Callable[[TopSample], float]] = {
    Statistic.MEDIAN: _median, Statistic.RANGE: _range, Statistic.CHANGE: _change, Statistic.VS_BEST: _vs_best,
}
if set(STATISTICS) != set(Statistic):  # the spec's words and this module must agree
    raise ImportError(f"statistics without a computation: {set(Statistic) - set(STATISTICS)}")


def running_median(x: np.ndarray, width: int, before: int | None = None) -> np.ndarray:
    """The median of each frame's `width` frames, `before` of them earlier (default: centred);
    the ends repeat the first and last values."""
    if len(x) < width:
        return x
    before = width // 2 if before is None else before
    padded = np.pad(x, (before, width - 1 - before), mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)
