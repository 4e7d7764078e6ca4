"""Reps, holds and cues from a stream of measures: a cycle tracker, a grader and frame-wise cues
(`cycle`, `grader`, `cues`), composed by `Engine` (`core`)."""

from formcheck.analysis.engine.core import (
    CueEpisode,
    Engine,
    Event,
    EventKind,
    HoldRecord,
    NotCounted,
    NotCountedReason,
    RepRecord,
)
from formcheck.analysis.engine.cycle import Phase
from formcheck.analysis.engine.grader import Unjudged

__all__ = ["CueEpisode", "Engine", "Event", "EventKind", "HoldRecord", "NotCounted", "NotCountedReason", "Phase",
           "RepRecord", "Unjudged"]
