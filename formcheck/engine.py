"""Reps, holds and cues from a stream of measures. Pure: no I/O, no clocks; time comes in.

A rep is counted from the movement cycle: the drive measure rises `enter` above its rest level
and comes back below `exit` (hysteresis, so jitter at a threshold never counts twice). The rep
is then graded on its top: the stretch where the drive stays within `top_band` (a fraction of
the rep's own amplitude) of its peak. A rep that stops short is still a rep, with its faults.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.specs import CueSpec, ExerciseSpec

REST_TRACKING_PER_S = 0.5  # how fast the rest level follows slow drift (1/s)
CUE_SHOW_S = 2.5  # a correction stays on screen this long after it last applied
START_FRACTION = 0.3  # a rep starts where the drive was last within this part of `enter`
WARMUP_S = 0.5  # the first moments of a track only learn the rest level (pose estimates settle)
REST_SETTLE_S = 0.8  # still this long in the lower part of the range: the rep is over ...
LOW_FRACTION = 0.35  # ... where "lower part" is below this fraction of the rep's amplitude
OFF_REST_TRACKING_PER_S = 0.05  # two-sided drives: the rest level barely moves during excursions
START_S = 1.0  # the person's own reference values are taken over the first second seen
SETUP_S = 0.5  # the setup before a rep: this long before it starts
RANGE_TRIM_S = 0.5  # "range" cues leave out this much at each end of the top


@dataclass
class RepRecord:
    index: int
    start_s: float
    peak_s: float
    end_s: float
    hold_s: float
    top_start_s: float
    top_end_s: float
    side: str | None = None
    faults: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class HoldRecord:
    index: int
    side: str | None
    start_s: float
    end_s: float
    seconds: float  # time in the held posture
    faults: list[str] = field(default_factory=list)
    good_form_s: float = 0.0  # of which the posture was right (the on-screen clock)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class CueEpisode:
    cue: str
    start_s: float
    end_s: float
    rep: int | None
    hold: int | None
    message: str


@dataclass(frozen=True)
class Event:
    """What happened on one frame: a rep or hold finished, or a cue was raised."""

    kind: str  # "rep" | "hold" | "cue"
    name: str  # the cue name, or "rep"/"hold"
    index: int | None = None


class _Debounce:
    """A condition that must persist `persist_s` to switch on, and stop to switch off."""

    def __init__(self, persist_s: float) -> None:
        self.persist_s = persist_s
        self.since: float | None = None
        self.on_since: float | None = None

    def update(self, t: float, failing: bool) -> str | None:
        if not failing:
            self.since = None
            if self.on_since is not None:
                self.on_since = None
                return "off"
            return None
        if self.since is None:
            self.since = t
        if self.on_since is None and t - self.since >= self.persist_s:
            self.on_since = self.since
            return "on"
        return None


def _median(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else float("nan")


class Engine:
    """Feeds on (t, measures) frame by frame; `update` returns this frame's events."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self.warnings: list[CueEpisode] = []
        self.shown: dict[str, float] = {}  # cue -> time it last applied (for display)
        self.phase = "rest"
        self.t = 0.0
        self._always = {c.name: _Debounce(c.persist_s) for c in spec.cues if c.when == "always"}
        self._always_start: dict[str, float] = {}
        self._first_t: float | None = None
        self._start_frames: list[dict[str, float]] = []
        self.start_values: dict[str, float] | None = None  # the person's own reference
        # rep state
        self._rest_level: float | None = None
        self._rest_t = 0.0
        self._rest_frames: deque[tuple[float, dict[str, float]]] = deque()
        self._setup_values: dict[str, float] = {}
        self._trough = math.inf
        self._counter_seen = False
        self._buffer: list[tuple[float, dict[str, float]]] = []
        self._drive_values: list[float] = []  # the drive of each buffered frame, kept beside it
        self._window_cache: tuple[int, tuple[float, float]] = (-1, (0.0, 0.0))
        self._last_t: float | None = None
        self._track_start = 0.0
        self.good_form_s = 0.0  # the hold clock: runs at the top only while no top cue fails
        self._best: dict[str, float] = {}  # vs_best cues: the largest value of a clean rep so far

    # ---- read-only views for overlay and session -------------------------------------------
    @property
    def rep_count(self) -> int:
        return len(self.reps)

    @property
    def good_reps(self) -> int:
        return sum(1 for r in self.reps if not r.faults)

    def active_cues(self, t: float) -> list[CueSpec]:
        """Corrections to show now, most recent first."""
        names = [n for n, last in self.shown.items() if t - last <= CUE_SHOW_S]
        names.sort(key=lambda n: -self.shown[n])
        return [self.spec.cue(n) for n in names]

    def current_top_s(self) -> float:
        """Seconds spent at the top of the rep in progress (0 outside a top)."""
        if self.phase != "top" or not self._buffer:
            return 0.0
        window = self._top_window()
        return window[1] - window[0]

    # ---- the frame step --------------------------------------------------------------------
    def update(self, t: float, values: dict[str, float]) -> list[Event]:
        self.t = t
        self._learn_start(t, values)
        events = self._update_always(t, values)
        events += self._update_reps(t, values)
        return events

    def finish(self, t: float) -> None:
        """Close what is open at the end: cue episodes, and a rep already on its way down."""
        for name, start in list(self._always_start.items()):
            self._record_always(name, start, t)
        self._always_start.clear()
        if self.phase == "down":
            self._finish_rep(t)
            self.phase = "rest"
        self._regrade_against_best()

    def _regrade_against_best(self) -> None:
        """vs_best cues, once more with the whole session's best: a rep early in the session
        is compared with the person's neutral even when that came later."""
        for cue in self.spec.cues:
            if cue.stat != "vs_best" or not self._best.get(cue.name):
                continue
            best = self._best[cue.name]
            for item in self.holds if self._holds_mode else self.reps:
                raw = item.metrics.get(f"{cue.measure}_{cue.when}", math.nan)
                if not math.isfinite(raw) or (cue.unless and cue.unless in item.faults):
                    continue
                ratio = raw / best
                item.metrics[f"{cue.measure}_{cue.when}_{cue.stat}"] = round(ratio, 3)
                failing = cue.fails(ratio)
                if failing and cue.name not in item.faults:
                    item.faults.append(cue.name)
                    start, end = (item.start_s, item.end_s) if self._holds_mode else (item.top_start_s,
                                                                                         item.top_end_s)
                    self._add_warning(cue.name, start, end, item.index)
                elif not failing and cue.name in item.faults:
                    item.faults.remove(cue.name)
                    self.warnings = [w for w in self.warnings if not (
                        w.cue == cue.name and (w.hold if self._holds_mode else w.rep) == item.index)]

    def _learn_start(self, t: float, values: dict[str, float]) -> None:
        if self.start_values is not None or not values.get("visible"):
            return
        if self._first_t is None:
            self._first_t = t
        self._start_frames.append(values)
        if t - self._first_t >= START_S:
            self.start_values = _medians(self._start_frames, self.spec.measures)

    # ---- cues that apply on every frame (view, visibility, posture) ------------------------
    def _update_always(self, t: float, values: dict[str, float]) -> list[Event]:
        events = []
        for cue in self.spec.cues:
            if cue.when != "always":
                continue
            value = values.get(cue.measure or "", float("nan"))
            if not math.isfinite(value):
                continue  # unseen: hold the cue's state
            change = self._always[cue.name].update(t, cue.fails(value))
            if change == "on":
                on_since = self._always[cue.name].on_since
                self._always_start[cue.name] = t if on_since is None else on_since
                events.append(Event("cue", cue.name))
            elif change == "off" and cue.name in self._always_start:
                self._record_always(cue.name, self._always_start.pop(cue.name), t)
            if cue.name in self._always_start:
                self.shown[cue.name] = t
        return events

    def _record_always(self, name: str, start: float, end: float) -> None:
        index = self._next_index() if self.phase != "rest" else None
        self._add_warning(name, start, end, index)

    @property
    def _holds_mode(self) -> bool:
        return self.spec.mode == "holds"

    def _next_index(self) -> int:
        return len(self.holds if self._holds_mode else self.reps) + 1

    def _add_warning(self, name: str, start: float, end: float, index: int | None) -> None:
        rep, hold = (None, index) if self._holds_mode else (index, None)
        self.warnings.append(CueEpisode(name, round(start, 3), round(end, 3), rep, hold,
                                        self.spec.cue(name).message))

    # ---- reps ------------------------------------------------------------------------------
    def _drive(self, values: dict[str, float]) -> float:
        rs = self.spec.cycle
        value = values.get(rs.drive, float("nan"))
        return -value if rs.falling else value

    def _update_reps(self, t: float, values: dict[str, float]) -> list[Event]:
        rs = self.spec.cycle
        drive = self._drive(values)
        if not math.isfinite(drive):
            return []  # landmarks unseen: hold the state
        dt = 0.0 if self._last_t is None else max(t - self._last_t, 0.0)
        self._last_t = t
        if self._rest_level is None or t - self._track_start < WARMUP_S:
            if self._rest_level is None:
                self._track_start = t
            self._rest_level = drive
            self._rest_t = t
            return []
        amplitude = drive - self._rest_level
        events: list[Event] = []
        if self.phase == "rest":
            if amplitude >= rs.enter:
                self.phase = "up"
                self._setup_values = _medians(
                    [v for tt, v in self._rest_frames if tt >= self._rest_t - SETUP_S], self.spec.measures)
                self._buffer = [(t, values)]
                self._drive_values = [drive]
                self._window_cache = (-1, (0.0, 0.0))
                return events
            self._track_rest(t, dt, drive, amplitude, values)
            return events
        self._buffer.append((t, values))
        self._drive_values.append(drive)
        if amplitude < rs.exit or self._settled_low(t):
            events += self._finish_rep(t)
            self.phase = "rest"
            self._rest_t = t
            self._rest_level = min(self._rest_level + rs.exit, drive)
            return events
        window = self._top_window()
        at_top = window[1] >= t
        if at_top:
            self.phase = "top"
            if t - window[0] >= rs.settle_s and self._settled():
                live = self._grade(window, live=True)[0]
                for cue in live:
                    self.shown[cue] = t
                # The hold clock pauses while the held posture itself is wrong (a top cue).
                if not any(self.spec.cue(c).when == "top" for c in live):
                    self.good_form_s += dt
        elif self.phase == "top":
            self.phase = "down"
            for cue in self._grade(window)[0]:
                self.shown[cue] = t
        return events

    def _track_rest(self, t: float, dt: float, drive: float, amplitude: float,
                    values: dict[str, float]) -> None:
        rs = self.spec.cycle
        assert self._rest_level is not None
        self._rest_frames.append((t, values))
        while self._rest_frames and self._rest_frames[0][0] < t - 2 * SETUP_S:
            self._rest_frames.popleft()
        self._trough = min(self._trough, drive)
        if rs.counter_enter is None and drive < self._rest_level:
            self._rest_level = drive  # one-sided: the floor is the rest, follow it down at once
        else:
            # Follow slow drift (feet re-placed); two-sided drives hardly move during excursions.
            near = rs.counter_enter is None or abs(amplitude) < rs.exit
            rate = REST_TRACKING_PER_S if near else OFF_REST_TRACKING_PER_S
            self._rest_level += min(rate * dt, 1.0) * (drive - self._rest_level)
        if rs.counter_enter is not None and amplitude <= -rs.counter_enter:
            self._counter_seen = True  # the rep began with the excursion the other way
        if abs(amplitude) <= START_FRACTION * rs.enter and not self._counter_seen:
            self._rest_t = t  # the last moment still truly at rest: the rep starts here

    def _settled_low(self, t: float) -> bool:
        """Back down and still, but above the old rest level (feet or hands were re-placed)."""
        if self.phase != "down" or self._buffer[0][0] > t - REST_SETTLE_S:
            return False
        assert self._rest_level is not None
        recent = [d for (tt, _), d in zip(self._buffer, self._drive_values, strict=True) if tt >= t - REST_SETTLE_S]
        if len(recent) < 3:
            return False
        peak = float(self._drives().max())
        low = max(recent) - self._rest_level < LOW_FRACTION * (peak - self._rest_level)
        return low and max(recent) - min(recent) <= self._band(peak) / 2

    def _drives(self) -> np.ndarray:
        return np.asarray(self._drive_values)

    def _band(self, peak: float) -> float:
        rs = self.spec.cycle
        assert self._rest_level is not None
        return max(rs.top_band * (peak - self._rest_level), rs.top_band_min)

    def _top_window(self) -> tuple[float, float]:
        """(start, end) of the top: first and last frame within the band of the peak.

        The peak is taken on a 5-frame running median, so one stray pose estimate neither sets
        it nor, with first-to-last, splits a long hold in two.
        """
        if self._window_cache[0] == len(self._buffer):  # asked several times per frame
            return self._window_cache[1]
        smooth = _running_median(self._drives(), 5)
        peak = float(np.nanmax(smooth))
        inside = np.flatnonzero(smooth >= peak - self._band(peak))
        window = self._buffer[int(inside[0])][0], self._buffer[int(inside[-1])][0]
        self._window_cache = (len(self._buffer), window)
        return window

    def _settled(self) -> bool:
        """The drive has stopped rising: the person is holding the top, not passing through."""
        rs = self.spec.cycle
        t_now, now = self._buffer[-1][0], self._drive_values[-1]
        past = [d for (t, _), d in zip(self._buffer, self._drive_values, strict=True) if t <= t_now - rs.settle_s]
        if not past:
            return False
        return abs(now - past[-1]) <= self._band(float(self._drives().max())) / 2

    def _metrics(self, window: tuple[float, float]) -> dict[str, float]:
        assert self._rest_level is not None
        peak = float(self._drives().max())
        low = min(self._trough, self._rest_level)
        return {"hold_s": round(window[1] - window[0], 3),
                "amplitude": round(peak - self._rest_level, 4), "range": round(peak - low, 4)}

    def _cue_value(self, cue: CueSpec, window: tuple[float, float], metrics: dict[str, float]) -> tuple[float, float]:
        """(value judged, plain value): the statistic the cue asks for, and the measure behind it."""
        if cue.when == "rep":
            value = metrics.get(cue.measure or "", float("nan"))
            return value, value
        name = cue.measure or ""
        if cue.when == "setup":
            value = self._setup_values.get(name, float("nan"))
        else:
            inside = [v[name] for t, v in self._buffer if window[0] <= t <= window[1]]
            if cue.stat == "range":
                # The steadiness of the hold itself: its first and last RANGE_TRIM_S are still the
                # settling of the movement into and out of it; 10th to 90th percentile.
                trim = RANGE_TRIM_S if window[1] - window[0] > 4 * RANGE_TRIM_S else 0.0
                inside = [v[name] for t, v in self._buffer if window[0] + trim <= t <= window[1] - trim]
                finite = [x for x in inside if math.isfinite(x)]
                spread = float(np.subtract(*np.percentile(finite, [90, 10]))) if len(finite) > 1 else float("nan")
                return spread, spread
            value = _median(inside)
            if cue.stat == "change":
                return value - self._setup_values.get(name, float("nan")), value
        if cue.stat == "vs_start":
            start = (self.start_values or {}).get(name, float("nan"))
            return (value / start if start else float("nan")), value
        if cue.stat == "vs_best":
            return value / self._best_value(cue, value), value
        return value, value

    def _best_value(self, cue: CueSpec, value: float) -> float:
        start = (self.start_values or {}).get(cue.measure or "", float("nan"))
        known = [x for x in (self._best.get(cue.name, -math.inf), value, start) if math.isfinite(x)]
        return max(known) if known else float("nan")

    def _grade(self, window: tuple[float, float], live: bool = False) -> tuple[list[str], dict[str, float]]:
        """Faults of the rep in progress over its top window, with its metrics.

        `live`: only the cues that can be judged while the top is still going on.
        """
        metrics = self._metrics(window)
        faults = []
        # cues with `unless` go last, so the fault they defer to is already known
        for cue in sorted(self.spec.cues, key=lambda c: c.unless is not None):
            if cue.when not in ("top", "setup", "rep") or (live and cue.when == "rep"):
                continue
            if cue.unless in faults:
                continue
            value, plain = self._cue_value(cue, window, metrics)
            if math.isfinite(value) and cue.fails(value):
                faults.append(cue.name)
            if not live and cue.measure and cue.when != "rep":
                metrics[f"{cue.measure}_{cue.when}_{cue.stat}"] = round(value, 3)
                if cue.stat == "vs_best":
                    metrics[f"{cue.measure}_{cue.when}"] = round(plain, 4)
        return faults, metrics

    def _finish_rep(self, t: float) -> list[Event]:
        rs = self.spec.cycle
        start = self._rest_t
        if t - start < rs.min_rep_s or len(self._buffer) < 2:
            return []
        window = self._top_window()
        if window[1] - window[0] < rs.min_top_s:
            return []
        faults, metrics = self._grade(window)
        peak_t = self._buffer[int(np.argmax(self._drives()))][0]
        index = self._next_index()
        # Faults seen during the rep from frame-wise cues (not view problems) belong to it too.
        for ep in self.warnings:
            cue = self.spec.cue(ep.cue)
            mine = (ep.hold if self._holds_mode else ep.rep) == index
            if mine and cue.when == "always" and cue.name not in faults and _is_fault(cue):
                faults.append(cue.name)
        for name in faults:
            self._add_warning(name, window[0], window[1], index)
        for cue in self.spec.cues:
            raw = metrics.get(f"{cue.measure}_{cue.when}", math.nan) if cue.stat == "vs_best" else math.nan
            if math.isfinite(raw) and cue.name not in faults:
                self._best[cue.name] = max(self._best.get(cue.name, -math.inf), raw)
        side = self._side(window)
        if self._holds_mode:
            self.holds.append(HoldRecord(index, side, round(window[0], 3), round(window[1], 3),
                                         metrics["hold_s"], faults, round(self.good_form_s, 3), metrics))
        else:
            self.reps.append(RepRecord(index, round(start, 3), round(peak_t, 3), round(t, 3),
                                       metrics["hold_s"], round(window[0], 3), round(window[1], 3),
                                       side, faults, metrics))
        self._trough = math.inf
        self._counter_seen = False
        self.good_form_s = 0.0
        kind = "hold" if self._holds_mode else "rep"
        return [Event(kind, kind, index)] + [Event("cue", f, index) for f in faults]

    def _side(self, window: tuple[float, float]) -> str | None:
        if self.spec.cycle.side_from != "front_leg":
            return None
        votes = [v["front_leg"] for t, v in self._buffer
                 if window[0] <= t <= window[1] and math.isfinite(v.get("front_leg", math.nan))]
        return None if not votes else ("left" if np.mean(votes) >= 0.5 else "right")


def _running_median(x: np.ndarray, width: int) -> np.ndarray:
    if len(x) < width:
        return x
    pad = width // 2
    padded = np.pad(x, pad, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)


def _medians(frames: list[dict[str, float]], names) -> dict[str, float]:
    return {n: _median([v.get(n, float("nan")) for v in frames]) for n in names}


VIEW_CUES = ("body_not_visible", "wrong_view")


def _is_fault(cue: CueSpec) -> bool:
    return cue.name not in VIEW_CUES
