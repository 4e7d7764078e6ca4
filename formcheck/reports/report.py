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
from dataclasses import asdict
from pathlib import Path
from typing import Any

from formcheck.analysis.session import Session, nan_to_none
from formcheck.reports.outputs import check_writable, write_text  # noqa: F401 (check_writable: its old home)
from formcheck.spec.specs import ExerciseSpec
from formcheck.video.files import VideoInfo

SCHEMA = "formcheck.report/1"


def build_report(session: Session, source: VideoInfo, model: str, complete: bool,
                 incomplete_reason: str | None = None, notes: list[dict] | None = None) -> dict[str, Any]:
    """The report of a finished session; the one place a report is made, for analyze and live.
    `notes` are remarks on the input as a whole ({"note": name, "message": words})."""
    r = session.results()
    return {
        "schema": SCHEMA,
        "complete": complete,
        "incomplete_reason": None if complete else incomplete_reason,
        "exercise": session.spec.id,
        "source": source.as_dict(),
        "model": model,
        "rep_count": r.rep_count,
        "good_reps": r.good_reps,
        "reps": [asdict(x) for x in r.reps],
        "holds": [asdict(x) for x in r.holds],
        "warnings": [asdict(w) for w in r.warnings],
        "pose_coverage": round(r.pose_coverage, 4),
        "side_totals": r.side_totals,
        "frames_analyzed": r.frames,
        "not_counted": [asdict(x) for x in r.not_counted],
        "notes": notes or [],
    }


def not_counted_message(spec: ExerciseSpec, item: dict[str, Any]) -> str:
    """What to tell the person about a movement left uncounted (a report's `not_counted` entry)."""
    key = "cut" if item["reason"] == "cut" else "not_this_exercise"
    return spec.messages[key].replace("{exercise}", spec.name.lower())


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(_finite(report), indent=2, allow_nan=False) + "\n"


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


def write_json(path: Path, report: dict[str, Any]) -> None:
    write_text(path, report_json(report))


def write_csv(path: Path, session: Session) -> None:
    write_text(path, measures_csv(session))
