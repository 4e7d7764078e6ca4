"""The turned-camera note on strong evidence only: generated bridge landmarks, upright and turned."""

import numpy as np
import pytest

from formcheck.analysis.notes import ClipNotes, NoteKind
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import load_spec
from tests.builders import bridge_pose

SIZE = (640, 480)


def bridge_frames(turned: bool) -> list[PoseFrame]:
    """A lying bridge at rest and at its top, as filmed; `turned`: by a camera on its side (no tag)."""
    frames = [bridge_pose(i * 0.5, lift) for i, lift in enumerate([0.0, 0.5, 1.0, 0.5] * 3)]
    if not turned:
        return frames
    w, h = SIZE
    return [PoseFrame(f.t, np.stack([h - f.xy[:, 1], f.xy[:, 0]], axis=1), f.z, f.visibility, f.world)
            for f in frames]


def notes_of(frames: list[PoseFrame], exercise: str, size: tuple[int, int]) -> list[NoteKind]:
    notes = ClipNotes("full")
    for frame in frames:
        notes.observe(frame)
    return [n.note for n in notes.notes(load_spec(exercise), size)]


def test_a_bridge_filmed_by_a_camera_on_its_side_gets_the_note():
    assert notes_of(bridge_frames(turned=True), "glute_bridge", (SIZE[1], SIZE[0])) == [NoteKind.BODY_ROTATED]


@pytest.mark.parametrize(("turned", "exercise"), [
    (False, "glute_bridge"),  # upright and fitting
    (False, "deep_lunge_hip_flexor"),  # upright, another exercise: turned, a lying body has the lunge's upright torso
    (True, "deep_lunge_hip_flexor"),  # a posture of directions alone is no evidence of a turned camera
])
def test_no_turned_camera_note_without_strong_evidence(turned, exercise):
    size = (SIZE[1], SIZE[0]) if turned else SIZE
    assert notes_of(bridge_frames(turned), exercise, size) == []
