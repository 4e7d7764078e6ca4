"""Notes on a clip as a whole: two people in the picture, a camera on its side. Each fires on
strong evidence only, and never on a clean stream."""

import numpy as np
import pytest

from formcheck.analysis.notes import CROWD_CHECK_S, SAMPLE_S, ClipNotes, NoteKind
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import load_spec
from tests.builders import bridge_pose, bridge_reps

SIZE = (640, 480)
SPEC = load_spec("glute_bridge")


class Counted:
    """Stands in for the person detector (a second model): the people in the picture at the time
    the frame carries (its frame number in its first pixel), as it is counted on its own thread."""

    def __init__(self, people) -> None:
        self.people = people

    def count(self, rgb: np.ndarray) -> int:
        return self.people((int(rgb[0, 0, 0]) + 256 * int(rgb[0, 0, 1])) / 30)

    def close(self) -> None:
        pass


def counted(people, seconds: float = 30.0) -> ClipNotes:
    """ClipNotes after a clip of `seconds` at 30 fps, the people counted as the pipeline asks."""
    notes = ClipNotes("lite", make_counter=lambda: Counted(people))  # a count the test chooses
    for i in range(round(seconds * 30)):
        rgb = np.zeros((4, 4, 3), np.uint8)
        rgb[0, 0, :2] = i % 256, i // 256
        notes.count_people(i / 30, rgb)
    notes.close()  # the counts still to come
    return notes


def test_people_are_counted_now_and_then_not_every_frame():
    notes = counted(lambda t: 1, seconds=30.0)
    times = [t for t, _ in notes.checks]
    assert times[0] == pytest.approx(SAMPLE_S, abs=1 / 30)
    assert np.allclose(np.diff(times), CROWD_CHECK_S, atol=1 / 30)
    assert len(times) == 6


def test_one_person_throughout_gets_no_note():
    assert counted(lambda t: 1).notes(SPEC, SIZE) == []


def test_a_second_person_for_much_of_the_clip_gets_a_note_saying_when():
    notes = counted(lambda t: 2 if 9.0 < t < 22.0 else 1)  # counted at 0.5, 5.5, ... 25.5: 3 of 6 crowded
    (note,) = notes.notes(SPEC, SIZE)
    assert note.note is NoteKind.TWO_PEOPLE
    assert "first seen at 10.5 s" in note.message
    assert note.as_dict() == {"note": "two_people", "message": note.message}


def test_a_second_person_passing_once_is_not_worth_a_note():
    notes = counted(lambda t: 2 if 15.0 < t < 16.0 else 1)  # one check of six
    assert [t for t, people in notes.checks if people > 1] == [pytest.approx(15.5, abs=1 / 30)]
    assert notes.notes(SPEC, SIZE) == []


def observed(frames: list[PoseFrame]) -> ClipNotes:
    notes = ClipNotes("lite")
    for frame in frames:
        notes.observe(frame)
    return notes


def bridges(turn: bool = False, turned_share: float = 1.0) -> list[PoseFrame]:
    """Bridge reps as the camera saw them; `turn`: the camera on its side (clockwise), untagged,
    for the first `turned_share` of the clip."""
    samples = bridge_reps(["good", "good", "low"])
    frames = []
    for t, lift, top in samples:
        frame = bridge_pose(t, lift, top)
        if turn and t < turned_share * samples[-1][0]:
            x, y = frame.xy[:, 0], frame.xy[:, 1]
            frame = PoseFrame(t, np.stack([SIZE[1] - y, x], axis=1), frame.z, frame.visibility, frame.world)
        frames.append(frame)
    return frames


def test_poses_are_kept_twice_a_second_and_only_when_seen():
    frames = bridges()
    frames[31:45] = [PoseFrame.empty(f.t) for f in frames[31:45]]
    times = [p.t for p in observed(frames).samples]
    assert all(p >= SAMPLE_S - 1e-9 for p in np.diff(times))
    assert all(f.detected for f in observed(frames).samples)
    assert not any(1.0 < t < 1.5 for t in times)


def test_a_clean_side_view_gets_no_note():
    assert observed(bridges()).notes(SPEC, SIZE) == []


def test_a_camera_on_its_side_gets_a_note():
    notes = observed(bridges(turn=True))
    (note,) = notes.notes(SPEC, (SIZE[1], SIZE[0]))  # the picture as filmed: portrait
    assert note.note is NoteKind.BODY_ROTATED
    assert "camera on its side" in note.message
    # turned back, the body must be in the exercise's own position: a bridge is no cat-cow either way
    assert notes.notes(load_spec("cat_cow"), (SIZE[1], SIZE[0])) == []


def test_a_few_odd_frames_are_not_a_turned_camera():
    notes = observed(bridges(turn=True, turned_share=0.15))
    assert notes.notes(SPEC, SIZE) == []


def test_no_note_on_the_turn_from_too_little_to_go_on():
    notes = observed(bridges(turn=True)[:30])  # one second: two samples
    assert len(notes.samples) == 2
    assert notes.notes(SPEC, (SIZE[1], SIZE[0])) == []
    assert notes.notes(None, SIZE) == []  # no exercise recognised: nothing to fit the posture to
