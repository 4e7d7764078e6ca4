"""The jobs of a batch: files, folders (searched recursively for videos), globs, or a CSV
manifest of path,exercise[,patient]; each with its output name mirroring the input tree."""

from __future__ import annotations

import csv
import glob
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import FormcheckError
from formcheck.spec.specs import exercise_ids
from formcheck.video.files import VIDEO_SUFFIXES

AUTO = "auto"


@dataclass(frozen=True)
class Job:
    source: Path  # the input as the user named it (the report's source.path)
    rel: str  # its output name under --out without suffix, mirroring the input tree
    exercise: str  # an exercise id, or "auto"
    patient: str = ""


def _expand(item: str) -> list[Path]:
    path = Path(item)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if path.exists():
        return [path]
    matches = sorted(glob.glob(item, recursive=True))
    if not matches:
        raise FormcheckError(f"no such file or folder: {item}")
    return [p for m in matches for p in _expand(m)]


def _with_rel(entries: Iterable[tuple[Path, str, str]]) -> list[Job]:
    """Jobs named by their place under the inputs' common folder, each file once."""
    seen: dict[Path, tuple[Path, str, str]] = {}
    for path, exercise, patient in entries:
        seen.setdefault(path.resolve(), (path, exercise, patient))
    if not seen:
        raise FormcheckError("no video files in the inputs")
    base = Path(os.path.commonpath([p.parent for p in seen]))
    stems = [full.relative_to(base).with_suffix("").as_posix() for full in seen]
    # a.mp4 and a.mov side by side keep their suffix in the output name, so neither overwrites the other
    return [Job(path, stem if stems.count(stem) == 1 else full.relative_to(base).as_posix(), exercise, patient)
            for stem, (full, (path, exercise, patient)) in zip(stems, seen.items(), strict=True)]


def _check_exercise(exercise: str, where: str = "") -> str:
    if exercise != AUTO and exercise not in exercise_ids():
        raise FormcheckError(f"{where}unknown exercise '{exercise}'; known: {', '.join(exercise_ids())} or auto")
    return exercise


def jobs_from_inputs(inputs: list[str], exercise: str) -> list[Job]:
    _check_exercise(exercise)
    return _with_rel((path, exercise, "") for item in inputs for path in _expand(item))


def jobs_from_manifest(manifest: Path) -> list[Job]:
    """A CSV of `path,exercise[,patient]`; paths relative to the CSV's folder; a header row is optional."""
    try:
        rows = list(csv.reader(io.StringIO(manifest.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError) as exc:
        raise FormcheckError(f"cannot read manifest {manifest}: {exc}") from None
    entries = []
    for line, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not any(cells) or (line == 1 and cells[0].lower() == "path"):
            continue
        where = f"{manifest} line {line}: "
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise FormcheckError(f"{where}expected path,exercise[,patient], got {','.join(row)}")
        path = manifest.parent / cells[0]
        if not path.is_file():
            raise FormcheckError(f"{where}video not found: {path}")
        entries.append((path, _check_exercise(cells[1], where), cells[2] if len(cells) == 3 else ""))
    return _with_rel(entries)
