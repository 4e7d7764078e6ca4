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

from formcheck.outputs import check_writable, write_text  # noqa: F401 (check_writable: its old home)
from formcheck.session import Session, nan_to_none
from formcheck.sources import VideoInfo

SCHEMA = "formcheck.report/1"


def build_report(session: Session, source: VideoInfo, model: str, complete: bool,
                 incomplete_reason: str | None = None, notes: list[dict] | None = None) -> dict[str, Any]:
    """`notes` are remarks on the input as a whole ({"note": name, "message": words})."""
    engine = session.engine
    return {
        "schema": SCHEMA,
        "complete": complete,
        "incomplete_reason": None if complete else incomplete_reason,
        "exercise": session.spec.id,
        "source": source.as_dict(),
        "model": model,
        "rep_count": engine.rep_count,
        "good_reps": engine.good_reps,
        "reps": [asdict(r) for r in engine.reps],
        "holds": [asdict(h) for h in engine.holds],
        "warnings": [asdict(w) for w in sorted(engine.warnings, key=lambda w: w.start_s)],
        "pose_coverage": round(session.pose_coverage, 4),
        "side_totals": _side_totals(engine.holds),
        "frames_analyzed": session.frames,
        "notes": notes or [],
    }


def _side_totals(holds: list) -> dict[str, float]:
    """Seconds held per leading leg, for hold exercises (each side's target is separate)."""
    totals: dict[str, float] = {}
    for h in holds:
        if h.side:
            totals[h.side] = round(totals.get(h.side, 0.0) + h.seconds, 3)
    return totals


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


def write_json(path: Path, report: dict[str, Any]) -> None:
    write_text(path, report_json(report))


def write_csv(path: Path, session: Session) -> None:
    write_text(path, measures_csv(session))
