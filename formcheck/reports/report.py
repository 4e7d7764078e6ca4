"""The session report: JSON (`formcheck.report/1`) and a CSV of per-frame measures.

Files are written through `outputs` (atomically: a reader never sees half a report, and an
interrupted run still leaves a whole file marked `"complete": false`). No NaN or Infinity is
written: an unknown number is null, so strict JSON parsers read every report.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from formcheck.analysis.commands import Command
from formcheck.analysis.notes import Note
from formcheck.analysis.session import Results, Session, nan_to_none
from formcheck.reports.outputs import write_text
from formcheck.spec.specs import ExerciseSpec
from formcheck.video.files import VideoInfo

SCHEMA = "formcheck.report/1"


@dataclass(frozen=True, kw_only=True)
class LiveBlock:
    """How a live run went: frames processed, latency, and how it ended."""

    stats: dict[str, Any]  # processed_fps, processed_frames, dropped_frames, latency_ms_p50/p95
    ended_by: str
    error: str | None = None
    waiting_for: str | None = None  # what the setup check still asked for when it ended

    def as_dict(self) -> dict[str, Any]:
        extra = {k: v for k, v in (("error", self.error), ("waiting_for", self.waiting_for)) if v is not None}
        return self.stats | {"ended_by": self.ended_by} | extra


@dataclass(frozen=True, kw_only=True)
class VoiceBlock:
    available: bool
    problem: str | None
    spoken: list[Any]

    def as_dict(self) -> dict[str, Any]:
        return {"available": self.available, "problem": self.problem, "spoken": self.spoken}


@dataclass(kw_only=True)
class Report:
    """A `formcheck.report/1` report. Made only by `build_report` (one session) and `combined` (a routine's
    sessions); live and the routine add their blocks (`live`, `voice`, `segments`, `routine`) to it."""

    complete: bool
    incomplete_reason: str | None = None
    exercise: str | None
    source: dict[str, Any]
    model: str
    results: Results | None  # None: no exercise was ever recognised
    notes: list[Note] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)  # stops given by a raised hand, a key, a word
    frames_seen: int | None = None  # live: every frame the camera gave, before counting started too
    pose_coverage: float | None = None  # overrides the session's (live: over every frame seen)
    live: LiveBlock | None = None
    voice: VoiceBlock | None = None
    segments: list[Report] | None = None  # earlier exercises of the same run (auto mode, the routine)
    routine: dict[str, Any] | None = None
    totals: dict[str, Any] | None = None  # a routine's counts over its segments

    def as_dict(self) -> dict[str, Any]:
        r = self.results
        counts: dict[str, Any] = {
            "rep_count": r.rep_count if r else 0, "good_reps": r.good_reps if r else 0,
            "reps": [asdict(x) for x in r.reps] if r else [], "holds": [asdict(x) for x in r.holds] if r else [],
            "warnings": [asdict(w) for w in r.warnings] if r else [],
            "pose_coverage": round(self.pose_coverage if self.pose_coverage is not None else
                                   r.pose_coverage if r else 0.0, 4),
            "side_totals": r.side_totals if r else {}, "frames_analyzed": r.frames if r else 0,
            "not_counted": [asdict(x) for x in r.not_counted] if r else [],
            "nothing_counted": _nothing_counted(r),
        } | (self.totals or {})
        out = {"schema": SCHEMA, "complete": self.complete,
               "incomplete_reason": None if self.complete else self.incomplete_reason,
               "exercise": self.exercise, "source": self.source, "model": self.model, **counts,
               "notes": [n.as_dict() for n in self.notes], "commands": [c.as_dict() for c in self.commands]}
        blocks = {"frames_seen": self.frames_seen, "live": self.live.as_dict() if self.live else None,
                  "segments": [s.as_dict() for s in self.segments] if self.segments is not None else None,
                  "routine": self.routine, "voice": self.voice.as_dict() if self.voice else None}
        return out | {k: v for k, v in blocks.items() if v is not None}


def build_report(session: Session, source: VideoInfo, model: str, complete: bool,
                 incomplete_reason: str | None = None, notes: list[Note] | None = None,
                 commands: list[Command] | None = None) -> Report:
    """The report of a finished session, for analyze, batch, live and each exercise of the routine.
    `notes` are remarks on the input as a whole; `commands` the stops the person gave."""
    return Report(complete=complete, incomplete_reason=incomplete_reason, exercise=session.spec.id,
                  source=source.as_dict(), model=model, results=session.results(), notes=list(notes or []),
                  commands=list(commands or []))


def combined(segments: list[Report], *, source: dict[str, Any], model: str, complete: bool) -> Report:
    """One report over several sessions (a routine's exercises): their counts added up, each kept whole
    in `segments`."""
    dicts = [s.as_dict() for s in segments]
    seen = sum(s.frames_seen or 0 for s in segments)
    with_pose = sum(d["pose_coverage"] * (s.frames_seen or 0) for s, d in zip(segments, dicts, strict=True))
    side_totals: dict[str, float] = {}
    for d in dicts:
        for side, secs in d["side_totals"].items():
            side_totals[side] = round(side_totals.get(side, 0.0) + secs, 3)
    totals = {"rep_count": sum(d["rep_count"] for d in dicts), "good_reps": sum(d["good_reps"] for d in dicts),
              "side_totals": side_totals, "frames_analyzed": sum(d["frames_analyzed"] for d in dicts)}
    return Report(complete=complete, exercise=None, source=source, model=model, results=None, totals=totals,
                  pose_coverage=with_pose / seen if seen else 0.0, segments=segments,
                  commands=[c for s in segments for c in s.commands])


def unjudged_lines(spec: ExerciseSpec, item: dict[str, Any]) -> list[str]:
    """"the knee: the camera looked down ...", once each: two cues on one measure (hips too low,
    too high) left unjudged for one reason are one line."""
    return list(dict.fromkeys(f"the {spec.cue_label(u['cue'])}: {u['reason']}" for u in item.get("unjudged", [])))


def not_counted_message(spec: ExerciseSpec, item: dict[str, Any]) -> str:
    """What to tell the person about a movement left uncounted (a report's `not_counted` entry; a
    stored report from before entries carried their `message` has only the two first reasons)."""
    if item.get("message"):
        return item["message"]
    key = "cut" if item["reason"] == "cut" else "not_this_exercise"
    return spec.messages[key].replace("{exercise}", spec.name.lower())


def _nothing_counted(results: Results | None) -> dict[str, str] | None:
    """Why nothing was counted (null when something was): `reason` and `message`."""
    return asdict(results.nothing_counted) if results and results.nothing_counted else None


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


NUMBER = (int, float)
# What every reader of a stored report relies on: a key, and the types its value may have.
TOP_FIELDS: dict[str, tuple[type, ...]] = {
    "complete": (bool,), "exercise": (str, type(None)), "source": (dict,), "rep_count": (int,),
    "good_reps": (int,), "reps": (list,), "holds": (list,), "warnings": (list,), "pose_coverage": NUMBER,
    "side_totals": (dict,)}
ITEM_FIELDS: dict[str, tuple[type, ...]] = {"index": (int,), "start_s": NUMBER, "end_s": NUMBER, "faults": (list,)}
HOLD_FIELDS: dict[str, tuple[type, ...]] = {"seconds": NUMBER, "good_form_s": NUMBER}


def report_problem(report: Any) -> str | None:
    """What makes `report` unreadable as a `formcheck.report/1` report (a field missing or of the
    wrong type, in it or in a routine's segment), in words; None when it reads."""
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        return f"not a formcheck report ({SCHEMA})"
    for key, types in TOP_FIELDS.items():
        if not isinstance(report.get(key), types) or (types == (int,) and isinstance(report.get(key), bool)):
            return f"its field '{key}' is missing or not {' or '.join(t.__name__ for t in types)}"
    for kind, fields in (("reps", ITEM_FIELDS), ("holds", ITEM_FIELDS | HOLD_FIELDS)):
        for n, item in enumerate(report[kind], 1):
            bad = next((k for k, t in fields.items() if not isinstance(item, dict) or not isinstance(item.get(k), t)),
                       None)
            if bad is not None:
                return f"{kind} entry {n} has no proper '{bad}'"
    for n, segment in enumerate(report.get("segments") or [], 1):
        problem = report_problem(segment)
        if problem:
            return f"segment {n}: {problem}"
    return None


def report_json(report: Report | dict[str, Any]) -> str:
    data = report.as_dict() if isinstance(report, Report) else report
    return json.dumps(_finite(data), indent=2, allow_nan=False) + "\n"


def measures_csv(session: Session) -> str:
    rows = session.rows
    columns = list(rows[0].keys()) if rows else ["t"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if (v := nan_to_none(row.get(c))) is None else round(v, 4)
                         for c in columns])
    return buf.getvalue()


def measure_series(session: Session, max_points: int = 2000) -> dict[str, Any]:
    """The judged measure (the spec's `display.measure`) over time, thinned to at most `max_points`.

    Kept beside the report (not in it) for the HTML plot: the report contract has no per-frame data.
    """
    spec = session.spec
    name = spec.display_measure
    measure = spec.measures.get(name)
    rows = session.rows[::max(1, -(-len(session.rows) // max_points))]
    return {"measure": name, "label": measure.label if measure else name, "unit": measure.unit if measure else "",
            "t": [round(row["t"], 3) for row in rows],
            "values": [None if (v := nan_to_none(row.get(name))) is None else round(v, 2) for row in rows]}


def write_json(path: Path, report: Report | dict[str, Any]) -> None:
    write_text(path, report_json(report))


def write_csv(path: Path, session: Session) -> None:
    write_text(path, measures_csv(session))
