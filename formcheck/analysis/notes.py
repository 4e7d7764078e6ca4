"""Remarks on a clip or a live run as a whole: two people in the picture, a camera on its side.

The same notes for every way in (analyze, batch, live, the routine): the frame pipeline feeds
`ClipNotes` every frame, and the report asks it for its notes at the end.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from formcheck.analysis.measures import MeasureComputer
from formcheck.pose.landmarker import PeopleCounter, PoseFrame
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import MeasureKind

SAMPLE_S = 0.5  # poses kept this often for the checks on the whole clip (a turned camera)
CROWD_CHECK_S = 5.0  # how often to count the people in the picture (bench/two_people.py: the cost)
CROWD_SHARE = 1 / 3  # two people in this share of the checks is worth a note
UPRIGHT_FIT = 0.2  # a camera on its side: the posture fits fewer of the samples than this as they are ...
TURNED_FIT = 0.9  # ... and at least this many turned (every clip of the five turned fits 1.0, another exercise 0.85)
TURN_FREE = {MeasureKind.JOINT_ANGLE, MeasureKind.SIGNED_JOINT_ANGLE, MeasureKind.DISTANCE_RATIO}  # unchanged by a turn


class NoteKind(StrEnum):
    TWO_PEOPLE = "two_people"
    BODY_ROTATED = "body_rotated"
    STREAM_CHANGED = "stream_changed"  # timestamps that restart, another picture size mid-file


@dataclass(frozen=True, kw_only=True)
class Note:
    note: NoteKind
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"note": str(self.note), "message": self.message}


class ClipNotes:
    """Collects what the notes need while frames pass: the people counted now and then and a raw
    pose every half second. The counting (a second model: its loading takes seconds) runs on its
    own thread, so neither the pose model nor the step ever waits for it; `close` waits for the
    counts still to come."""

    def __init__(self, model: str, make_counter: Callable[[], PeopleCounter] | None = None) -> None:
        self.model = model
        self._make_counter = make_counter or (lambda: PeopleCounter(model))
        self.checks: list[tuple[float, int]] = []  # (t, people)
        self.samples: list[PoseFrame] = []
        self._due_t = SAMPLE_S
        self._frames: queue.Queue[tuple[float, np.ndarray] | None] = queue.Queue()
        self._counting: threading.Thread | None = None

    def count_people(self, t: float, rgb: np.ndarray) -> None:
        if t >= self._due_t:
            self._due_t = t + CROWD_CHECK_S
            if self._counting is None:
                self._counting = threading.Thread(target=self._count, daemon=True, name="people")
                self._counting.start()
            self._frames.put((t, rgb.copy()))  # the step may draw on its frame

    def _count(self) -> None:
        counter = None
        try:
            while (item := self._frames.get()) is not None:
                counter = counter or self._make_counter()
                self.checks.append((item[0], counter.count(item[1])))
        except Exception:  # noqa: BLE001 - no count is no crowd note, never a failed analysis
            while self._frames.get() is not None:
                pass
        finally:
            if counter is not None:
                counter.close()

    def observe(self, pose: PoseFrame) -> None:
        if pose.detected and (not self.samples or pose.t - self.samples[-1].t >= SAMPLE_S):
            self.samples.append(pose)

    def close(self) -> None:
        if self._counting is not None:
            self._frames.put(None)
            self._counting.join()
            self._counting = None

    def notes(self, spec: ExerciseSpec | None, size: tuple[int, int]) -> list[Note]:
        found = [self._crowd_note(), _turned_note(spec, self.samples, size) if spec else None]
        return [n for n in found if n is not None]

    def _crowd_note(self) -> Note | None:
        crowded = [t for t, people in self.checks if people > 1]
        if not crowded or len(crowded) < CROWD_SHARE * len(self.checks):
            return None
        return Note(note=NoteKind.TWO_PEOPLE, message=f"Two people are in the picture (first seen at "
                    f"{crowded[0]:.1f} s); the analysis follows one of them. Film one person at a time.")


def _turned(frame: PoseFrame, size: tuple[int, int], clockwise: bool) -> PoseFrame:
    """The pose as it would be in the picture turned 90 degrees."""
    w, h = size
    x, y = frame.xy[:, 0], frame.xy[:, 1]
    xy = np.stack([h - y, x] if clockwise else [y, w - x], axis=1)
    return PoseFrame(frame.t, xy, frame.z, frame.visibility, frame.world)


def _turned_note(spec: ExerciseSpec, samples: list[PoseFrame], size: tuple[int, int]) -> Note | None:
    """A clip filmed with the camera on its side and no rotation tag, on strong evidence only: the
    exercise's posture (its [[posture]] conditions) hardly ever fits the picture as it is and nearly
    always fits it turned. A posture of directions alone (the lunge's upright torso, the leg press)
    is no evidence: another exercise turned (a child's pose, anyone lying down) fits it as well; a
    joint angle in it (knees bent), which no turn changes, must hold too."""
    if len(samples) < 3 or not any(spec.measures[c.measure].kind in TURN_FREE for c in spec.posture):
        return None

    def fits(frames: list[PoseFrame], frame_size: tuple[int, int]) -> float:
        measures = MeasureComputer(spec)
        return sum(spec.in_position(measures(f, frame_size)) for f in frames) / len(frames)

    turned_size = (size[1], size[0])
    turned = max(fits([_turned(f, size, cw) for f in samples], turned_size) for cw in (True, False))
    if fits(samples, size) < UPRIGHT_FIT and turned >= TURNED_FIT:
        return Note(note=NoteKind.BODY_ROTATED, message="The body looks turned by 90 degrees: was the camera on "
                    "its side? Turn the video upright and analyse it again.")
    return None
