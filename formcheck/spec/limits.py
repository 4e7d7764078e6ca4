"""A patient's own limits: a cue's threshold set for one person (a physiotherapist's prescription).

`read_limits` checks a `[limits]` table against the spec: the cue must exist and judge a measure, and
the value must be one a body can show on that measure (its `plausible` range, else the range its kind
can take). `with_limits` makes a new ExerciseSpec with those thresholds; the spec file is unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from formcheck.spec.reader import Reader
from formcheck.spec.specs import CueSpec, ExerciseSpec
from formcheck.spec.vocabulary import CueWhen, MeasureKind, RepMetric, Statistic

# What each kind of measure can read at all, when its spec gives no `plausible` range (ratios of body
# lengths: a body is not several times its own torso away from a line).
KIND_RANGE: dict[MeasureKind, tuple[float, float]] = {
    MeasureKind.JOINT_ANGLE: (0.0, 180.0), MeasureKind.SIGNED_JOINT_ANGLE: (0.0, 360.0),
    MeasureKind.FROM_VERTICAL: (0.0, 90.0), MeasureKind.FROM_HORIZONTAL: (0.0, 90.0),
    MeasureKind.SIGNED_FROM_VERTICAL: (-180.0, 180.0), MeasureKind.HEAD_PITCH: (-90.0, 90.0),
    MeasureKind.FORWARD_TILT: (-180.0, 180.0), MeasureKind.HEIGHT_ABOVE_LINE: (-3.0, 3.0),
    MeasureKind.RISE: (-3.0, 3.0), MeasureKind.DISTANCE_RATIO: (0.0, 5.0),
}
METRIC_RANGE = {RepMetric.HOLD_S: (0.0, 600.0), RepMetric.AMPLITUDE: (0.0, 360.0), RepMetric.RANGE: (0.0, 360.0)}
VS_BEST_RANGE = (0.0, 2.0)  # a ratio to the person's own best rep


def plausible_range(spec: ExerciseSpec, cue: CueSpec) -> tuple[float, float] | None:
    """The values a limit on `cue` may take; None when the cue judges no measure (a limit means nothing)."""
    if cue.measure is None or cue.view:
        return None
    if cue.when is CueWhen.REP:
        return METRIC_RANGE.get(RepMetric(cue.measure)) if cue.measure in set(RepMetric) else None
    if cue.stat is Statistic.VS_BEST:
        return VS_BEST_RANGE
    measure = spec.measures.get(cue.measure)
    if measure is None:
        return None
    low, high = measure.plausible or KIND_RANGE[measure.kind]
    if cue.stat is Statistic.RANGE:  # a spread over the top
        return 0.0, high - low
    if cue.stat is Statistic.CHANGE:  # the top against the setup before it
        return low - high, high - low
    return low, high


def read_limits(r: Reader, spec: ExerciseSpec) -> dict[str, dict[str, float]]:
    """`cue = number` (the cue's one threshold) or `cue = {below = a, above = b}`: {cue: {"below": a}}."""
    limits: dict[str, dict[str, float]] = {}
    names = [c.name for c in spec.cues]
    for name in r.table:
        if name not in names:
            raise r.fail(name, f"a cue of {spec.id}, one of " + ", ".join(names))
        cue = spec.cue(name)
        bounds = plausible_range(spec, cue)
        if bounds is None:
            raise r.fail(name, f"a cue with a threshold on a measure ({name} has none a limit can set)")
        value = r.table[name]
        given = {side: getattr(cue, side) for side in ("below", "above") if getattr(cue, side) is not None}
        if isinstance(value, dict):
            sub = Reader(value, r.path, f"{r.prefix}{name}.")
            own = {side: sub.number(side) for side in given if side in value}
            sub.done()
        elif len(given) == 1:
            own = {next(iter(given)): r.number(name)}
        else:
            raise r.fail(name, "a table {below = ..., above = ...} (this cue has two thresholds)", value)
        r.read.add(name)
        for number in own.values():
            if not bounds[0] <= number <= bounds[1]:
                raise r.fail(name, f"a value from {bounds[0]:g} to {bounds[1]:g} (what the {spec.cue_label(name)} "
                             "can read)", number)
        limits[name] = own
    _check_order(r, spec, limits)
    r.done()
    return limits


def _check_order(r: Reader, spec: ExerciseSpec, limits: dict[str, dict[str, float]]) -> None:
    """Cues on one measure (hips too low, hips too high) must leave some value that is good."""
    for name in limits:
        cue = spec.cue(name)
        group = [c for c in spec.cues if (c.when, c.measure, c.stat) == (cue.when, cue.measure, cue.stat)]
        lows = [(limits.get(c.name, {}).get("below", c.below), c.name) for c in group if c.below is not None]
        highs = [(limits.get(c.name, {}).get("above", c.above), c.name) for c in group if c.above is not None]
        if lows and highs and max(lows)[0] >= min(highs)[0]:
            (low, low_cue), (high, high_cue) = max(lows), min(highs)
            raise r.fail(name, f"below under above ({low_cue} {low:g} against {high_cue} {high:g}: no "
                         "value would be good)", r.table[name])


def with_limits(spec: ExerciseSpec, limits: dict[str, dict[str, float]],
                messages: dict[str, str] | None = None) -> ExerciseSpec:
    """The spec with these cues' thresholds (and, where given, their messages) replaced."""
    if not limits and not messages:
        return spec
    messages = messages or {}
    cues = tuple(replace(c, **limits.get(c.name, {}), **({"message": messages[c.name]} if c.name in messages else {}))
                 for c in spec.cues)
    return replace(spec, cues=cues)


def hold_cue(spec: ExerciseSpec) -> CueSpec | None:
    """The cue that asks for a hold of so many seconds (a rep's hold at the top, or a hold's own length)."""
    return next((c for c in spec.cues if c.when is CueWhen.REP and c.measure == RepMetric.HOLD_S
                 and c.below is not None), None)


def with_hold_target(spec: ExerciseSpec, seconds: float, message: str) -> ExerciseSpec:
    """The spec asking for holds of `seconds`: its hold cue's threshold and words, and a hold exercise's
    own target (its clock and the voice's "time")."""
    cue = hold_cue(spec)
    new = spec if cue is None else with_limits(spec, {cue.name: {"below": seconds}}, {cue.name: message})
    if spec.cycle.target_s is not None:
        new = replace(new, cycle=replace(new.cycle, target_s=seconds))
    return new


def limits_block(spec: ExerciseSpec, limits: dict[str, dict[str, float]]) -> dict[str, Any]:
    """What a report records: each limit in force and the spec's own value beside it."""
    return {name: {**own, "spec": {side: getattr(spec.cue(name), side) for side in own}}
            for name, own in limits.items()}
