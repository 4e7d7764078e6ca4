"""The session report: JSON (`formcheck.report/1`) and a CSV of per-frame measures.

Files are written atomically (a temp file renamed over the target), so a reader never sees half
a report, and an interrupted run still leaves a whole file marked `"complete": false`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.session import Session, nan_to_none
from formcheck.sources import VideoInfo
from formcheck.specs import ExerciseSpec

SCHEMA = "formcheck.report/1"


def build_report(session: Session, source: VideoInfo, model: str, complete: bool) -> dict[str, Any]:
    """The report of a finished session; the one place a report is made, for analyze and live."""
    r = session.results()
    return {
        "schema": SCHEMA,
        "complete": complete,
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
    }


def not_counted_message(spec: ExerciseSpec, item: dict[str, Any]) -> str:
    """What to tell the person about a movement left uncounted (a report's `not_counted` entry)."""
    key = "cut" if item["reason"] == "cut" else "not_this_exercise"
    return spec.messages[key].replace("{exercise}", spec.name.lower())


def atomic_write(path: Path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, report: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(report, indent=2) + "\n")


def write_csv(path: Path, session: Session) -> None:
    rows = session.rows
    columns = list(rows[0].keys()) if rows else ["t"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if (v := nan_to_none(row.get(c))) is None else round(v, 4)
                         for c in columns])
    atomic_write(path, buf.getvalue())


def check_writable(path: Path) -> None:
    """Fail before the work starts if an output cannot be written."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise FormcheckError(f"cannot write {path}: it is a folder")
    if not parent.is_dir():
        raise FormcheckError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise FormcheckError(f"cannot write {path}: permission denied")


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
