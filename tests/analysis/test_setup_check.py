"""The setup check before counting: what it asks the person to change."""

import numpy as np

from formcheck.analysis.setup_check import SetupCheck
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import load_spec
from tests.builders import bridge_pose

SPEC = load_spec("glute_bridge")


def seen(frame: PoseFrame, *, scale: float = 1.0, shift: float = 0.0, visibility: float | None = None) -> PoseFrame:
    vis = frame.visibility if visibility is None else np.full_like(frame.visibility, visibility)
    return PoseFrame(frame.t, frame.xy * scale + (shift, 0.0), frame.z, vis, frame.world)


def said(frames: list[PoseFrame], size: tuple[int, int]) -> tuple[str, bool]:
    check = SetupCheck(SPEC)
    ready = [check.update(f, size) for f in frames]
    return check.message, any(ready)


def lying(seconds: float = 2.0) -> list[PoseFrame]:
    return [bridge_pose(i / 30, 0.0) for i in range(round(seconds * 30))]


def test_lying_side_on_in_the_picture_gets_ready():
    assert said(lying(), (640, 480)) == (SPEC.messages["hold_still"], True)


def test_a_body_cut_off_by_the_edge_is_told_to_move_the_camera_back():
    assert said([seen(f, shift=300.0) for f in lying()], (640, 480)) == (SPEC.messages["step_back"], False)


def test_a_small_far_body_seen_poorly_is_told_to_bring_the_camera_closer():
    # a portrait phone frame far away: every joint inside the picture, none seen well
    frames = [seen(f, scale=0.5, shift=300.0, visibility=0.3) for f in lying()]
    assert said(frames, (720, 1280)) == (SPEC.messages["move_closer"], False)


def test_a_body_that_fills_the_picture_but_is_hidden_is_not_told_to_come_closer():
    frames = [seen(f, scale=1.6, visibility=0.3) for f in lying()]
    assert said(frames, (640, 480)) == (SPEC.messages["step_back"], False)
