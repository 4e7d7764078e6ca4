"""The movement cycle: leave the rest position, reach the top, come back. Reps and holds alike.

A cycle starts when the drive measure rises `enter` above its rest level and ends when it comes
back below `exit` (hysteresis, so jitter at a threshold never counts twice), or settles still and
low after the feet or hands were re-placed. The top is the stretch where the drive stays within
`top_band` (a fraction of the cycle's own amplitude) of its peak."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum, StrEnum

import numpy as np

from formcheck.analysis.statistics import finite_median, running_median
from formcheck.spec.specs import ExerciseSpec, RepSpec

REST_TRACKING_PER_S = 0.5  # how fast the rest level follows slow drift (1/s)
OFF_REST_TRACKING_PER_S = 0.05  # two-sided drives: the rest level barely moves during excursions
START_FRACTION = 0.3  # a cycle starts where the drive was last within this part of `enter`
WARMUP_S = 0.5  # the first moments of a track only learn the rest level (pose estimates settle)
REST_SETTLE_S = 0.8  # still this long in the lower part of the range: the cycle is over ...
LOW_FRACTION = 0.35  # ... where "lower part" is below this fraction of the cycle's amplitude
SETUP_S = 0.5  # the setup before a cycle: this long before it starts
PLATEAU_S = 2.0  # `edge_band`: the plateau level beside an edge is the median of this long ...
PLATEAU_FRACTION = 0.75  # ... searched among the frames above this part of the amplitude


class Phase(StrEnum):
    REST = "rest"
    UP = "up"
    TOP = "top"
    DOWN = "down"

    @property
    def at_top(self) -> bool:
        """At the top or on the way down: a hold or a rep's top is going on."""
        return self in (Phase.TOP, Phase.DOWN)


class Step(Enum):
    """What one frame did to the cycle."""

    NONE = "none"
    STARTED = "started"
    AT_TOP = "at_top"  # at the top and steady: what is judged there can be shown now
    LEFT_TOP = "left_top"  # on the way down: the top is over
    ENDED = "ended"


@dataclass(frozen=True, kw_only=True)
class Cycle:
    """A whole cycle, or the one in progress, as the grader sees it."""

    start_s: float
    end_s: float
    window: tuple[float, float]
    peak_s: float
    times: np.ndarray
    frames: list[dict[str, float]]
    setup: dict[str, float]
    setup_frames: list[dict[str, float]]  # the rest just before the cycle
    amplitude: float  # peak above the rest level
    span: float  # peak above the lowest point since the last cycle (two-sided drives)
    half_seen: bool  # two-sided drives: the excursion the other way was missed (the video began after it)

    @property
    def top_s(self) -> float:
        return self.window[1] - self.window[0]

    def series(self, measure: str) -> np.ndarray:
        return np.array([v.get(measure, math.nan) for v in self.frames], dtype=float)

    def share(self, measure: str) -> float:
        """The part of the frames where a 1/0 measure is 1."""
        return float(np.mean(self.series(measure) == 1.0)) if self.frames else 0.0


class _OneSidedRest:
    """The floor is the rest: follow it down at once, and slow drift up."""

    def follow(self, level: float, drive: float, amplitude: float, rate_dt: float, rs: RepSpec) -> float:
        if drive < level:
            return drive
        return level + min(REST_TRACKING_PER_S * rate_dt, 1.0) * (drive - level)

    def counter(self, amplitude: float, rs: RepSpec) -> bool:
        return False


class _TwoSidedRest:
    """Rest sits between two excursions (cat-cow): it hardly moves while the body is away from it,
    and an excursion the other way first belongs to the cycle that follows."""

    def follow(self, level: float, drive: float, amplitude: float, rate_dt: float, rs: RepSpec) -> float:
        rate = REST_TRACKING_PER_S if abs(amplitude) < rs.exit else OFF_REST_TRACKING_PER_S
        return level + min(rate * rate_dt, 1.0) * (drive - level)

    def counter(self, amplitude: float, rs: RepSpec) -> bool:
        return rs.counter_enter is not None and amplitude <= -rs.counter_enter


class CycleTracker:
    def __init__(self, spec: ExerciseSpec) -> None:
        self.rs = spec.cycle
        self.measures = tuple(spec.measures)
        self.rest = _TwoSidedRest() if self.rs.counter_enter is not None else _OneSidedRest()
        self.phase = Phase.REST
        self.rest_level: float | None = None
        self._rest_t = 0.0
        self._track_start = 0.0
        self._last_t: float | None = None
        self._rest_frames: deque[tuple[float, dict[str, float]]] = deque()
        self._setup: dict[str, float] = {}
        self._setup_frames: list[dict[str, float]] = []
        self._trough = math.inf
        self._counter_seen = False
        self._times: list[float] = []
        self._frames: list[dict[str, float]] = []
        self._drives: list[float] = []
        self._window: tuple[float, float] = (0.0, 0.0)
        self.dt = 0.0  # seconds since the previous frame with a drive
        self._recent: deque[float] = deque(maxlen=self.rs.steady_frames)  # the last raw drives
        self._steady = math.nan  # their median: what the levels are crossed on

    def drive(self, values: dict[str, float]) -> float:
        value = values.get(self.rs.drive, math.nan)
        return -value if self.rs.falling else value

    def update(self, t: float, values: dict[str, float]) -> Step:
        raw = self.drive(values)
        if not math.isfinite(raw):
            return Step.NONE  # landmarks unseen: hold the state
        # Levels are crossed on the median of the last `steady_frames`: a stray pose estimate or two
        # neither ends a cycle nor sets the rest level (the peak has its own median, see `_top_window`).
        self._recent.append(raw)
        drive = self._steady = float(np.median(self._recent))
        self.dt = 0.0 if self._last_t is None else max(t - self._last_t, 0.0)
        self._last_t = t
        if self.rest_level is None or t - self._track_start < WARMUP_S:
            if self.rest_level is None:
                self._track_start = t
            self.rest_level, self._rest_t = drive, t
            return Step.NONE
        amplitude = drive - self.rest_level
        if self.phase is Phase.REST:
            if amplitude >= self.rs.enter:
                self.phase = Phase.UP
                recent = [v for tt, v in self._rest_frames if tt >= self._rest_t - SETUP_S]
                self._setup_frames = recent
                self._setup = {n: finite_median(np.array([v.get(n, math.nan) for v in recent], dtype=float))
                               for n in self.measures}
                self._times, self._frames, self._drives = [t], [values], [raw]
                return Step.STARTED
            self._track_rest(t, drive, amplitude, values)
            return Step.NONE
        self._times.append(t)
        self._frames.append(values)
        self._drives.append(raw)
        self._window = self._top_window()
        if amplitude < self.rs.exit or self._settled_low(t):
            return Step.ENDED
        if self._window[1] >= t:
            self.phase = Phase.TOP
            steady = t - self._window[0] >= self.rs.settle_s and self._settled()
            return Step.AT_TOP if steady else Step.NONE
        if self.phase is Phase.TOP:
            self.phase = Phase.DOWN
            return Step.LEFT_TOP
        return Step.NONE

    def close(self) -> Cycle:
        """The cycle that has just ended (or is open at the end), back to rest."""
        cycle = self.current()
        self.phase = Phase.REST
        self._rest_t = self._times[-1]
        assert self.rest_level is not None
        self.rest_level = min(self.rest_level + self.rs.exit, self._steady)
        return cycle

    def forget_between(self) -> None:
        """After a counted cycle: the low point and the counter excursion start afresh (a cycle
        too short to count leaves them, so they still belong to the one that follows)."""
        self._trough = math.inf
        self._counter_seen = False

    def restart(self) -> None:
        """A cut to another shot: nothing before it is comparable, so learn the rest afresh."""
        self.phase = Phase.REST
        self.rest_level = None
        self._last_t = None
        self._recent.clear()
        self._rest_frames.clear()
        self.forget_between()

    def counts(self, cycle: Cycle) -> bool:
        """Long enough, with a top long enough, to be a rep or a hold."""
        rs = self.rs
        return cycle.end_s - cycle.start_s >= rs.min_rep_s and len(cycle.times) >= 2 and cycle.top_s >= rs.min_top_s

    def current(self) -> Cycle:
        assert self.rest_level is not None
        drives = np.asarray(self._drives)
        peak = float(drives.max())
        low = min(self._trough, self.rest_level)
        return Cycle(start_s=self._rest_t, end_s=self._times[-1], window=self._window,
                     peak_s=self._times[int(np.argmax(drives))], times=np.asarray(self._times), frames=self._frames,
                     setup=self._setup, setup_frames=self._setup_frames, amplitude=peak - self.rest_level,
                     span=peak - low, half_seen=self.rs.counter_enter is not None and not self._counter_seen)

    def ended(self) -> Cycle:
        """The cycle now ending, its top's edges placed as the spec asks (`_plateau_window`)."""
        if self.rs.edge_band is not None:
            self._window = self._plateau_window()
        return self.current()

    def height(self) -> float:
        """Where the last frame stands between the rest level (0) and the cycle's peak (1)."""
        assert self.rest_level is not None
        peak = max(self._drives)
        return (self._drives[-1] - self.rest_level) / (peak - self.rest_level) if peak > self.rest_level else 0.0

    def top_s(self) -> float:
        return self._window[1] - self._window[0] if self.phase is Phase.TOP else 0.0

    # ---- internals -------------------------------------------------------------------------
    def _track_rest(self, t: float, drive: float, amplitude: float, values: dict[str, float]) -> None:
        assert self.rest_level is not None
        self._rest_frames.append((t, values))
        while self._rest_frames and self._rest_frames[0][0] < t - 2 * SETUP_S:
            self._rest_frames.popleft()
        self._trough = min(self._trough, drive)
        self.rest_level = self.rest.follow(self.rest_level, drive, amplitude, self.dt, self.rs)
        if self.rest.counter(amplitude, self.rs):
            self._counter_seen = True  # the cycle began with the excursion the other way
        if abs(amplitude) <= START_FRACTION * self.rs.enter and not self._counter_seen:
            self._rest_t = t  # the last moment still truly at rest: the cycle starts here

    def _band(self, peak: float) -> float:
        assert self.rest_level is not None
        return max(self.rs.top_band * (peak - self.rest_level), self.rs.top_band_min)

    def _top_window(self) -> tuple[float, float]:
        """(start, end) of the top: first and last frame within the band of the peak.

        The peak is taken on a 5-frame running median, so one stray pose estimate neither sets
        it nor, with first-to-last, splits a long hold in two."""
        smooth = running_median(np.asarray(self._drives), 5)
        peak = float(np.nanmax(smooth))
        inside = np.flatnonzero(smooth >= peak - self._band(peak))
        return self._times[int(inside[0])], self._times[int(inside[-1])]

    def _plateau_window(self) -> tuple[float, float]:
        """(start, end) of a whole hold: from the first frame within `edge_band` of the level of
        the next `PLATEAU_S` to the last within it of the level of the `PLATEAU_S` before.

        The sink and the return ease in and out, so a band as wide as the peak band (which must
        absorb a long hold's drift) catches them early and late; beside each edge the plateau is
        flat, so a narrow band fits there, and a level that follows the plateau lets the hold drift.
        Searched high in the cycle (not a pause on the way, as a side switch makes); the end is moved
        `return_lag_s` earlier."""
        assert self.rest_level is not None and self.rs.edge_band is not None
        smooth = running_median(np.asarray(self._drives), 5)
        times = np.asarray(self._times)
        peak = float(np.nanmax(smooth))
        high = np.flatnonzero(smooth >= self.rest_level + PLATEAU_FRACTION * (peak - self.rest_level))
        if len(high) < 3:
            return self._window
        lo, hi = int(high[0]), int(high[-1])
        x = smooth[lo:hi + 1]
        width = max(3, round(PLATEAU_S / float(np.median(np.diff(times[lo:hi + 1])))))
        ahead, behind = running_median(x, width, before=0), running_median(x, width, before=width - 1)
        start = np.flatnonzero(x >= ahead - self.rs.edge_band)
        end = np.flatnonzero(x >= behind - self.rs.edge_band)
        if not len(start) or not len(end) or start[0] >= end[-1]:
            return self._window
        first = float(times[lo + start[0]])
        lag = self.rs.return_lag_s if lo + end[-1] < len(smooth) - 1 else 0.0  # none: the recording's end cut it
        return first, max(first, float(times[lo + end[-1]]) - lag)

    def _settled(self) -> bool:
        """The drive has stopped rising: the person is holding the top, not passing through."""
        t_now, now = self._times[-1], self._drives[-1]
        past = [d for t, d in zip(self._times, self._drives, strict=True) if t <= t_now - self.rs.settle_s]
        return bool(past) and abs(now - past[-1]) <= self._band(max(self._drives)) / 2

    def _settled_low(self, t: float) -> bool:
        """Back down and still, but above the old rest level (feet or hands were re-placed)."""
        if self.phase is not Phase.DOWN or self._times[0] > t - REST_SETTLE_S:
            return False
        assert self.rest_level is not None
        recent = [d for tt, d in zip(self._times, self._drives, strict=True) if tt >= t - REST_SETTLE_S]
        if len(recent) < 3:
            return False
        peak = max(self._drives)
        low = max(recent) - self.rest_level < LOW_FRACTION * (peak - self.rest_level)
        return low and max(recent) - min(recent) <= self._band(peak) / 2
