"""A batch's memory: `--out/batch-manifest.json` records what is done, for which input content,
spec version and model, so a rerun skips it; written atomically after every file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.batch.jobs import Job
from formcheck.pose.landmarker import model_label
from formcheck.reports.outputs import atomic_write
from formcheck.spec.specs import specs_dir

MANIFEST_NAME = "batch-manifest.json"
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
    return [job.rel + ".json"] + [job.rel + s for s, on in ((".annotated.mp4", options.video),
                                                               (".measures.csv", options.csv),
                                                               (".html", options.html)) if on]


class Manifest:
    """`--out/batch-manifest.json`: one entry per output name; rewritten atomically after every file."""

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST_NAME
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = data["files"] if data.get("schema") == MANIFEST_SCHEMA else {}
            except (ValueError, KeyError, TypeError):
                self.entries = {}  # unreadable: everything is redone

    def is_done(self, job: Job, options: Options, key: dict[str, Any], out: Path) -> bool:
        entry = self.entries.get(job.rel)
        return (entry is not None and entry["status"] == "ok"
                and all(entry.get(k) == v for k, v in key.items())
                and entry["spec_version"] == spec_version(entry["exercise"])
                and all((out / name).is_file() for name in _output_names(job, options)))

    def record(self, rel: str, entry: dict[str, Any]) -> None:
        self.entries[rel] = entry
        atomic_write(self.path, json.dumps({"schema": MANIFEST_SCHEMA, "files": self.entries}, indent=1) + "\n")
