"""The verdict of a rep or hold: which cues fail over its top, and the metrics behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from formcheck.analysis.engine.cycle import Cycle
from formcheck.analysis.statistics import STATISTICS, TopSample
from formcheck.spec.specs import CueSpec, ExerciseSpec
from formcheck.spec.vocabulary import CueWhen, Statistic


@dataclass(frozen=True, kw_only=True)
class Unjudged:
    """A cue a rep or hold could not be judged on, and why (the report's `unjudged` entries)."""

    cue: str
    reason: str


@dataclass(kw_only=True)
class Verdict:
    faults: list[str]
    metrics: dict[str, float]
    provisional: set[str] = field(default_factory=set)  # cues whose verdict may still change
    unjudged: dict[str, str] = field(default_factory=dict)  # cue -> why it could not be judged


def metric_key(cue: CueSpec) -> str:
    return f"{cue.measure}_{cue.when}"


class Grader:
    def __init__(self, spec: ExerciseSpec) -> None:
        # cues with `unless` go last, so the fault they defer to is already known
        judged = (c for c in spec.cues if c.when in (CueWhen.TOP, CueWhen.REP))
        self.cues = sorted(judged, key=lambda c: c.unless is not None)
        self.best: dict[str, float] = {}  # per cue: the largest value of a clean rep so far
        # A view problem over most of the top: the cues judged there cannot be, and say why.
        self.view_cues = [c for c in spec.cues if c.view and c.when is CueWhen.ALWAYS]
        self.units = {name: m.unit for name, m in spec.measures.items()} | {"hold_s": "s"}
        self.messages = spec.messages

    def grade(self, cycle: Cycle, live: bool = False) -> Verdict:
        """`live`: only what can be judged while the top is still going on."""
        metrics = {"hold_s": round(cycle.top_s, 3), "amplitude": round(cycle.amplitude, 4),
                   "range": round(cycle.span, 4)}
        verdict = Verdict(faults=[], metrics={} if live else dict(metrics))
        blocked = self._view_problem(cycle)
        for cue in self.cues:
            if (live and cue.when is CueWhen.REP) or cue.unless in verdict.faults:
                continue
            if blocked and cue.when is CueWhen.TOP:
                verdict.unjudged[cue.name] = blocked
                continue
            if cue.when is CueWhen.REP and cue.measure == "range" and cycle.half_seen:
                verdict.unjudged[cue.name] = "only half of the movement was seen"
                continue
            if cue.when is CueWhen.REP:
                value = metrics.get(cue.measure or "", math.nan)
            else:
                value = self._top_value(cue, cycle, verdict.metrics, live)
                if cue.stat.relative_to_best:
                    verdict.provisional.add(cue.name)
            if not math.isfinite(value):
                if cue.when is CueWhen.TOP:
                    verdict.unjudged[cue.name] = self.messages["not_measured"]
            elif cue.fails_clearly(value):
                verdict.faults.append(cue.name)
            elif cue.fails(value):
                verdict.unjudged[cue.name] = self.too_close(cue, value)
        return verdict

    def too_close(self, cue: CueSpec, value: float) -> str:
        unit = "" if cue.stat.relative_to_best else self.units.get(cue.measure or "", "")
        value_text, limit_text = (f"{x:.3g}{' ' + unit if unit else ''}" for x in (value, cue.limit(value)))
        return self.messages["too_close"].replace("{value}", value_text).replace("{limit}", limit_text)

    def _top_value(self, cue: CueSpec, cycle: Cycle, metrics: dict[str, float], live: bool) -> float:
        name = cue.measure or ""
        sample = TopSample(cycle.times, cycle.series(name), cycle.window, cycle.setup.get(name, math.nan),
                           self._best(cue))
        value = STATISTICS[cue.stat](sample)
        if not live:
            metrics[f"{metric_key(cue)}_{cue.stat}"] = round(value, 3)
            if cue.stat.relative_to_best:
                metrics[metric_key(cue)] = round(STATISTICS[Statistic.MEDIAN](sample), 4)
        return value

    def _best(self, cue: CueSpec) -> float:
        """The person's own reference: their best clean rep so far (never the first moments of
        the session: a body at rest, head down, is not comparable with the top of a rep)."""
        return self.best.get(cue.name, math.nan)

    def _view_problem(self, cycle: Cycle) -> str | None:
        inside = (cycle.times >= cycle.window[0]) & (cycle.times <= cycle.window[1])
        top = [v for v, keep in zip(cycle.frames, inside, strict=True) if keep]
        for cue in self.view_cues:
            frames = cycle.setup_frames if cue.at_rest else top
            failing = [cue.fails(v.get(cue.measure or "", math.nan)) for v in frames]
            if frames and sum(failing) > len(frames) / 2:
                return cue.unjudged_reason
        return None

    def learn(self, verdict: Verdict) -> None:
        """A clean rep raises the person's best: one with no fault at all, since a fault of
        placement (knees behind the hips) changes the posture and the measures with it."""
        if verdict.faults:
            return
        for cue in self.cues:
            raw = verdict.metrics.get(metric_key(cue), math.nan)
            if cue.stat.relative_to_best and math.isfinite(raw):
                self.best[cue.name] = max(self.best.get(cue.name, -math.inf), raw)

    def settle(self, faults: list[str], metrics: dict[str, float], unjudged: dict[str, str],
               compared: dict[str, int]) -> tuple[list[str], list[str]]:
        """At the end, provisional cues once more against the whole session's best: a rep early
        in the session is compared with the person's neutral even when that came later.
        `compared`: per cue, how many reps had a value; with one, there is nothing to compare.
        Returns (added, removed) cue names; `faults`, `metrics`, `unjudged` are updated in place."""
        added, removed = [], []
        for cue in self.cues:
            best = self.best.get(cue.name)
            raw = metrics.get(metric_key(cue), math.nan)
            if not cue.stat.relative_to_best or not math.isfinite(raw):
                continue
            if compared.get(cue.name, 0) < 2:
                unjudged[cue.name] = "there is no other rep to compare with"
                continue
            if not best:
                continue
            if cue.unless and cue.unless in faults:
                continue
            ratio = raw / best
            metrics[f"{metric_key(cue)}_{cue.stat}"] = round(ratio, 3)
            failing = cue.fails_clearly(ratio)
            if cue.fails(ratio) and not failing:
                unjudged[cue.name] = self.too_close(cue, ratio)
            else:
                unjudged.pop(cue.name, None)
            if failing and cue.name not in faults:
                faults.append(cue.name)
                added.append(cue.name)
            elif not failing and cue.name in faults:
                faults.remove(cue.name)
                removed.append(cue.name)
        return added, removed
