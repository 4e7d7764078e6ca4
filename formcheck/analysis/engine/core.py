"""The engine: cycle tracker, grader and frame-wise cues composed into reps, holds and warnings.

Pure: no I/O, no clocks; time comes in. A rep that stops short is still a rep, with its faults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from formcheck.analysis.engine.cues import Episode, FrameCues
from formcheck.analysis.engine.cycle import Cycle, CycleTracker, Phase, Step
from formcheck.analysis.engine.edges import Edges, NotCounted, NotCountedReason
from formcheck.analysis.engine.grader import Grader, Unjudged, Verdict, metric_key
from formcheck.spec.specs import CueSpec, ExerciseSpec
from formcheck.spec.vocabulary import CueWhen, Mode

CUE_SHOW_S = 2.5  # a correction stays on screen this long after it last applied
IN_POSITION_SHARE = 0.5  # a cycle counts only if the body was in the exercise's position this often
STILL_UP = 0.5  # at the end, at least this part of the cycle's height up: the top may not be over
HAND_UP_SHARE = 0.3  # a hand raised this often in a cycle: a signal (true reps measured at most 0.06)


@dataclass(kw_only=True)
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
    unjudged: list[Unjudged] = field(default_factory=list)


@dataclass(kw_only=True)
class HoldRecord:
    index: int
    side: str | None
    start_s: float
    end_s: float
    seconds: float  # time in the held posture
    faults: list[str] = field(default_factory=list)
    good_form_s: float = 0.0  # of which the posture was right (the on-screen clock)
    metrics: dict[str, float] = field(default_factory=dict)
    unjudged: list[Unjudged] = field(default_factory=list)


@dataclass(kw_only=True)
class CueEpisode:
    cue: str
    start_s: float
    end_s: float
    rep: int | None
    hold: int | None
    message: str


class EventKind(StrEnum):
    REP = "rep"
    HOLD = "hold"
    CUE = "cue"
    NOT_COUNTED = "not_counted"


@dataclass(frozen=True, kw_only=True)
class Event:
    """What happened on one frame: a rep or hold finished, or a cue was raised.

    `provisional`: the verdict may still change before the session ends (it is relative to the
    person's best, which can still grow); it is not said until `finish` settles it.
    """

    kind: EventKind
    name: str  # the cue name, the not-counted reason, or "rep"/"hold"
    index: int | None = None
    provisional: bool = False


class Engine:
    """Feeds on (t, measures) frame by frame; `update` returns this frame's events."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.holds_mode = spec.mode is Mode.HOLDS
        self.tracker = CycleTracker(spec)
        self.grader = Grader(spec)
        self.frame_cues = FrameCues(spec)
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self.warnings: list[CueEpisode] = []
        self.not_counted: list[NotCounted] = []
        self.edges = Edges(spec)
        self.shown: dict[str, float] = {}  # cue -> time it last applied (for display)
        self.good_form_s = 0.0  # the hold clock: runs at the top only while no top cue fails
        self.clock_paused = False
        self._pending: list[Episode] = []  # frame-wise episodes inside the cycle in progress

    # ---- read-only views -------------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        return self.tracker.phase

    @property
    def rep_count(self) -> int:
        return len(self.reps)

    @property
    def good_reps(self) -> int:
        return sum(1 for r in self.reps if not r.faults)

    def active_cues(self, t: float) -> list[CueSpec]:
        """Corrections to show now, most recent first."""
        names = sorted((n for n, last in self.shown.items() if t - last <= CUE_SHOW_S), key=lambda n: -self.shown[n])
        return [self.spec.cue(n) for n in names]

    def current_top_s(self) -> float:
        return self.tracker.top_s()

    # ---- the frame step --------------------------------------------------------------------
    def update(self, t: float, values: dict[str, float]) -> list[Event]:
        started, ended = self.frame_cues.update(t, values, at_rest=self.tracker.phase is Phase.REST)
        events = [Event(kind=EventKind.CUE, name=name) for name in started]
        for episode in ended:
            self._episode(episode)
        for name in self.frame_cues.open:
            self.shown[name] = t
        self.clock_paused = False
        step = self.tracker.update(t, values)
        self.edges.frame(t, values, self.tracker)
        if step is Step.ENDED:
            events += self._end_cycle()
        elif step is Step.AT_TOP:
            verdict = self.grader.grade(self.tracker.current(), live=True)
            final = self._show(verdict, t)
            # The hold clock pauses while the held posture itself is wrong (a top cue).
            self.clock_paused = any(self.spec.cue(c).when is CueWhen.TOP for c in final)
            if not self.clock_paused:
                self.good_form_s += self.tracker.dt
        elif step is Step.LEFT_TOP:
            self._show(self.grader.grade(self.tracker.current()), t)
        return events

    def cut(self, t: float) -> list[Event]:
        """The video jumped to another shot: the cycle in progress ends uncounted."""
        events = []
        if self.tracker.phase is not Phase.REST:
            cycle = self.tracker.current()
            events.append(self._listed(NotCounted(start_s=round(cycle.start_s, 3), end_s=round(t, 3),
                                                  reason=NotCountedReason.CUT, message=self.spec.messages["cut"])))
        self._flush_pending(None)
        self.tracker.restart()
        self.edges.restart(listed=bool(events))
        self.good_form_s = 0.0
        return events

    def finish(self, t: float) -> None:
        """Close what is open at the end: cue episodes, the rep or hold in progress (what the end leaves
        unknowable about it unjudged), and settle the provisional verdicts against the whole session's best."""
        for episode in self.frame_cues.close_all(t):
            self._episode(episode)
        if self.tracker.phase is not Phase.REST:
            self._end_cycle(at_end=True)
        self._flush_pending(None)
        items = self.holds if self.holds_mode else self.reps
        self.not_counted = sorted(self.not_counted + self.edges.edge_cuts([i.metrics for i in items]),
                                  key=lambda n: n.start_s)
        compared = {c.name: sum(1 for i in items if math.isfinite(i.metrics.get(metric_key(c), math.nan)))
                    for c in self.grader.cues}
        for item in items:
            unjudged = {u.cue: u.reason for u in item.unjudged}
            added, removed = self.grader.settle(item.faults, item.metrics, unjudged, compared)
            item.unjudged = [Unjudged(cue=c, reason=r) for c, r in unjudged.items()]
            for name in added:
                start, end = (item.start_s, item.end_s) if isinstance(item, HoldRecord) else (
                    item.top_start_s, item.top_end_s)
                self._warn(name, start, end, item.index)
            self.warnings = [w for w in self.warnings if not (w.cue in removed and self._index_of(w) == item.index)]

    # ---- internals -------------------------------------------------------------------------
    def _show(self, verdict: Verdict, t: float) -> list[str]:
        """Puts the final faults of the rep in progress on screen; returns them."""
        final = [f for f in verdict.faults if f not in verdict.provisional]
        for cue in final:
            self.shown[cue] = t
        return final

    def _episode(self, episode: Episode) -> None:
        if self.tracker.phase is Phase.REST:
            self._warn(episode.cue, episode.start_s, episode.end_s, None)
        else:
            self._pending.append(episode)  # it belongs to the cycle in progress, if that counts

    def _flush_pending(self, index: int | None) -> None:
        for episode in self._pending:
            self._warn(episode.cue, episode.start_s, episode.end_s, index)
        self._pending = []

    def _end_cycle(self, at_end: bool = False) -> list[Event]:
        """`at_end`: the recording ended during the cycle."""
        cycle = self.tracker.ended()
        # Ended still at the top, or still up (a top sags below its band and may rise again): how long
        # the top would have lasted is unknowable.
        in_top = at_end and (self.tracker.phase in (Phase.UP, Phase.TOP) or self.tracker.height() >= STILL_UP)
        if not self.tracker.counts(cycle):
            self.tracker.close()
            self._flush_pending(None)
            short = self.edges.uncounted(cycle, at_end, self._in_position(cycle))
            if short is None:
                return []
            return [self._listed(short)]
        # An arm going up shifts the landmarks (the hips read lifted); the exercises' arms never count as raised.
        signal = cycle.share("hand_up") >= HAND_UP_SHARE
        if signal or not self._in_position(cycle):
            # Another movement, or getting into position: say so, count nothing.
            self.tracker.close()
            self._flush_pending(None)
            reason = NotCountedReason.HAND_RAISED if signal else NotCountedReason.NOT_IN_POSITION
            message = self.spec.messages["hand_raised" if signal else "not_this_exercise"].replace(
                "{exercise}", self.spec.name.lower())
            return [self._listed(NotCounted(start_s=round(cycle.start_s, 3), end_s=round(cycle.end_s, 3),
                                            reason=reason, message=message))]
        verdict = self.grader.grade(cycle)
        if in_top:
            self.edges.ended_in_top(verdict)
        index = len(self.holds if self.holds_mode else self.reps) + 1
        # Faults seen during the cycle from frame-wise cues (not view problems) belong to it too.
        for episode in self._pending:
            cue = self.spec.cue(episode.cue)
            if not cue.view and cue.name not in verdict.faults:
                verdict.faults.append(cue.name)
        self._flush_pending(index)
        for name in verdict.faults:
            self._warn(name, cycle.window[0], cycle.window[1], index)
        self.grader.learn(verdict)
        self._record(index, cycle, verdict)
        self.tracker.close()
        self.tracker.forget_between()
        self.good_form_s = 0.0
        kind = EventKind.HOLD if self.holds_mode else EventKind.REP
        faults = [Event(kind=EventKind.CUE, name=f, index=index, provisional=f in verdict.provisional)
                  for f in verdict.faults]
        return [Event(kind=kind, name=kind.value, index=index), *faults]

    def _listed(self, record: NotCounted) -> Event:
        """A movement not counted: kept for the report, and this frame's event."""
        self.not_counted.append(record)
        return Event(kind=EventKind.NOT_COUNTED, name=record.reason.value)

    def _in_position(self, cycle: Cycle) -> bool:
        """In the exercise's own position before the cycle (its setup) and at its top."""
        if not self.spec.posture:
            return True
        inside = (cycle.times >= cycle.window[0]) & (cycle.times <= cycle.window[1])
        top = [v for v, keep in zip(cycle.frames, inside, strict=True) if keep]
        for frames, at_top in ((cycle.setup_frames, False), (top, True)):
            if frames and np.mean([self.spec.in_position(v, at_top) for v in frames]) < IN_POSITION_SHARE:
                return False
        return True

    def _record(self, index: int, cycle: Cycle, verdict: Verdict) -> None:
        side = self._side(cycle)
        top_start, top_end = round(cycle.window[0], 3), round(cycle.window[1], 3)
        hold_s = verdict.metrics["hold_s"]
        unjudged = [Unjudged(cue=c, reason=r) for c, r in verdict.unjudged.items()]
        if self.holds_mode:
            self.holds.append(HoldRecord(index=index, side=side, start_s=top_start, end_s=top_end, seconds=hold_s,
                                         faults=verdict.faults, good_form_s=round(self.good_form_s, 3),
                                         metrics=verdict.metrics, unjudged=unjudged))
        else:
            self.reps.append(RepRecord(index=index, start_s=round(cycle.start_s, 3), peak_s=round(cycle.peak_s, 3),
                                       end_s=round(cycle.end_s, 3), hold_s=hold_s, top_start_s=top_start,
                                       top_end_s=top_end, side=side, faults=verdict.faults, metrics=verdict.metrics,
                                       unjudged=unjudged))

    def _side(self, cycle: Cycle) -> str | None:
        """The side a hold belongs to: the spec's side measure voted over the top."""
        rs = self.spec.cycle
        if rs.side_from is None:
            return None
        inside = (cycle.times >= cycle.window[0]) & (cycle.times <= cycle.window[1])
        votes = cycle.series(rs.side_from)[inside]
        votes = votes[np.isfinite(votes)]
        return None if not len(votes) else rs.sides[0] if np.mean(votes) >= 0.5 else rs.sides[1]

    def _index_of(self, w: CueEpisode) -> int | None:
        return w.hold if self.holds_mode else w.rep

    def _warn(self, name: str, start: float, end: float, index: int | None) -> None:
        rep, hold = (None, index) if self.holds_mode else (index, None)
        self.warnings.append(CueEpisode(cue=name, start_s=round(start, 3), end_s=round(end, 3), rep=rep, hold=hold,
                                        message=self.spec.cue(name).message))
