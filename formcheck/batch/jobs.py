"""The jobs of a batch: files, folders (searched recursively for videos), globs, or a CSV
manifest of path,exercise[,patient]; each with its output name mirroring the input tree.

What cannot be read in a folder (a folder without permission, a link to nothing, a FIFO named
like a video) is a job too, one that fails with its reason, so it is listed and the rest goes on."""

from __future__ import annotations

import csv
import glob
import io
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import FormcheckError, describe
from formcheck.spec.specs import exercise_ids
from formcheck.video.files import VIDEO_SUFFIXES

AUTO = "auto"
# What a batch writes in --out besides the reports; no input's output may take these names.
MANIFEST_NAME = "batch-manifest.json"
SUMMARY_NAME = "summary.csv"
INDEX_NAME = "index.html"
LOCK_NAME = ".formcheck-batch.lock"
OWN_NAMES = frozenset(n.lower() for n in (MANIFEST_NAME, SUMMARY_NAME, INDEX_NAME, LOCK_NAME))
OUTPUT_SUFFIXES = (".json", ".annotated.mp4", ".measures.csv", ".html")  # report, --video, --csv, --html


@dataclass(frozen=True, kw_only=True)
class Job:
    source: Path  # the input as the user named it (the report's source.path)
    rel: str  # its output name under --out without suffix, mirroring the input tree
    exercise: str  # an exercise id, or "auto"
    patient: str = ""
    problem: str = ""  # why it cannot be read at all: it fails with this, no worker needed


@dataclass(frozen=True, kw_only=True)
class Found:
    path: Path
    problem: str = ""


def _expand(item: str) -> list[Found]:
    path = Path(item)
    if path.is_dir():
        return _videos_in(path)
    if path.exists() or path.is_symlink():
        return [_look_at(path)]
    matches = sorted(glob.glob(item, recursive=True))
    if not matches:
        raise FormcheckError(f"no such file or folder: {item}")
    return [found for m in matches for found in _expand(m)]


def _look_at(path: Path) -> Found:
    """A file named as input: only a regular file is read (a FIFO would block the batch for ever)."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            return Found(path=path, problem="not a regular file (a FIFO or device?)")
        if st.st_size == 0:
            return Found(path=path, problem="the file is empty")
    except OSError as exc:
        if path.is_symlink():
            return Found(path=path, problem="a link to nothing (its target is missing)")
        return Found(path=path, problem=f"cannot read it: {describe(exc)}")
    return Found(path=path)


def _videos_in(folder: Path) -> list[Found]:
    """Every video under the folder, links followed once (a link back up the tree is no loop),
    without recursion (a tree nested thousands deep is still searched)."""
    found, seen, stack = [], set(), [folder]
    while stack:
        current = stack.pop()
        try:
            st = current.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(current))
        except OSError as exc:
            found.append(Found(path=current, problem=f"cannot read the folder: {describe(exc)}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(path)
            elif path.suffix.lower() in VIDEO_SUFFIXES:
                found.append(_look_at(path))
    return sorted(found, key=lambda f: f.path)


def _with_rel(entries: Iterable[tuple[Found, str, str]]) -> list[Job]:
    """Jobs named by their place under the inputs' common folder, each file once."""
    seen: dict[Path, tuple[Found, str, str]] = {}
    for found, exercise, patient in entries:
        seen.setdefault(Path(os.path.abspath(found.path)) if found.problem else found.path.resolve(),
                        (found, exercise, patient))
    if not seen:
        raise FormcheckError("no video files in the inputs")
    base = Path(os.path.commonpath([p.parent for p in seen]))
    stems = [full.relative_to(base).with_suffix("").as_posix() for full in seen]
    jobs = []
    for stem, (full, (found, exercise, patient)) in zip(stems, seen.items(), strict=True):
        # a.mp4 and a.mov side by side keep their suffix in the output name, so neither overwrites
        # the other; so does index.mp4, whose page would otherwise be the batch's own index.html
        own = any((stem + suffix).lower() in OWN_NAMES for suffix in OUTPUT_SUFFIXES)
        rel = stem if stems.count(stem) == 1 and not own else full.relative_to(base).as_posix()
        jobs.append(Job(source=found.path, rel=rel, exercise=exercise, patient=patient, problem=found.problem))
    return jobs


def _check_exercise(exercise: str, where: str = "") -> str:
    if exercise != AUTO and exercise not in exercise_ids():
        raise FormcheckError(f"{where}unknown exercise '{exercise}'; known: {', '.join(exercise_ids())} or auto")
    return exercise


def jobs_from_inputs(inputs: list[str], exercise: str) -> list[Job]:
    _check_exercise(exercise)
    return _with_rel((found, exercise, "") for item in inputs for found in _expand(item))


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
        if not path.exists() and not path.is_symlink():
            raise FormcheckError(f"{where}video not found: {path}")
        entries.append((_look_at(path), _check_exercise(cells[1], where), cells[2] if len(cells) == 3 else ""))
    return _with_rel(entries)
