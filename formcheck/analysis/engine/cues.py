"""Cues judged on every frame (view, visibility, posture): debounced, kept as episodes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import CueWhen


@dataclass(frozen=True, kw_only=True)
class Episode:
    cue: str
    start_s: float
    end_s: float


class Debounce:
    """A condition that must persist `persist_s` to switch on, and stop to switch off."""

    def __init__(self, persist_s: float) -> None:
        self.persist_s = persist_s
        self.since: float | None = None
        self.on_since: float | None = None

    def update(self, t: float, failing: bool) -> str | None:
        if not failing:
            self.since = None
            if self.on_since is not None:
                self.on_since = None
                return "off"
            return None
        if self.since is None:
            self.since = t
        if self.on_since is None and t - self.since >= self.persist_s:
            self.on_since = self.since
            return "on"
        return None


class FrameCues:
    def __init__(self, spec: ExerciseSpec) -> None:
        self.cues = [c for c in spec.cues if c.when is CueWhen.ALWAYS]
        self._debounce = {c.name: Debounce(c.persist_s) for c in self.cues}
        self.open: dict[str, float] = {}  # cue -> when its episode began

    def update(self, t: float, values: dict[str, float], at_rest: bool) -> tuple[list[str], list[Episode]]:
        """(cues that switched on, episodes that ended) on this frame; `at_rest`: between reps."""
        started, ended = [], []
        for cue in self.cues:
            value = values.get(cue.measure or "", math.nan)
            if not math.isfinite(value) or (cue.at_rest and not at_rest):
                continue  # unseen, or a rest cue during a rep: hold the cue's state
            debounce = self._debounce[cue.name]
            change = debounce.update(t, cue.fails(value))
            if change == "on":
                self.open[cue.name] = t if debounce.on_since is None else debounce.on_since
                started.append(cue.name)
            elif change == "off" and cue.name in self.open:
                ended.append(Episode(cue=cue.name, start_s=self.open.pop(cue.name), end_s=t))
        return started, ended

    def close_all(self, t: float) -> list[Episode]:
        ended = [Episode(cue=name, start_s=start, end_s=t) for name, start in self.open.items()]
        self.open.clear()
        return ended
