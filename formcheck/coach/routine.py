"""Routines: a practice program as data (`exercise_specs/routines/*.toml`), and progress toward its targets.

A routine lists exercises in order, each with its target (reps per set, or holds per side of so many
seconds), its sets and the rest after each set; optionally its progression (`[exercises.progress]`, applied
by `progression`) and the patient's own limits (`[exercises.limits]`, see `spec.limits`). Errors name the
file and the key, like the specs'.

A routine's `key` ties stored sessions to it: the file's name and a hash of its exercise list, so a new
or edited list of exercises starts again from the file's own targets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from formcheck.analysis.engine import EventKind
from formcheck.analysis.session import FrameState, Session
from formcheck.errors import FormcheckError
from formcheck.resources import bundled_routines_dir
from formcheck.spec.limits import hold_cue, read_limits, with_hold_target, with_limits
from formcheck.spec.reader import Reader, read_toml
from formcheck.spec.specs import ExerciseSpec, exercise_ids, load_spec, specs_dir
from formcheck.spec.vocabulary import Mode

DEFAULT_ROUTINE = "back_pain"
DEFAULT_REST_S = 30.0


@dataclass(frozen=True, kw_only=True)
class ProgressRule:
    """When a target grows, and when it steps back (`[exercises.progress]`)."""

    every: int  # sessions in a row that met the target with good form
    good_share: float  # share of the reps (or hold seconds) with good form, 0..1
    add_reps: int = 0
    add_hold_s: float = 0.0
    add_sets: int = 0
    max_reps: int | None = None
    max_hold_s: float | None = None
    max_sets: int | None = None
    back_on_pain: int | None = None  # pain after minus before this much or more (or a stop for pain): back


@dataclass(frozen=True)
class Step:
    spec: ExerciseSpec  # the spec in force: the patient's limits and hold target applied
    reps: int | None  # per set (rep exercises)
    holds: int | None  # per side and set (hold exercises)
    hold_s: float | None  # seconds of good form each hold needs (rep exercises: each rep's hold at the top)
    sets: int
    rest_s: float  # the rest after each set
    progress: ProgressRule | None = None
    limits: dict[str, dict[str, float]] = field(default_factory=dict)
    change: str = ""  # today's change from the file's target, said before the exercise ("up from 8")

    @property
    def sides(self) -> tuple[str | None, ...]:
        cycle = self.spec.cycle
        return cycle.sides if cycle.side_from is not None else (None,)

    def target(self) -> dict[str, Any]:
        limits = {"limits": self.limits} if self.limits else {}
        if self.reps is not None:
            held = {"hold_s": self.hold_s} if self.hold_s is not None else {}
            return {"reps": self.reps, **held, "sets": self.sets, **limits}
        return {"holds_per_side": self.holds, "hold_s": self.hold_s, "sets": self.sets, **limits}

    def target_text(self) -> str:
        if self.reps is not None:
            each = f"{self.reps} rep" + ("s" if self.reps != 1 else "") + \
                (f", each held {self.hold_s:g} s" if self.hold_s is not None else "")
        else:
            per_side = " per side" if self.sides != (None,) else ""
            each = f"{self.holds} x {self.hold_s:g} s{per_side}" if self.holds != 1 else f"{self.hold_s:g} s{per_side}"
        text = f"{self.sets} sets of {each}" if self.sets > 1 else each
        return f"{text} ({self.change})" if self.change else text

    def retarget(self, reps: int | None, hold_s: float | None, sets: int, change: str, hold_words: str) -> Step:
        """This step with other targets: the spec judges holds against the new hold target."""
        spec = self.spec
        if hold_s is not None and hold_s != self.hold_s:
            spec = with_hold_target(spec, hold_s, hold_words.replace("{seconds}", f"{hold_s:g}"))
        return replace(self, spec=spec, reps=reps, hold_s=hold_s, sets=sets, change=change)


@dataclass(frozen=True)
class Routine:
    id: str  # the file's name
    name: str
    warm_up: str
    warm_up_s: float
    steps: tuple[Step, ...]
    messages: dict[str, str]  # what the routine says outside the exercises' cues (`_messages.toml`)
    path: Path
    key: str = ""  # the file's name and a hash of its exercise list: which stored sessions are this routine's
    per_week: int | None = None  # sessions a week the prescription asks for

    def say(self, key: str, **fields: str) -> str:
        text = self.messages[key]
        for name, value in fields.items():
            text = text.replace("{" + name + "}", value)
        return text


def routines_dir() -> Path:
    return specs_dir() / "routines"


def default_messages() -> dict[str, str]:
    return dict(read_toml(bundled_routines_dir() / "_messages.toml")["messages"])


def routine_path(name_or_file: str | Path) -> Path:
    """A routine file, or the name of a bundled routine."""
    path = Path(name_or_file)
    if path.is_file():
        return path
    bundled = routines_dir() / f"{name_or_file}.toml"
    if bundled.is_file() and not bundled.stem.startswith("_"):
        return bundled
    known = ", ".join(sorted(p.stem for p in routines_dir().glob("*.toml") if not p.stem.startswith("_"))) or "none"
    raise FormcheckError(f"routine not found: {name_or_file} (a routine file, or one of: {known})")


def load_routine(name_or_file: str | Path = DEFAULT_ROUTINE) -> Routine:
    path = routine_path(name_or_file)
    top = Reader(read_toml(path), path, "")
    rest = top.seconds("rest_s", DEFAULT_REST_S, zero_ok=True)
    tables = top.get("exercises", list, "a list of [[exercises]] tables")
    if not tables:
        raise top.fail("exercises", "at least one [[exercises]] table", tables)
    messages = default_messages()
    own = Reader(top.get("messages", dict, "a table of messages", {}), path, "messages.")
    for key in own.table:
        if key not in messages:
            raise own.fail(key, "one of the messages " + ", ".join(messages))
        messages[key] = own.text(key)
    steps = []
    for i, table in enumerate(tables):
        if not isinstance(table, dict):
            raise top.fail(f"exercises[{i}]", "a table", table)
        steps.append(_step(Reader(table, path, f"exercises[{i}]."), rest, messages["hold_at_least"]))
    per_week = top.get("per_week", int, "a whole number of sessions a week, 1 to 21", None)
    if per_week is not None and not 1 <= per_week <= 21:
        raise top.fail("per_week", "a whole number of sessions a week, 1 to 21", per_week)
    digest = hashlib.sha256(json.dumps(tables, sort_keys=True, default=str).encode()).hexdigest()[:12]
    routine = Routine(path.stem, top.text("name", path.stem), top.text("warm_up", ""),
                      top.seconds("warm_up_s", 0.0, zero_ok=True), tuple(steps), messages, path,
                      key=f"{path.stem}-{digest}", per_week=per_week)
    top.done()
    return routine


def _step(r: Reader, default_rest: float, hold_words: str) -> Step:
    exercise = r.text("id")
    if exercise.startswith("_") or exercise not in exercise_ids():
        raise r.fail("id", "an exercise id, one of " + ", ".join(exercise_ids()), exercise)
    spec = load_spec(exercise)
    reps = holds = hold_s = None
    if spec.mode is Mode.REPS:
        reps = _count(r, "reps", ...)
        if "hold_s" in r.table and hold_cue(spec) is None:
            raise r.fail("hold_s", f"no such option here ({spec.id} asks for no hold of so many seconds)")
        hold_s = r.number("hold_s", None, positive=True)
    else:
        holds = _count(r, "holds", 1)
        hold_s = r.number("hold_s", spec.cycle.target_s, positive=True)
        if hold_s is None:
            raise r.fail("hold_s", f"a number above 0 (missing, and {spec.id} has no target_s)")
    limits = read_limits(r.sub("limits"), spec) if "limits" in r.table else {}
    rule = _rule(r.sub("progress"), reps, hold_s) if "progress" in r.table else None
    in_force = with_limits(spec, limits)
    if hold_s is not None and hold_s != spec.cycle.target_s:
        in_force = with_hold_target(in_force, hold_s, hold_words.replace("{seconds}", f"{hold_s:g}"))
    step = Step(in_force, reps, holds, hold_s, _count(r, "sets", 1), r.seconds("rest_s", default_rest, zero_ok=True),
                rule, limits)
    r.done()
    return step


def _rule(r: Reader, reps: int | None, hold_s: float | None) -> ProgressRule:
    every = _count(r, "every", ...)
    share = r.number("good_share", 0.8)
    if not 0 < share <= 1:
        raise r.fail("good_share", "a share above 0 and at most 1 (0.8: 80% of the reps with good form)", share)
    growth: dict[str, Any] = {}
    for key, ceiling, now in (("reps", "max_reps", reps), ("hold_s", "max_hold_s", hold_s), ("sets", "max_sets", 1)):
        if f"add_{key}" not in r.table:
            if ceiling in r.table:
                raise r.fail(ceiling, f"no such option here (without add_{key} it would do nothing)")
            continue
        if now is None:
            raise r.fail(f"add_{key}", f"no such option here (this exercise has no {key} target)")
        add = r.number(f"add_{key}", positive=True) if key == "hold_s" else _count(r, f"add_{key}", ...)
        top = r.number(ceiling, None) if key == "hold_s" else r.get(ceiling, int, "a whole number", None)
        if top is not None and top < now:
            raise r.fail(ceiling, f"a number of at least the target ({now:g})", top)
        growth |= {f"add_{key}": add, ceiling: top}
    if not growth:
        raise r.fail("add_reps", "a step to grow by: add_reps, add_hold_s or add_sets (missing)")
    back = r.get("back_on_pain", int, "a whole number of pain points, 1 to 10", None)
    if back is not None and not 1 <= back <= 10:
        raise r.fail("back_on_pain", "a whole number of pain points, 1 to 10", back)
    rule = ProgressRule(every=every, good_share=share, back_on_pain=back, **growth)
    r.done()
    return rule


def _count(r: Reader, key: str, default: Any) -> int:
    value = r.get(key, int, "a whole number above 0", default)
    if value < 1:
        raise r.fail(key, "a whole number above 0", value)
    return value


class Progress:
    """One set's way to its target, from the session's frame states (pure: no I/O)."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.reps = 0
        self.held: dict[str | None, list[float]] = {side: [] for side in step.sides}  # good-form s per hold
        self._current: tuple[str | None, float] | None = None  # the hold in progress: side, good-form s

    def update(self, state: FrameState, session: Session) -> None:
        self.reps = state.rep_count
        if any(e.kind is EventKind.HOLD for e in state.events):
            self.held = {side: [] for side in self.step.sides}
            for hold in session.results().holds:
                self.held.setdefault(hold.side if hold.side in self.held else None, []).append(hold.good_form_s)
        in_hold = state.phase.at_top
        side = state.hold_side if state.hold_side in self.held else None
        self._current = (side, state.good_form_s) if in_hold else None

    def done_holds(self, side: str | None) -> int:
        assert self.step.hold_s is not None
        return sum(s >= self.step.hold_s for s in self.held.get(side, []))

    @property
    def met(self) -> bool:
        if self.step.reps is not None:
            return self.reps >= self.step.reps
        return all(self.done_holds(side) >= (self.step.holds or 1) for side in self.step.sides)

    def done(self) -> dict[str, Any]:
        if self.step.reps is not None:
            return {"reps": self.reps}
        # A hold with no sides is keyed "hold" (JSON keys are strings; None is not a side's name).
        return {"holds_per_side": {side or "hold": self.done_holds(side) for side in self.step.sides},
                "best_hold_s": {side or "hold": round(max(secs, default=0.0), 1) for side, secs in self.held.items()}}

    def text(self) -> str:
        """"rep 4 of 8"; "left 12 / 20 s   right done"; "hold 1 of 2: 3 / 5 s"."""
        step = self.step
        if step.reps is not None:
            return f"rep {min(self.reps, step.reps)} of {step.reps}"
        assert step.hold_s is not None and step.holds is not None
        parts = []
        for side in step.sides:
            name = side or "hold"
            done = self.done_holds(side)
            if done >= step.holds:
                parts.append(f"{name} done")
                continue
            count = f" {done + 1} of {step.holds}:" if step.holds > 1 else ""
            now = self._current[1] if self._current and self._current[0] == side else 0.0
            parts.append(f"{name}{count} {min(now, step.hold_s):.0f} / {step.hold_s:g} s")
        return "   ".join(parts)


@dataclass(frozen=True, kw_only=True)
class RoutineOptions:
    routine: Routine
    model: str = "full"
    voice: bool = True
    window: bool = True
    pain_before: int | None = None
    pain_after: int | None = None
    keys: str = ""  # keys fed in by tests, see `scripted_keys.ScriptedKeys`
    placement: bool = True  # the camera placement step, on a live picture (a camera, a file in real time)
    listen: bool = False  # voice commands from the microphone (the voice extra)
    mic: Path | None = None  # a sound file standing in for the microphone (listens too)


@dataclass
class Stage:
    step_index: int
    set_number: int  # 1-based

    def of(self, routine: Routine) -> Step:
        return routine.steps[self.step_index]
