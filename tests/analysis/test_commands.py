"""The raised-hand stop on landmark sequences: each start position with a hand up, and the five
exercises' own arm positions, which must never be heard as one."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.commands import CommandBy, CommandName, RaisedHandRule, RaisedHandWatch, raised_hands
from formcheck.pose.landmarker import N_LANDMARKS, Landmark, PoseFrame

L = Landmark
RULE = RaisedHandRule.shared()
TORSO = 100.0  # pixels from the shoulders to the hips

# Side-on bodies, head to the left (x grows to the right, y down; the floor at y = 400).
# Each: shoulder, hip, knee, nose (both sides at the same place, as a side view shows them).
SUPINE = {"shoulder": (200, 390), "hip": (300, 390), "knee": (360, 330), "nose": (160, 385)}
PRONE = {"shoulder": (200, 390), "hip": (300, 390), "knee": (380, 392), "nose": (160, 385)}
ALL_FOURS = {"shoulder": (200, 300), "hip": (300, 300), "knee": (300, 400), "nose": (165, 300)}
KNEELING = {"shoulder": (300, 200), "hip": (300, 300), "knee": (300, 400), "nose": (305, 170)}


def frame(t: float, body: dict, left_wrist: tuple, right_wrist: tuple | None = None) -> PoseFrame:
    """A pose with the body's joints and the wrists given; the right wrist defaults to the body's own
    resting hand (beside the hip, on the floor under the shoulder, on the hip)."""
    xy = np.zeros((N_LANDMARKS, 2))
    xy[:] = body["hip"]
    for side in ("LEFT", "RIGHT"):
        xy[L[f"{side}_SHOULDER"]] = body["shoulder"]
        xy[L[f"{side}_HIP"]] = body["hip"]
        xy[L[f"{side}_KNEE"]] = body["knee"]
        xy[L[f"{side}_ELBOW"]] = body["shoulder"]
    xy[L.NOSE] = body["nose"]
    xy[L.LEFT_WRIST] = left_wrist
    xy[L.RIGHT_WRIST] = right_wrist if right_wrist is not None else resting(body)
    return PoseFrame.from_arrays(t, xy)


def resting(body: dict) -> tuple[float, float]:
    if body is KNEELING:
        return body["hip"]
    if body is ALL_FOURS:
        return body["shoulder"][0], 400
    return (body["shoulder"][0] + body["hip"][0]) / 2 + 40, 395  # by the side, toward the hips


def sequence(body: dict, wrist_at, seconds: float, fps: float = 30.0) -> list[PoseFrame]:
    """`wrist_at(t)`: the left wrist's place at time t."""
    return [frame(i / fps, body, wrist_at(i / fps)) for i in range(int(seconds * fps))]


def stops(frames: list[PoseFrame]) -> list[float]:
    watch = RaisedHandWatch(RULE)
    return [c.t_s for f in frames if (c := watch(f)) is not None]


def arm(body: dict, degrees: float, length: float = 1.1) -> tuple[float, float]:
    """The wrist at the end of a straight arm from the shoulder, `degrees` above the horizontal,
    pointing toward the head (0) or straight up (90)."""
    x, y = body["shoulder"]
    toward_head = -1 if body is not KNEELING else 1
    rad = np.radians(degrees)
    return x + toward_head * np.cos(rad) * length * TORSO, y - np.sin(rad) * length * TORSO


RAISED = {
    "lying on the back, the arm to the ceiling": (SUPINE, arm(SUPINE, 85)),
    "on all fours, the arm forward and 40 degrees up": (ALL_FOURS, arm(ALL_FOURS, 40)),
    "kneeling, the arm above the head": (KNEELING, arm(KNEELING, 88)),
    "lying face down, the arm along the floor past the head": (PRONE, arm(PRONE, 8)),
}

EXERCISE_ARMS = {
    "bridge and leg press start: the hands on the floor by the sides": (SUPINE, resting(SUPINE)),
    "leg press: the hands pressing the thighs": (SUPINE, (330, 320)),
    "prone chest lift: the hands by the sides, lifted with the chest": (PRONE, (290, 370)),
    "cat-cow: the hands on the floor under the shoulders": (ALL_FOURS, (200, 400)),
    "lunge: the hands on the hips": (KNEELING, (310, 300)),
    "on all fours, the arm forward but level (a bird dog)": (ALL_FOURS, arm(ALL_FOURS, 2)),
}


@pytest.mark.parametrize("name", RAISED)
def test_a_hand_raised_in_each_start_position_is_raised(name: str) -> None:
    body, wrist = RAISED[name]
    assert raised_hands(frame(0.0, body, wrist), RULE) == [True, False]


@pytest.mark.parametrize("name", EXERCISE_ARMS)
def test_the_exercises_own_arm_positions_are_not_raised(name: str) -> None:
    body, wrist = EXERCISE_ARMS[name]
    assert raised_hands(frame(0.0, body, wrist), RULE) == [False, False]


@pytest.mark.parametrize("name", RAISED)
def test_a_hand_held_up_is_one_stop_after_the_hold(name: str) -> None:
    body, wrist = RAISED[name]
    rest = resting(body)
    frames = sequence(body, lambda t: wrist if 1.0 <= t < 4.0 else rest, 6.0)
    watch = RaisedHandWatch(RULE)
    commands = [c for f in frames if (c := watch(f)) is not None]
    assert len(commands) == 1
    assert commands[0].command is CommandName.STOP and commands[0].by is CommandBy.GESTURE
    assert commands[0].t_s == pytest.approx(1.0 + RULE.hold_s, abs=0.05)


def test_a_brief_raise_is_no_stop() -> None:
    up = arm(SUPINE, 85)
    assert stops(sequence(SUPINE, lambda t: up if 1.0 <= t < 1.0 + RULE.hold_s - 0.3 else resting(SUPINE), 4)) == []


def test_a_hand_that_keeps_moving_up_there_is_no_stop() -> None:
    def waving(t: float) -> tuple[float, float]:
        return arm(SUPINE, 60 + 25 * np.sin(2 * np.pi * 1.5 * t))  # waving 1.5 times a second

    assert stops(sequence(SUPINE, waving, 5)) == []


def test_both_hands_up_is_no_stop() -> None:
    up = arm(SUPINE, 85)
    frames = [frame(i / 30, SUPINE, up, (up[0] + 15, up[1])) for i in range(150)]  # side by side
    assert stops(frames) == []


def test_a_hand_kept_up_stops_once_and_again_only_after_it_came_down() -> None:
    up, rest = arm(KNEELING, 88), resting(KNEELING)
    frames = sequence(KNEELING, lambda t: up if t < 5.0 or 6.0 <= t < 8.0 else rest, 9.0)
    assert stops(frames) == pytest.approx([RULE.hold_s, 6.0 + RULE.hold_s], abs=0.05)


def test_after_a_stop_heard_elsewhere_a_hand_still_up_is_not_a_new_one() -> None:
    # The routine's pain choice: the hand that stopped the exercise may still be up.
    up, rest = arm(KNEELING, 88), resting(KNEELING)
    frames = sequence(KNEELING, lambda t: up if t < 3.0 or 4.0 <= t < 6.0 else rest, 7.0)
    watch = RaisedHandWatch(RULE)
    watch.after_a_stop()
    assert [c.t_s for f in frames if (c := watch(f)) is not None] == pytest.approx([4.0 + RULE.hold_s], abs=0.05)


def test_a_frame_without_a_pose_does_not_end_a_raise() -> None:
    up = arm(SUPINE, 85)
    frames = sequence(SUPINE, lambda t: up, 3.0)
    frames[20] = PoseFrame.empty(frames[20].t)  # one frame lost, 0.67 s into the raise
    assert stops(frames) == pytest.approx([RULE.hold_s], abs=0.05)


def test_a_far_arm_hidden_behind_the_raised_one_is_not_a_second_hand() -> None:
    """Side-on, the model puts the hidden far wrist where the raised near one is (less visible)."""
    up = arm(SUPINE, 85)
    pose = frame(0.0, SUPINE, up, up)
    pose.visibility[L.RIGHT_WRIST] = 0.4
    assert raised_hands(pose, RULE) == [True, False]
    apart = frame(0.0, SUPINE, up, (up[0] + 15, up[1]))  # two arms up side by side (a dead bug): no stop
    assert raised_hands(apart, RULE) == [True, True]


def test_a_hand_behind_the_head_is_not_raised() -> None:
    nose = SUPINE["nose"]
    assert raised_hands(frame(0.0, SUPINE, (nose[0] + 5, nose[1] - 20)), RULE) == [False, False]


def test_how_long_the_hand_is_up_is_known_until_the_stop() -> None:
    up = arm(KNEELING, 88)
    watch = RaisedHandWatch(RULE)
    held = []
    for f in sequence(KNEELING, lambda t: up if t >= 0.5 else resting(KNEELING), 3.0):
        watch(f)
        held.append((f.t, watch.held_s))
    assert all(h is None for t, h in held if t < 0.5)
    assert [round(h, 1) for t, h in held if 1.0 <= t < 1.02] == [0.5]
    assert all(h is None for t, h in held if t >= 0.5 + RULE.hold_s + 0.05)  # heard: nothing more to show
