"""A session: pose frames in, measures, engine state and per-frame rows out. Pure (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.engine import Engine, Event
from formcheck.filters import OneEuroFilter
from formcheck.measures import MeasureComputer
from formcheck.pose import PoseFrame
from formcheck.specs import CueSpec, ExerciseSpec


@dataclass(frozen=True)
class FrameState:
    """What the overlay and the console need about one frame; read-only."""

    t: float
    pose: PoseFrame  # smoothed
    values: dict[str, float]
    points: dict[str, np.ndarray]  # the spec's point names resolved to pixels (near side, front leg)
    side: str
    phase: str
    rep_count: int
    good_reps: int
    top_s: float
    good_form_s: float  # hold exercises: seconds of the hold in progress with the posture right
    holds: list  # finished holds (HoldRecord)
    cues: list[CueSpec]
    events: list[Event] = field(default_factory=list)


class Session:
    def __init__(self, spec: ExerciseSpec, size: tuple[int, int],
                 smoothing: OneEuroFilter | None = None) -> None:
        self.spec = spec
        self.size = size
        self.engine = Engine(spec)
        self.measures = MeasureComputer(spec)
        self.smoothing = smoothing or OneEuroFilter(min_cutoff=1.5, beta=0.02)
        self.frames = 0
        self.frames_with_pose = 0
        self.rows: list[dict[str, float]] = []  # per-frame measures, for the CSV
        self.last_t = 0.0
        self.last_state: FrameState | None = None
        self._point_names = set(spec.key_points) | {p for m in spec.measures.values() for p in m.points}

    def update(self, frame: PoseFrame) -> FrameState:
        self.frames += 1
        self.last_t = frame.t
        if frame.detected:
            self.frames_with_pose += 1
            xy = self.smoothing(frame.t, frame.xy)
            frame = PoseFrame(frame.t, xy, frame.z, frame.visibility, frame.world)
        values = self.measures(frame, self.size)
        events = self.engine.update(frame.t, values)
        self.rows.append({"t": frame.t, "pose": float(frame.detected), **values})
        e = self.engine
        points = {n: self.measures.point(frame, n) for n in self._point_names} if frame.detected else {}
        self.last_state = FrameState(frame.t, frame, values, points, self.measures.side, e.phase, e.rep_count,
                                     e.good_reps, e.current_top_s(), e.good_form_s, e.holds,
                                     e.active_cues(frame.t), events)
        return self.last_state

    def finish(self) -> None:
        self.engine.finish(self.last_t)

    @property
    def pose_coverage(self) -> float:
        return self.frames_with_pose / self.frames if self.frames else 0.0


def nan_to_none(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
