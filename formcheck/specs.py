"""Exercise specs: `exercise_specs/*.toml` loaded into frozen dataclasses and checked.

An error names the file, the key and what was expected, so a spec author can fix it at once.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.measures import BUILTIN_MEASURES, MEASURE_KINDS, POINT_NAMES

CUE_WHEN = ("always", "top", "rep", "hold", "setup")
# How a cue reads its measure over the frames `when` names: median, max - min (steadiness),
# change from the setup before the rep, or ratio to the person's own value: at the session start
# (vs_start), or the largest of their clean reps (vs_best: the report re-grades with the whole
# session's best).
CUE_STATS = ("median", "range", "change", "vs_start", "vs_best")
MODES = ("reps", "holds")
SIDE_SOURCES = ("front_leg",)


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    kind: str
    points: tuple[str, ...]
    label: str
    unit: str  # "deg" or "" (a ratio of body lengths)


@dataclass(frozen=True)
class CueSpec:
    name: str
    message: str
    explain: str  # what the cue means, for `formcheck exercises`
    when: str  # always | top | rep | hold | setup
    measure: str | None  # a frame measure, or a rep metric when `when` is "rep"/"hold"
    stat: str
    below: float | None
    above: float | None
    persist_s: float
    joint: str | None  # where the overlay marks it
    unless: str | None  # not judged on a rep that has this other fault (it confounds the measure)

    def fails(self, value: float) -> bool:
        return (self.below is not None and value < self.below) or (
            self.above is not None and value > self.above)


@dataclass(frozen=True)
class RepSpec:
    drive: str  # the measure that rises as the body leaves the rest position
    enter: float  # drive above this: a rep has begun
    exit: float  # drive back below this: the rep has ended (hysteresis: exit < enter)
    top_band: float  # within this fraction of the rep's amplitude from its peak is "the top"
    top_band_min: float  # ... but never narrower than this (drive units): pose jitter
    falling: bool  # the drive falls, not rises, as the body leaves rest
    counter_enter: float | None  # an excursion this far the other way belongs to the rep (cat-cow)
    settle_s: float  # the top is judged once it has been steady this long
    min_rep_s: float
    min_top_s: float  # a shorter stay at the top is not counted (holds: passing through is not a hold)
    side_from: str | None  # "front_leg": the rep or hold belongs to the leg in front
    target_s: float | None  # hold exercises: the seconds to hold per side (shown on screen)


@dataclass(frozen=True)
class Condition:
    """One test of a posture: measure below and/or above a bound."""

    measure: str
    below: float | None
    above: float | None

    def holds(self, values: dict[str, float]) -> bool:
        value = values.get(self.measure, float("nan"))
        if value != value:  # NaN: unseen
            return False
        return (self.below is None or value < self.below) and (self.above is None or value > self.above)


@dataclass(frozen=True)
class ExerciseSpec:
    id: str
    name: str
    summary: str
    start_position: str  # said to the person before counting starts
    mode: str
    key_points: tuple[str, ...]
    measures: dict[str, MeasureSpec]
    cycle: RepSpec  # a rep, or for hold exercises one hold: leave rest, stay at the top, return
    cues: tuple[CueSpec, ...]
    display_measure: str
    display_joint: str
    posture: tuple[Condition, ...]  # all hold in this exercise's position: for --exercise auto
    path: Path

    def cue(self, name: str) -> CueSpec:
        for cue in self.cues:
            if cue.name == name:
                return cue
        raise KeyError(name)


SPECS_ENV = "FORMCHECK_SPECS_DIR"  # another folder of exercise specs


def specs_dir() -> Path:
    env = os.environ.get(SPECS_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "exercise_specs"


def exercise_ids(folder: Path | None = None) -> list[str]:
    """The exercises of a folder: its .toml files, but not `_common` and other `_` files."""
    folder = folder or specs_dir()
    if not folder.is_dir():
        given = f" (set by {SPECS_ENV})" if os.environ.get(SPECS_ENV) else ""
        raise FormcheckError(f"exercise specs folder not found: {folder}{given}")
    ids = sorted(p.stem for p in folder.glob("*.toml") if not p.stem.startswith("_"))
    if not ids:
        raise FormcheckError(f"no exercise specs (*.toml) in {folder}")
    return ids


def load_spec(exercise: str, folder: Path | None = None) -> ExerciseSpec:
    folder = folder or specs_dir()
    known = exercise_ids(folder)
    if exercise not in known:
        raise FormcheckError(f"unknown exercise '{exercise}'; known exercises: {', '.join(known)}")
    path = folder / f"{exercise}.toml"
    common = folder / "_common.toml"
    data = _read(common) if common.is_file() else {}
    own = _read(path)
    data["cues"] = list(data.get("cues", [])) + list(own.pop("cues", []))
    data.update(own)
    return _parse(data, path)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise FormcheckError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


class _Reader:
    """Typed access to one table of a spec, with errors that name file and key."""

    def __init__(self, table: dict[str, Any], path: Path, prefix: str) -> None:
        self.table, self.path, self.prefix = table, path, prefix

    def fail(self, key: str, expected: str, seen: Any = None) -> FormcheckError:
        where = f"{self.prefix}{key}" if key else self.prefix.rstrip(".")
        tail = "" if seen is None else f", got {seen!r}"
        return FormcheckError(f"{self.path}: {where}: expected {expected}{tail}")

    def get(self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, expected + " (missing)")
            return default
        value = self.table[key]
        if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            raise self.fail(key, expected, value)
        return value

    def number(self, key: str, default: Any = ...) -> float:
        value = self.get(key, (int, float), "a number", default)
        if value is not None and not math.isfinite(value):  # TOML allows nan and inf; nan disables a test
            raise self.fail(key, "a finite number", value)
        return None if value is None else float(value)

    def seconds(self, key: str, default: Any = ..., zero_ok: bool = False) -> float:
        value = self.number(key, default)
        if value is not None and (value < 0 or (value == 0 and not zero_ok)):
            raise self.fail(key, "a time in seconds " + ("of 0 or more" if zero_ok else "above 0"), value)
        return value

    def text(self, key: str, default: Any = ...) -> str:
        return self.get(key, str, "a string", default)

    def choice(self, key: str, allowed: tuple[str, ...] | list[str], default: Any = ...) -> str:
        value = self.text(key, default)
        if value is not None and value not in allowed:
            raise self.fail(key, "one of " + ", ".join(allowed), value)
        return value

    def points(self, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(key, list, "a list of landmark names", default)
        if value is None:
            return ()
        for p in value:
            if p not in POINT_NAMES:
                raise self.fail(key, "landmark names from " + ", ".join(POINT_NAMES), p)
        return tuple(value)

    def sub(self, key: str) -> _Reader:
        return _Reader(self.get(key, dict, "a table"), self.path, f"{self.prefix}{key}.")


def _parse(data: dict[str, Any], path: Path) -> ExerciseSpec:
    top = _Reader(data, path, "")
    mode = top.choice("mode", MODES)
    measures: dict[str, MeasureSpec] = {}
    for name, table in top.get("measures", dict, "a table of measures").items():
        r = _Reader(table, path, f"measures.{name}.")
        kind = r.choice("kind", sorted(MEASURE_KINDS))
        points = r.points("points")
        if len(points) != MEASURE_KINDS[kind].n_points:
            raise r.fail("points", f"{MEASURE_KINDS[kind].n_points} landmark names for kind "
                         f"'{kind}'", list(points))
        measures[name] = MeasureSpec(name, kind, points, r.text("label", name), r.text("unit", ""))

    def measure_name(r: _Reader, key: str, default: Any = ...) -> str:
        value = r.text(key, default)
        if value is not None and value not in measures and value not in BUILTIN_MEASURES:
            known = ", ".join([*measures, *BUILTIN_MEASURES])
            raise r.fail(key, "a measure declared under [measures] or built in: " + known, value)
        return value

    r = top.sub("reps" if mode == "reps" else "hold")
    cycle = RepSpec(measure_name(r, "drive"), r.number("enter"), r.number("exit"),
                    r.number("top_band"), r.number("top_band_min", 0.0),
                    r.get("falling", bool, "true or false", False), r.number("counter_enter", None),
                    r.seconds("settle_s", 0.3), r.seconds("min_rep_s", 1.0), r.seconds("min_top_s", 0.0, zero_ok=True),
                    r.choice("side_from", SIDE_SOURCES, None), r.seconds("target_s", None))
    if cycle.exit >= cycle.enter:
        raise r.fail("exit", f"a number below enter ({cycle.enter})", cycle.exit)

    cues = []
    for i, table in enumerate(top.get("cues", list, "a list of [[cues]] tables")):
        r = _Reader(table, path, f"cues[{i}].")
        when = r.choice("when", CUE_WHEN)
        measure = r.text("measure", None) if when in ("rep", "hold") else measure_name(r, "measure", None)
        below, above = r.number("below", None), r.number("above", None)
        if measure is not None and below is None and above is None:
            raise r.fail("below", "a threshold: below or above")
        name = r.text("name")
        if any(c.name == name for c in cues):
            raise r.fail("name", "a cue name used once (the exercise's cues and _common.toml's together)", name)
        cues.append(CueSpec(name, r.text("message"), r.text("explain", ""), when, measure,
                            r.choice("stat", CUE_STATS, "median"), below, above, r.seconds("persist_s", 0.4),
                            r.text("joint", None), r.text("unless", None)))
    posture = []
    for i, table in enumerate(top.get("posture", list, "a list of [[posture]] tables", [])):
        r = _Reader(table, path, f"posture[{i}].")
        cond = Condition(measure_name(r, "measure"), r.number("below", None), r.number("above", None))
        if cond.below is None and cond.above is None:
            raise r.fail("below", "a bound: below or above")
        posture.append(cond)
    names = {c.name for c in cues}
    for i, cue in enumerate(cues):
        if cue.unless is not None and cue.unless not in names:
            raise _Reader({}, path, f"cues[{i}].").fail("unless", "the name of another cue", cue.unless)
    display = top.sub("display")
    if top.text("id") != path.stem:
        raise top.fail("id", f"'{path.stem}', the file's name", top.text("id"))
    return ExerciseSpec(
        id=top.text("id"), name=top.text("name"), summary=top.text("summary", ""),
        start_position=top.text("start_position", ""), mode=mode,
        key_points=top.points("key_points"), measures=measures, cycle=cycle,
        cues=tuple(cues), display_measure=measure_name(display, "measure"),
        display_joint=display.choice("joint", POINT_NAMES), posture=tuple(posture), path=path,
    )
