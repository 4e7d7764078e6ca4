"""Routines: a practice program as data (`exercise_specs/routines/*.toml`), and progress toward its targets.

A routine lists exercises in order, each with its target (reps per set, or holds per side of so many
seconds), its sets and the rest after each set. Errors name the file and the key, like the specs'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.analysis.session import FrameState, Session
from formcheck.errors import FormcheckError
from formcheck.resources import bundled_routines_dir
from formcheck.spec.reader import Reader, read_toml
from formcheck.spec.specs import ExerciseSpec, exercise_ids, load_spec, specs_dir
from formcheck.spec.vocabulary import Mode

DEFAULT_ROUTINE = "back_pain"
DEFAULT_REST_S = 30.0


@dataclass(frozen=True)
class Step:
    spec: ExerciseSpec
    reps: int | None  # per set (rep exercises)
    holds: int | None  # per side and set (hold exercises)
    hold_s: float | None  # seconds of good form each hold needs
    sets: int
    rest_s: float  # the rest after each set

    @property
    def sides(self) -> tuple[str | None, ...]:
        cycle = self.spec.cycle
        return cycle.sides if cycle.side_from is not None else (None,)

    def target(self) -> dict[str, Any]:
        if self.reps is not None:
            return {"reps": self.reps, "sets": self.sets}
        return {"holds_per_side": self.holds, "hold_s": self.hold_s, "sets": self.sets}

    def target_text(self) -> str:
        if self.reps is not None:
            each = f"{self.reps} reps"
        else:
            per_side = " per side" if self.sides != (None,) else ""
            each = f"{self.holds} x {self.hold_s:g} s{per_side}" if self.holds != 1 else f"{self.hold_s:g} s{per_side}"
        return f"{self.sets} sets of {each}" if self.sets > 1 else each


@dataclass(frozen=True)
class Routine:
    id: str  # the file's name
    name: str
    warm_up: str
    warm_up_s: float
    steps: tuple[Step, ...]
    messages: dict[str, str]  # what the routine says outside the exercises' cues (`_messages.toml`)
    path: Path

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
    steps = []
    for i, table in enumerate(tables):
        if not isinstance(table, dict):
            raise top.fail(f"exercises[{i}]", "a table", table)
        steps.append(_step(Reader(table, path, f"exercises[{i}]."), rest))
    messages = default_messages()
    own = Reader(top.get("messages", dict, "a table of messages", {}), path, "messages.")
    for key in own.table:
        if key not in messages:
            raise own.fail(key, "one of the messages " + ", ".join(messages))
        messages[key] = own.text(key)
    routine = Routine(path.stem, top.text("name", path.stem), top.text("warm_up", ""),
                      top.seconds("warm_up_s", 0.0, zero_ok=True), tuple(steps), messages, path)
    top.done()
    return routine


def _step(r: Reader, default_rest: float) -> Step:
    exercise = r.text("id")
    if exercise.startswith("_") or exercise not in exercise_ids():
        raise r.fail("id", "an exercise id, one of " + ", ".join(exercise_ids()), exercise)
    spec = load_spec(exercise)
    reps = holds = hold_s = None
    if spec.mode is Mode.REPS:
        reps = _count(r, "reps", ...)
    else:
        holds = _count(r, "holds", 1)
        hold_s = r.number("hold_s", spec.cycle.target_s, positive=True)
        if hold_s is None:
            raise r.fail("hold_s", f"a number above 0 (missing, and {spec.id} has no target_s)")
    step = Step(spec, reps, holds, hold_s, _count(r, "sets", 1), r.seconds("rest_s", default_rest, zero_ok=True))
    r.done()
    return step


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
        if any(e.kind == "hold" for e in state.events):
            self.held = {side: [] for side in self.step.sides}
            for hold in session.results().holds:
                self.held.setdefault(hold.side if hold.side in self.held else None, []).append(hold.good_form_s)
        in_hold = state.phase in ("top", "down")
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
        return {"holds_per_side": {str(side): self.done_holds(side) for side in self.step.sides},
                "best_hold_s": {str(side): round(max(secs, default=0.0), 1) for side, secs in self.held.items()}}

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
