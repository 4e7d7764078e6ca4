"""Exercise specs: `exercise_specs/*.toml` loaded into frozen dataclasses and checked.

An error names the file, the key and what was expected, so a spec author can fix it at once.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.resources import SPECS_ENV, specs_dir
from formcheck.spec.common import common_data
from formcheck.spec.reader import Reader, read_toml
from formcheck.spec.vocabulary import BUILTIN_MEASURES, POINT_NAMES, CueWhen, MeasureKind, Mode, RepMetric, Statistic


@dataclass(frozen=True, kw_only=True)
class MeasureSpec:
    name: str
    kind: MeasureKind
    points: tuple[str, ...]
    label: str
    unit: str  # "deg" or "" (a ratio of body lengths)
    # What a body can show: a reading outside is a pose estimate gone wrong (legs mixed up), not
    # a measure, and is dropped.
    plausible: tuple[float, float] | None = None


@dataclass(frozen=True, kw_only=True)
class CueSpec:
    name: str
    message: str
    explain: str  # what the cue means, for `formcheck exercises`
    when: CueWhen
    measure: str | None  # a frame measure, or a rep metric when `when` is "rep"
    stat: Statistic
    below: float | None
    above: float | None
    persist_s: float
    joint: str | None  # where the overlay marks it
    unless: str | None  # not judged on a rep that has this other fault (it confounds the measure)
    view: bool  # a problem with the camera's view, not a fault of the movement
    unjudged_reason: str  # view cues: why the cues of a rep cannot be judged while this one applies
    holds_setup: bool = True  # view cues: the setup check waits until it is put right (else: said only)
    at_rest: bool = False  # view cues: judged at rest only (the movement itself changes the measure)
    # How far past its limit a value must be for the fault to be said: the pose model's error on
    # this measure. Nearer the limit the cue is left unjudged ("too close to call"), not said.
    margin: float = 0.0

    def fails(self, value: float) -> bool:
        return (self.below is not None and value < self.below) or (
            self.above is not None and value > self.above)

    def fails_clearly(self, value: float) -> bool:
        return (self.below is not None and value < self.below - self.margin) or (
            self.above is not None and value > self.above + self.margin)

    def limit(self, value: float) -> float:
        """The threshold `value` is past (the nearer one when it is past neither)."""
        if self.below is not None and (self.above is None or value < self.below):
            return self.below
        return self.above if self.above is not None else math.nan


@dataclass(frozen=True, kw_only=True)
class RepSpec:
    drive: str  # the measure that rises as the body leaves the rest position
    enter: float  # drive above this: a rep has begun
    exit: float  # drive back below this: the rep has ended (hysteresis: exit < enter)
    top_band: float  # within this fraction of the rep's amplitude from its peak is "the top"
    top_band_min: float  # ... but never narrower than this (drive units): pose jitter
    edge_band: float | None  # holds: each edge where the drive comes this near the plateau beside it
    return_lag_s: float  # ... the end this much earlier: the smoothing is slowest to follow a start from stillness
    steady_frames: int  # levels are crossed on the median of this many frames (pose glitches)
    falling: bool  # the drive falls, not rises, as the body leaves rest
    counter_enter: float | None  # an excursion this far the other way belongs to the rep (cat-cow)
    settle_s: float  # the top is judged once it has been steady this long
    min_rep_s: float
    min_top_s: float  # a shorter stay at the top is not counted (holds: passing through is not a hold)
    side_from: str | None  # a measure: 1 when the rep or hold belongs to sides[0], 0 for sides[1]
    sides: tuple[str, str]
    side_label: str  # how a side is named to the person, "{side}" replaced: "{side} leg"
    target_s: float | None  # the seconds to hold (per side when there are sides)

    def side_name(self, side: str | None) -> str:
        return self.side_label.replace("{side}", side) if side else "?"


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One test of a posture: measure below and/or above a bound."""

    measure: str
    below: float | None
    above: float | None
    at_top: bool = True  # also checked at the top of a rep (False: the movement itself changes it)

    def holds(self, values: dict[str, float]) -> bool:
        value = values.get(self.measure, float("nan"))
        if value != value:  # NaN: unseen
            return False
        return (self.below is None or value < self.below) and (self.above is None or value > self.above)


@dataclass(frozen=True, kw_only=True)
class ExerciseSpec:
    id: str
    name: str
    summary: str
    start_position: str  # said to the person before counting starts
    mode: Mode
    key_points: tuple[str, ...]
    in_view: tuple[str, ...]  # what the setup check wants inside the picture before counting starts
    measures: dict[str, MeasureSpec]
    cycle: RepSpec  # a rep, or for hold exercises one hold: leave rest, stay at the top, return
    cues: tuple[CueSpec, ...]
    display_measure: str
    display_joint: str
    posture: tuple[Condition, ...]  # all hold in this exercise's position: for --exercise auto
    messages: dict[str, str]  # what is said to the person outside the cues (setup, switching sides)
    path: Path

    def in_position(self, values: dict[str, float], at_top: bool = False) -> bool:
        """In this exercise's own position: every [[posture]] condition holds (at the top of a
        rep, those that the movement leaves alone)."""
        return bool(self.posture) and all(c.holds(values) for c in self.posture if c.at_top or not at_top)

    def cue(self, name: str) -> CueSpec:
        for cue in self.cues:
            if cue.name == name:
                return cue
        raise KeyError(name)

    def cue_label(self, name: str) -> str:
        """What a cue measures, in the person's words ("shoulder-hip-knee", "hold at the top")."""
        measure = self.cue(name).measure or ""
        return self.measures[measure].label if measure in self.measures else self.messages[f"metric_{measure}"]


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
    data = common_data(folder)
    for table in ("raised_hand", "voice_commands", "pain_count"):  # not an exercise's
        data.pop(table, None)
    own = read_toml(path)
    data["cues"] = list(data.get("cues", [])) + list(own.pop("cues", []))
    data["messages"] = dict(data.get("messages", {})) | dict(own.pop("messages", {}))
    data.update(own)
    return _parse(data, path)


def _parse(data: dict[str, Any], path: Path) -> ExerciseSpec:
    top = Reader(data, path, "")
    mode = Mode(top.choice("mode", list(Mode)))
    measures: dict[str, MeasureSpec] = {}
    for name, table in top.get("measures", dict, "a table of measures").items():
        r = Reader(table, path, f"measures.{name}.")
        kind = MeasureKind(r.choice("kind", sorted(MeasureKind)))
        points = r.points("points")
        if len(points) != kind.n_points:
            raise r.fail("points", f"{kind.n_points} landmark names for kind "
                         f"'{kind}'", list(points))
        plausible = r.get("plausible", list, "two numbers [lowest, highest]", None)
        if plausible is not None and not (len(plausible) == 2 and all(
                isinstance(x, int | float) and math.isfinite(x) for x in plausible) and plausible[0] < plausible[1]):
            raise r.fail("plausible", "two numbers [lowest, highest]", plausible)
        measures[name] = MeasureSpec(name=name, kind=kind, points=points, label=r.text("label", name),
                                     unit=r.text("unit", ""),
                                     plausible=tuple(float(x) for x in plausible) if plausible else None)
        r.done()

    def measure_name(r: Reader, key: str, default: Any = ...) -> str:
        value = r.text(key, default)
        if value is not None and value not in measures and value not in BUILTIN_MEASURES:
            known = ", ".join([*measures, *BUILTIN_MEASURES])
            raise r.fail(key, "a measure declared under [measures] or built in: " + known, value)
        return value

    cycle = _parse_cycle(top.sub("reps" if mode is Mode.REPS else "hold"), measure_name)
    cues = [_parse_cue(Reader(table, path, f"cues[{i}]."), measure_name, cycle.target_s)
            for i, table in enumerate(top.get("cues", list, "a list of [[cues]] tables"))]
    names = [c.name for c in cues]
    for i, cue in enumerate(cues):
        where = Reader({}, path, f"cues[{i}].")
        if names.index(cue.name) != i:
            raise where.fail("name", "a cue name used once (the exercise's cues and _common.toml's together)",
                             cue.name)
        if cue.unless is not None and cue.unless not in names:
            raise where.fail("unless", "the name of another cue", cue.unless)
    posture = []
    for i, table in enumerate(top.get("posture", list, "a list of [[posture]] tables", [])):
        r = Reader(table, path, f"posture[{i}].")
        cond = Condition(measure=measure_name(r, "measure"), below=r.number("below", None),
                         above=r.number("above", None), at_top=r.get("at_top", bool, "true or false", True))
        if cond.below is None and cond.above is None:
            raise r.fail("below", "a bound: below or above")
        r.done()
        posture.append(cond)
    display = top.sub("display")
    messages = top.get("messages", dict, "a table of messages", {})
    for key, value in messages.items():
        if not isinstance(value, str):
            raise Reader(messages, path, "messages.").fail(key, "a string", value)
    summary = top.text("summary", "")
    if cycle.target_s is not None:
        summary = summary.replace("{target_s}", f"{cycle.target_s:g}")
    if top.text("id") != path.stem:
        raise top.fail("id", f"'{path.stem}', the file's name", top.text("id"))
    spec = ExerciseSpec(
        id=top.text("id"), name=top.text("name"), summary=summary,
        start_position=top.text("start_position", ""), mode=mode,
        key_points=top.points("key_points"), in_view=top.points("in_view", None) or top.points("key_points"),
        measures=measures, cycle=cycle,
        cues=tuple(cues), display_measure=measure_name(display, "measure"),
        display_joint=display.choice("joint", POINT_NAMES), posture=tuple(posture),
        messages=dict(messages), path=path,
    )
    display.done()
    top.done()
    return spec


def _parse_cycle(r: Reader, measure_name) -> RepSpec:
    sides = tuple(r.get("sides", list, "two side names", ["left", "right"]))
    if len(sides) != 2 or not all(isinstance(s, str) for s in sides):
        raise r.fail("sides", "two side names", list(sides))
    steady = int(r.number("steady_frames", 5, positive=True))
    cycle = RepSpec(
        drive=measure_name(r, "drive"), enter=r.number("enter"), exit=r.number("exit"),
        top_band=r.number("top_band", positive=True), top_band_min=r.number("top_band_min", 0.0),
        edge_band=r.number("edge_band", None, positive=True), return_lag_s=r.seconds("return_lag_s", 0.0, zero_ok=True),
        falling=r.get("falling", bool, "true or false", False), steady_frames=steady,
        counter_enter=r.number("counter_enter", None, positive=True), settle_s=r.seconds("settle_s", 0.3),
        min_rep_s=r.seconds("min_rep_s", 1.0), min_top_s=r.seconds("min_top_s", 0.0, zero_ok=True),
        side_from=measure_name(r, "side_from", None), sides=sides,  # type: ignore[arg-type]
        side_label=r.text("side_label", "{side}"), target_s=r.seconds("target_s", None))
    if cycle.exit >= cycle.enter:
        raise r.fail("exit", f"a number below enter ({cycle.enter})", cycle.exit)
    r.done()
    return cycle


def _parse_cue(r: Reader, measure_name, target: float | None) -> CueSpec:
    when = CueWhen(r.choice("when", list(CueWhen)))
    measure = r.choice("measure", list(RepMetric), None) if when is CueWhen.REP else measure_name(r, "measure", None)
    below, above = r.threshold("below", target), r.threshold("above", target)
    if measure is not None and below is None and above is None:
        raise r.fail("below", "a threshold: below or above")
    message, explain = r.text("message"), r.text("explain", "")
    if target is not None:
        message, explain = (x.replace("{target_s}", f"{target:g}") for x in (message, explain))
    # Options that mean something only for some kinds of cue are read only for those.
    stat = Statistic(r.choice("stat", list(Statistic), "median") if when is CueWhen.TOP else "median")
    persist_s = r.seconds("persist_s", 0.4) if when is CueWhen.ALWAYS else 0.0
    unless = r.text("unless", None) if when is not CueWhen.ALWAYS else None
    view = r.get("view", bool, "true or false", False)
    reason = r.text("unjudged_reason") if view else ""
    holds_setup = r.get("holds_setup", bool, "true or false", True) if view else True
    at_rest = r.get("at_rest", bool, "true or false", False) if view else False
    margin = r.number("margin", 0.0) if when is not CueWhen.ALWAYS else 0.0
    if margin < 0:
        raise r.fail("margin", "a number of zero or more", margin)
    cue = CueSpec(name=r.text("name"), message=message, explain=explain, when=when, measure=measure, stat=stat,
                  below=below, above=above, persist_s=persist_s, joint=r.text("joint", None), unless=unless,
                  view=view, unjudged_reason=reason, holds_setup=holds_setup,
                  at_rest=at_rest, margin=margin)
    r.done()
    return cue
