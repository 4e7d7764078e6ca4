"""A session: pose frames in; measures, the engine and the results so far out. Pure (no I/O).

The session owns the results (reps, holds, warnings, side totals) and hands out a `FrameState`
that already carries everything the overlay shows, so drawing never decides anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcheck.analysis.engine import CueEpisode, Engine, Event, HoldRecord, NotCounted, Phase, RepRecord
from formcheck.analysis.engine.edges import NothingCounted
from formcheck.analysis.measures import MeasureComputer
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import CueSpec, ExerciseSpec
from formcheck.spec.vocabulary import Mode

UNJUDGED_NOTE_S = 4.0  # how long the overlay says what the last rep could not judge


@dataclass(frozen=True, kw_only=True)
class FrameState:
    """What the overlay and the console need about one frame; read-only."""

    t: float
    pose: PoseFrame  # smoothed
    values: dict[str, float]
    points: dict[str, np.ndarray]  # the spec's point names resolved to pixels (near side, front leg)
    phase: Phase
    rep_count: int
    good_reps: int
    top_s: float
    cues: list[CueSpec]  # corrections to show, newest first
    hold_side: str | None  # the side of the hold in progress (None outside a hold)
    good_form_s: float  # the hold clock: seconds of the hold in progress with the posture right
    clock_paused: bool  # the clock is stopped because the held posture is wrong
    side_seconds: dict[str, float]  # seconds held per side so far
    holds_done: int
    events: list[Event] = field(default_factory=list)
    unjudged_note: str | None = None  # for a few seconds after a rep or hold: what it could not judge


@dataclass(frozen=True, kw_only=True)
class Results:
    reps: list[RepRecord]
    holds: list[HoldRecord]
    warnings: list[CueEpisode]  # in time order
    not_counted: list[NotCounted]  # movements not counted: another exercise, too short, cut by an edit or an edge
    side_totals: dict[str, float]
    rep_count: int
    good_reps: int
    frames: int
    pose_coverage: float
    nothing_counted: NothingCounted | None = None  # why, when nothing at all was counted


class Session:
    def __init__(self, spec: ExerciseSpec, size: tuple[int, int]) -> None:
        """Frames come smoothed (`pose.filters.PoseSmoother`, once for every reader of a frame)."""
        self.spec = spec
        self.size = size
        self._engine = Engine(spec)
        self.measures = MeasureComputer(spec)
        self.frames = 0
        self.frames_with_pose = 0
        self.rows: list[dict[str, float]] = []  # per-frame measures, for the CSV
        self.first_t: float | None = None
        self.last_t = 0.0
        self.last_state: FrameState | None = None
        self._point_names = set(spec.key_points) | {p for m in spec.measures.values() for p in m.points}

    def update(self, frame: PoseFrame, cut: bool = False) -> FrameState:
        """`cut`: this frame starts a new shot of an edited video."""
        self.frames += 1
        self.first_t = frame.t if self.first_t is None else self.first_t
        self.last_t = frame.t
        e = self._engine
        cut_events = e.cut(frame.t) if cut else []
        if frame.detected:
            self.frames_with_pose += 1
        values = self.measures(frame, self.size)
        events = cut_events + e.update(frame.t, values)
        self.rows.append({"t": frame.t, "pose": float(frame.detected), **values})
        points = {n: self.measures.point(frame, n) for n in self._point_names} if frame.detected else {}
        in_hold = e.phase.at_top
        self.last_state = FrameState(
            t=frame.t, pose=frame, values=values, points=points, phase=e.phase, rep_count=e.rep_count,
            good_reps=e.good_reps, top_s=e.current_top_s(), cues=e.active_cues(frame.t),
            hold_side=self._side_now(values) if in_hold else None, good_form_s=e.good_form_s,
            clock_paused=e.clock_paused and in_hold, side_seconds=side_totals(e.holds), holds_done=len(e.holds),
            events=events, unjudged_note=self._unjudged_note(frame.t))
        return self.last_state

    def _unjudged_note(self, t: float) -> str | None:
        """"Rep 3: could not judge the knee": said in plain words where a fault would have been."""
        e = self._engine
        done = e.holds if self.spec.mode is Mode.HOLDS else e.reps
        if not done or not done[-1].unjudged or t - done[-1].end_s > UNJUDGED_NOTE_S:
            return None
        item = done[-1]
        labels = dict.fromkeys(self.spec.cue_label(u.cue) for u in item.unjudged)
        what = "Hold" if self.spec.mode is Mode.HOLDS else "Rep"
        return f"{what} {item.index}: could not judge the {', '.join(labels)}"

    def finish(self) -> None:
        self._engine.finish(self.last_t)

    def results(self) -> Results:
        e = self._engine
        return Results(reps=list(e.reps), holds=list(e.holds), warnings=sorted(e.warnings, key=lambda w: w.start_s),
                       not_counted=list(e.not_counted), side_totals=side_totals(e.holds), rep_count=e.rep_count,
                       good_reps=e.good_reps, frames=self.frames, pose_coverage=self.pose_coverage,
                       nothing_counted=self._silence())

    def _silence(self) -> NothingCounted | None:
        e = self._engine
        view_s: dict[str, float] = {}
        for w in e.warnings:
            if self.spec.cue(w.cue).view:
                view_s[w.cue] = view_s.get(w.cue, 0.0) + w.end_s - w.start_s
        return e.edges.silence(counted=len(e.holds if self.spec.mode is Mode.HOLDS else e.reps),
                               not_counted=e.not_counted, view_s=view_s, pose_coverage=self.pose_coverage,
                               seconds=self.last_t - (self.first_t or 0.0))

    @property
    def pose_coverage(self) -> float:
        return self.frames_with_pose / self.frames if self.frames else 0.0

    def _side_now(self, values: dict[str, float]) -> str | None:
        rs = self.spec.cycle
        value = values.get(rs.side_from or "", math.nan)
        return None if not math.isfinite(value) else rs.sides[0] if value >= 0.5 else rs.sides[1]


def side_totals(holds: list[HoldRecord]) -> dict[str, float]:
    """Seconds held per side, for exercises with sides (each side's target is separate)."""
    totals: dict[str, float] = {}
    for h in holds:
        if h.side:
            totals[h.side] = round(totals.get(h.side, 0.0) + h.seconds, 3)
    return totals


def nan_to_none(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
