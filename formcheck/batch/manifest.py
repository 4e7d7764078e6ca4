"""A batch's memory: `--out/batch-manifest.json` records what is done, for which input content,
spec version and model, so a rerun skips it; written atomically after every file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.batch.jobs import MANIFEST_NAME, OUTPUT_SUFFIXES, Job
from formcheck.pose.landmarker import model_label
from formcheck.reports.outputs import atomic_write
from formcheck.spec.specs import exercise_ids, specs_dir

MANIFEST_SCHEMA = "formcheck.batch/1"


@dataclass(frozen=True)
class Options:
    model: str = "full"
    max_fps: float | None = None
    video: bool = False  # also write the annotated video
    csv: bool = False  # also write the per-frame measures
    html: bool = False  # also write a page of the report


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def spec_version(exercise: str) -> str:
    """A hash of the spec's text (its own file and the shared cues): a changed spec redoes its files."""
    digest = hashlib.sha256()
    for path in (specs_dir() / "_common.toml", specs_dir() / f"{exercise}.toml"):
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def _input_key(job: Job, options: Options, sha256: str) -> dict[str, Any]:
    return {"input_sha256": sha256, "exercise_requested": job.exercise, "model": model_label(options.model),
            "max_fps": options.max_fps}


def _output_names(job: Job, options: Options) -> list[str]:
    wanted = (True, options.video, options.csv, options.html)
    return [job.rel + suffix for suffix, on in zip(OUTPUT_SUFFIXES, wanted, strict=True) if on]


def summary_row(report: dict[str, Any]) -> dict[str, Any]:
    """The report in one row, as the manifest keeps it for the summary: counts, seconds per side,
    faults counted by cue (the keys are ROW_KEYS)."""
    faults: dict[str, int] = {}
    for item in report["reps"] + report["holds"]:
        for cue in item["faults"]:
            faults[cue] = faults.get(cue, 0) + 1
    sides = report["side_totals"]
    return {"reps": report["rep_count"], "good_reps": report["good_reps"], "holds": len(report["holds"]),
            "left_s": sides.get("left", ""), "right_s": sides.get("right", ""),
            "pose_coverage": report["pose_coverage"], "frames": report["frames_analyzed"], "faults": faults}


ROW_KEYS = frozenset({"reps", "good_reps", "holds", "left_s", "right_s", "pose_coverage", "frames", "faults"})


def stored_row(entry: dict[str, Any]) -> dict[str, Any] | None:
    """A done file's summary row, or None when the entry is not done or damaged (then it is redone)."""
    row = entry.get("row")
    if entry.get("status") != "ok" or not isinstance(row, dict) or set(row) != ROW_KEYS:
        return None
    return row if isinstance(row["faults"], dict) else None


class Manifest:
    """`--out/batch-manifest.json`: one entry per output name; rewritten atomically after every file."""

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST_NAME
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                files = data["files"] if data.get("schema") == MANIFEST_SCHEMA else {}
                # an entry damaged by hand or by a disk is redone; the others stand
                self.entries = {k: v for k, v in files.items() if isinstance(v, dict)}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.entries = {}  # unreadable: everything is redone

    def is_done(self, job: Job, options: Options, key: dict[str, Any], out: Path) -> bool:
        entry = self.entries.get(job.rel)
        return (entry is not None and stored_row(entry) is not None
                and all(entry.get(k) == v for k, v in key.items())
                and entry.get("exercise") in exercise_ids()
                and entry.get("spec_version") == spec_version(entry["exercise"])
                and all((out / name).is_file() for name in _output_names(job, options)))

    def record(self, rel: str, entry: dict[str, Any]) -> None:
        self.entries[rel] = entry
        atomic_write(self.path, json.dumps({"schema": MANIFEST_SCHEMA, "files": self.entries}, indent=1) + "\n")
