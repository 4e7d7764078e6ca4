"""The verdict of a rep or hold: which cues fail over its top, and the metrics behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from formcheck.engine.cycle import Cycle
from formcheck.specs import CueSpec, ExerciseSpec
from formcheck.statistics import STATISTICS, TopSample


@dataclass
class Verdict:
    faults: list[str]
    metrics: dict[str, float]
    provisional: set[str] = field(default_factory=set)  # cues whose verdict may still change


def metric_key(cue: CueSpec) -> str:
    return f"{cue.measure}_{cue.when}"


class Grader:
    def __init__(self, spec: ExerciseSpec) -> None:
        # cues with `unless` go last, so the fault they defer to is already known
        self.cues = sorted((c for c in spec.cues if c.when in ("top", "rep")), key=lambda c: c.unless is not None)
        self.best: dict[str, float] = {}  # per cue: the largest value of a clean rep so far
        self.start: dict[str, float] = {}  # the person's own values over the first second seen

    def grade(self, cycle: Cycle, live: bool = False) -> Verdict:
        """`live`: only what can be judged while the top is still going on."""
        metrics = {"hold_s": round(cycle.top_s, 3), "amplitude": round(cycle.amplitude, 4),
                   "range": round(cycle.span, 4)}
        verdict = Verdict([], {} if live else dict(metrics))
        for cue in self.cues:
            if (live and cue.when == "rep") or cue.unless in verdict.faults:
                continue
            if cue.when == "rep":
                value = metrics.get(cue.measure or "", math.nan)
            else:
                value = self._top_value(cue, cycle, verdict.metrics, live)
                if STATISTICS[cue.stat].relative_to_best:
                    verdict.provisional.add(cue.name)
            if math.isfinite(value) and cue.fails(value):
                verdict.faults.append(cue.name)
        return verdict

    def _top_value(self, cue: CueSpec, cycle: Cycle, metrics: dict[str, float], live: bool) -> float:
        name = cue.measure or ""
        sample = TopSample(cycle.times, cycle.series(name), cycle.window, cycle.setup.get(name, math.nan),
                           self._best(cue))
        value = STATISTICS[cue.stat].compute(sample)
        if not live:
            metrics[f"{metric_key(cue)}_{cue.stat}"] = round(value, 3)
            if STATISTICS[cue.stat].relative_to_best:
                metrics[metric_key(cue)] = round(STATISTICS["median"].compute(sample), 4)
        return value

    def _best(self, cue: CueSpec) -> float:
        known = [x for x in (self.best.get(cue.name, -math.inf), self.start.get(cue.measure or "", math.nan))
                 if math.isfinite(x)]
        return max(known) if known else math.nan

    def learn(self, verdict: Verdict) -> None:
        """A clean value raises the person's best."""
        for cue in self.cues:
            raw = verdict.metrics.get(metric_key(cue), math.nan)
            if STATISTICS[cue.stat].relative_to_best and math.isfinite(raw) and cue.name not in verdict.faults:
                self.best[cue.name] = max(self.best.get(cue.name, -math.inf), raw)

    def settle(self, faults: list[str], metrics: dict[str, float]) -> tuple[list[str], list[str]]:
        """At the end, provisional cues once more against the whole session's best: a rep early
        in the session is compared with the person's neutral even when that came later.
        Returns (added, removed) cue names; `faults` and `metrics` are updated in place."""
        added, removed = [], []
        for cue in self.cues:
            best = self.best.get(cue.name)
            raw = metrics.get(metric_key(cue), math.nan)
            if not STATISTICS[cue.stat].relative_to_best or not best or not math.isfinite(raw):
                continue
            if cue.unless and cue.unless in faults:
                continue
            ratio = raw / best
            metrics[f"{metric_key(cue)}_{cue.stat}"] = round(ratio, 3)
            failing = cue.fails(ratio)
            if failing and cue.name not in faults:
                faults.append(cue.name)
                added.append(cue.name)
            elif not failing and cue.name in faults:
                faults.remove(cue.name)
                removed.append(cue.name)
        return added, removed
