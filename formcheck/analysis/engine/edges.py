"""The recording's edges and its silences: what the start or end of a recording (or a cut) leaves
unknowable about a rep or hold, the movements left uncounted and why, and, when nothing counted at
all, the reason in words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from formcheck.analysis.engine.cycle import Cycle, CycleTracker, Phase
from formcheck.analysis.engine.grader import Verdict
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import CueWhen, Mode

NO_PERSON_SHARE = 0.3  # pose found in fewer frames than this: nobody was there to count
VIEW_SHARE = 0.5  # a view problem over more of the time than this explains a silence
START_SHARE = 0.5  # in the start position less often than this: another exercise
MIN_LISTED_S = 0.5  # a stay at the top shorter than this is passing through, not a hold too short
EDGE_SHARE = 0.7  # a movement the edge cut is listed if at least this large against the counted ones


class NotCountedReason(StrEnum):
    NOT_IN_POSITION = "not_in_position"  # another movement, or getting into position
    CUT = "cut"  # the video jumped to another shot during it
    TOO_SHORT = "too_short"  # in the position, but shorter than a hold (or rep) counts
    STARTED_DURING = "started_during"  # the recording began during it
    ENDED_DURING = "ended_during"  # the recording ended during it, before it could count
    HAND_RAISED = "hand_raised"  # a hand was up through much of it: a signal, not the exercise


@dataclass(frozen=True, kw_only=True)
class NotCounted:
    """A movement that was not counted, and why (`message`: in words, for the person)."""

    start_s: float
    end_s: float
    reason: NotCountedReason
    message: str
    seconds: float | None = None  # too_short: the time it lasted


# Which uncounted movement explains a silence best: a short hold or an edge says the most.
SAYS_MOST = [NotCountedReason.TOO_SHORT, NotCountedReason.ENDED_DURING, NotCountedReason.STARTED_DURING,
             NotCountedReason.CUT, NotCountedReason.NOT_IN_POSITION, NotCountedReason.HAND_RAISED]


class Silence(StrEnum):
    """Why nothing at all was counted."""

    NO_PERSON = "no_person"
    VIEW = "view"  # not side-on, or the body out of the picture, most of the time
    LEFT_UNCOUNTED = "left_uncounted"  # movements were seen but not counted (see `not_counted`)
    NOT_THIS_EXERCISE = "not_this_exercise"  # never in the exercise's start position
    TOO_BRIEF = "too_brief"  # moved, but never long enough to count
    NEVER_STARTED = "never_started"  # in the start position, never moved far enough to begin


@dataclass(frozen=True, kw_only=True)
class NothingCounted:
    reason: Silence
    message: str


def fill(template: str, **words: str) -> str:
    for key, value in words.items():
        template = template.replace("{" + key + "}", value)
    return template


def _number(value: float, unit: str) -> str:
    return f"{value:.2g}{' ' + unit if unit else ''}"


class Edges:
    """Watches the frames for what the edges and the silences need; makes the `NotCounted` records."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.item = "hold" if spec.mode is Mode.HOLDS else "rep"
        self.frames = 0  # frames with the drive measured
        self.in_start = 0  # ... of which in the exercise's start position
        self.most_rise = 0.0  # the drive's largest rise above rest outside a cycle
        self.brief = 0  # cycles too short to count
        self._start: tuple[float, float, bool] | None = None  # (t, drive, in position) as a track began
        self._watching = False  # the track began: was it during a rep? (until a cycle starts)
        self._watch = spec.cycle.counter_enter is None  # two-sided drives: half_seen says it
        # What the edges may have cut, with how far the drive moved: listed at the end only if as large
        # as the person's own counted reps (a body settling at the start is not a rep).
        self._edge_cuts: list[tuple[NotCounted, float]] = []

    def frame(self, t: float, values: dict[str, float], tracker: CycleTracker) -> None:
        """After the tracker's step: the frame's tallies, and whether the recording (or shot) began
        during a rep or hold: the drive came down from where it began by as much as a rep rises."""
        drive = tracker.drive(values)
        if not math.isfinite(drive) or tracker.rest_level is None:
            return
        self.frames += 1
        self.in_start += self._posed(values, at_top=False)
        if tracker.phase is not Phase.REST:
            self._watching = False
            return
        self.most_rise = max(self.most_rise, drive - tracker.rest_level)
        if self._start is None:
            self._start, self._watching = (t, drive, self._posed(values, at_top=True)), self._watch
            self._watch = self.spec.cycle.counter_enter is None
        start_t, start_drive, in_position = self._start
        if not self._watching or start_drive - drive < self.spec.cycle.enter:
            return
        fall = start_drive - drive
        if self._edge_cuts and self._edge_cuts[-1][0].start_s == round(start_t, 3):
            item, before = self._edge_cuts[-1]
            if fall > before:  # still coming down: it ends later, and fell further
                self._edge_cuts[-1] = (NotCounted(start_s=item.start_s, end_s=round(t, 3), reason=item.reason,
                                                  message=item.message), fall)
        elif in_position:
            self._edge_cuts.append((NotCounted(start_s=round(start_t, 3), end_s=round(t, 3),
                                               reason=NotCountedReason.STARTED_DURING,
                                               message=self.spec.messages[f"started_during_{self.item}"]), fall))

    def _posed(self, values: dict[str, float], *, at_top: bool) -> bool:
        """In the exercise's position (a spec without [[posture]] has none to leave)."""
        return not self.spec.posture or self.spec.in_position(values, at_top)

    def restart(self, *, listed: bool) -> None:
        """A new shot: its first frames are the start of a recording again. `listed`: the cut already
        listed the movement across it, so one the shot begins during is that one."""
        self._start = None
        self._watch = not listed and self.spec.cycle.counter_enter is None

    def uncounted(self, cycle: Cycle, at_end: bool, in_position: bool) -> NotCounted | None:
        """A cycle too short to count, in the position: a stay too short for a hold is listed with its
        seconds; a rep or hold the end cut short is kept to be weighed at the end (`edge_cuts`)."""
        self.brief += 1
        if not in_position:
            return None
        rs = self.spec.cycle
        if self.item == "hold" and cycle.top_s >= MIN_LISTED_S:
            short_top = cycle.top_s < rs.min_top_s
            seconds, limit = (cycle.top_s, rs.min_top_s) if short_top else (cycle.end_s - cycle.start_s, rs.min_rep_s)
            key = "too_short_at_end" if at_end else "too_short"
            message = fill(self.spec.messages[key], seconds=f"{seconds:.1f}", limit=f"{limit:g}")
            return NotCounted(start_s=round(cycle.start_s, 3), end_s=round(cycle.end_s, 3),
                              reason=NotCountedReason.TOO_SHORT, message=message, seconds=round(seconds, 3))
        if at_end:
            item = NotCounted(start_s=round(cycle.start_s, 3), end_s=round(cycle.end_s, 3),
                              reason=NotCountedReason.ENDED_DURING,
                              message=self.spec.messages[f"ended_during_{self.item}"])
            self._edge_cuts.append((item, cycle.amplitude))
        return None

    def edge_cuts(self, counted: list[dict[str, float]]) -> list[NotCounted]:
        """The reps or holds the start or end cut, among those weighed: only those whose movement was
        as large as the counted ones' (`counted`: their metrics) are listed; with none counted there
        is nothing to weigh them against, and a silence is explained otherwise."""
        sizes = sorted(m["amplitude"] for m in counted if math.isfinite(m.get("amplitude", math.nan)))
        if not sizes:
            return []
        typical = sizes[len(sizes) // 2]
        return [item for item, size in self._edge_cuts if size >= EDGE_SHARE * typical]

    def ended_in_top(self, verdict: Verdict) -> None:
        """The recording ended during the top: how long it would have lasted is unknowable, so a cue
        on the hold's length that fails is left unjudged, never a fault. In place."""
        reason = self.spec.messages[f"ended_in_top_{self.item}"]
        for cue in self.spec.cues:
            if cue.when is not CueWhen.REP or cue.measure != "hold_s":
                continue
            if cue.name in verdict.faults:
                verdict.faults.remove(cue.name)
                verdict.unjudged[cue.name] = reason
            elif cue.name in verdict.unjudged:
                verdict.unjudged[cue.name] = reason

    def silence(self, *, counted: int, not_counted: list[NotCounted], view_s: dict[str, float],
                pose_coverage: float, seconds: float) -> NothingCounted | None:
        """Why nothing was counted, in words; None when something was. `view_s`: seconds of each view
        problem (cue name); `seconds`: how long the recording ran."""
        if counted:
            return None
        spec, messages = self.spec, self.spec.messages
        if pose_coverage < NO_PERSON_SHARE:
            return NothingCounted(reason=Silence.NO_PERSON, message=messages["nothing_no_person"])
        seen_s = seconds * pose_coverage
        for name, secs in sorted(view_s.items(), key=lambda kv: -kv[1]):
            if seen_s and secs > VIEW_SHARE * seen_s:
                reason = spec.cue(name).unjudged_reason or spec.cue(name).message
                return NothingCounted(reason=Silence.VIEW, message=fill(messages["nothing_view"], reason=reason))
        for item in sorted(not_counted, key=lambda n: (SAYS_MOST.index(n.reason), -(n.seconds or 0.0))):
            return NothingCounted(reason=Silence.LEFT_UNCOUNTED, message=item.message)
        exercise = spec.name.lower()
        if not self.frames or self.in_start < START_SHARE * self.frames:
            message = fill(messages["nothing_not_in_start"], exercise=exercise,
                           start=spec.start_position[:1].lower() + spec.start_position[1:])
            return NothingCounted(reason=Silence.NOT_THIS_EXERCISE, message=message)
        if self.brief:
            limit = f"{spec.cycle.min_rep_s:g}"
            return NothingCounted(reason=Silence.TOO_BRIEF,
                                  message=fill(messages["nothing_too_brief"], item=self.item, limit=limit))
        drive = spec.measures.get(spec.cycle.drive)
        unit = drive.unit if drive else ""
        message = fill(messages["nothing_never_started"], item=self.item,
                       measure=drive.label if drive else spec.cycle.drive,
                       value=_number(max(self.most_rise, 0.0), unit), limit=_number(spec.cycle.enter, unit))
        return NothingCounted(reason=Silence.NEVER_STARTED, message=message)
