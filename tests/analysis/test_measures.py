"""Measures from constructed landmarks: each kind gives the true angle or ratio, the near side is
the one read, implausible readings and unseen joints give NaN, never a number."""

import dataclasses
import math

import numpy as np
import pytest

from formcheck.analysis.measures import MeasureComputer, landmark
from formcheck.pose.landmarker import N_LANDMARKS, Landmark, PoseFrame
from formcheck.spec.specs import MeasureSpec, load_spec
from formcheck.spec.vocabulary import MeasureKind

SIZE = (640, 480)
ROOT3 = math.sqrt(3)


def pose(near: dict[str, tuple[float, float]], far: dict[str, tuple[float, float]] | None = None,
         side: str = "left", t: float = 0.0, far_visibility: float = 0.3) -> PoseFrame:
    """Points of the near `side` (sideless names, "nose"); the far side at `far` or 5 px behind.
    The near side is the one MediaPipe would call nearer: higher visibility, smaller z."""
    other = "right" if side == "left" else "left"
    xy = np.full((N_LANDMARKS, 2), 320.0)
    vis = np.full(N_LANDMARKS, 0.95)
    z = np.zeros(N_LANDMARKS)
    for name, p in near.items():
        if name == "nose":
            xy[Landmark.NOSE] = p
            continue
        q = (far or {}).get(name, (p[0] + 5, p[1] - 5))
        xy[landmark(name, side)], xy[landmark(name, other)] = p, q
        vis[landmark(name, other)] = far_visibility
        z[landmark(name, side)], z[landmark(name, other)] = -0.1, 0.1
    return PoseFrame(t, xy, z, vis, np.full((N_LANDMARKS, 3), np.nan))


def computer(*measures: tuple[str, MeasureKind, tuple[str, ...]], plausible=None) -> MeasureComputer:
    """A spec with just these measures; its key points are the points they use."""
    spec = load_spec("glute_bridge")
    specs = {name: MeasureSpec(name=name, kind=kind, points=points, label=name, unit="deg", plausible=plausible)
             for name, kind, points in measures}
    points = tuple(dict.fromkeys(p for _, _, pts in measures for p in pts))
    return MeasureComputer(dataclasses.replace(spec, measures=specs, key_points=points))


# (kind, point names, their pixels, the true value worked out by hand)
KNOWN = [
    (MeasureKind.JOINT_ANGLE, ("hip", "knee", "ankle"), [(200, 100), (300, 100), (300, 250)], 90.0),
    (MeasureKind.JOINT_ANGLE, ("hip", "knee", "ankle"), [(200, 100), (300, 100), (400, 100)], 180.0),
    (MeasureKind.JOINT_ANGLE, ("hip", "knee", "ankle"), [(200, 100), (300, 100), (350, 100 + 50 * ROOT3)], 120.0),
    # the middle point below the line of the other two reads under 180, above it 360 minus the angle
    (MeasureKind.SIGNED_JOINT_ANGLE, ("shoulder", "hip", "knee"), [(100, 100), (200, 200), (300, 100)], 90.0),
    (MeasureKind.SIGNED_JOINT_ANGLE, ("shoulder", "hip", "knee"), [(100, 300), (200, 200), (300, 300)], 270.0),
    # 60 px above the shoulder-ankle line, 100 px (3-4-5: 80 along, 60 up) from the shoulder
    (MeasureKind.HEIGHT_ABOVE_LINE, ("hip", "shoulder", "ankle"), [(180, 240), (100, 300), (400, 300)], 0.6),
    (MeasureKind.HEIGHT_ABOVE_LINE, ("hip", "shoulder", "ankle"), [(180, 360), (100, 300), (400, 300)], -0.6),
    (MeasureKind.FROM_VERTICAL, ("shoulder", "wrist"), [(100, 100), (130, 100 + 30 * ROOT3)], 30.0),
    (MeasureKind.FROM_VERTICAL, ("shoulder", "wrist"), [(100, 100), (70, 100 - 30 * ROOT3)], 30.0),
    (MeasureKind.FROM_HORIZONTAL, ("shoulder", "wrist"), [(100, 100), (130, 100 + 30 * ROOT3)], 60.0),
    (MeasureKind.SIGNED_FROM_VERTICAL, ("hip", "knee"), [(100, 100), (100 + 50 * ROOT3, 150)], 60.0),
    (MeasureKind.SIGNED_FROM_VERTICAL, ("hip", "knee"), [(100, 100), (100 - 50 * ROOT3, 150)], -60.0),
    # the trunk level, the head to the left: the face straight up reads 0; the chin lifted until
    # ear -> nose is 30 degrees from the trunk's direction reads 60
    (MeasureKind.HEAD_PITCH, ("hip", "shoulder", "ear", "nose"), [(400, 300), (200, 300), (150, 290), (150, 270)], 0.0),
    (MeasureKind.HEAD_PITCH, ("hip", "shoulder", "ear", "nose"),
     [(400, 300), (200, 300), (150, 290), (150 - 10 * ROOT3, 290 - 10)], 60.0),
    # shin 30 degrees from vertical, leaning the way hip -> knee points (forward), then backward
    (MeasureKind.FORWARD_TILT, ("ankle", "knee", "hip", "knee"),
     [(300, 400), (300 + 50, 400 - 50 * ROOT3), (200, 300), (300 + 50, 400 - 50 * ROOT3)], 30.0),
    (MeasureKind.FORWARD_TILT, ("ankle", "knee", "hip", "knee"),
     [(300, 400), (300 - 50, 400 - 50 * ROOT3), (100, 300), (300 - 50, 400 - 50 * ROOT3)], -30.0),
    (MeasureKind.FORWARD_TILT, ("ankle", "knee", "hip", "knee"),
     [(300, 400), (300 + 50, 400 - 50 * ROOT3), (450, 300), (300 + 50, 400 - 50 * ROOT3)], -30.0),
    # the nose 20 px above the ear, in lengths of a 200 px shoulder-hip
    (MeasureKind.RISE, ("nose", "ear", "shoulder", "hip"), [(150, 270), (160, 290), (200, 300), (400, 300)], 0.1),
    (MeasureKind.RISE, ("nose", "ear", "shoulder", "hip"), [(150, 310), (160, 290), (200, 300), (400, 300)], -0.1),
    (MeasureKind.DISTANCE_RATIO, ("ear", "shoulder", "shoulder", "hip"),
     [(200, 250), (230, 290), (230, 290), (430, 290)], 0.25),
]


@pytest.mark.parametrize(("kind", "points", "pixels", "expected"), KNOWN,
                         ids=[f"{k}-{i}" for i, (k, *_) in enumerate(KNOWN)])
def test_each_kind_gives_the_true_value(kind, points, pixels, expected):
    near = dict(zip(points, pixels, strict=False))  # a point named twice is the same landmark
    values = computer(("m", kind, points))(pose(near), SIZE)
    assert values["visible"] == 1.0
    assert values["m"] == pytest.approx(expected, abs=1e-6)


def test_every_kind_of_the_vocabulary_is_covered_here():
    assert {k for k, *_ in KNOWN} == set(MeasureKind)


KNEE = ("knee", MeasureKind.JOINT_ANGLE, ("hip", "knee", "ankle"))
BENT = {"hip": (200, 200), "knee": (300, 200), "ankle": (300, 300)}  # 90 degrees
STRAIGHT = {"hip": (200, 205), "knee": (300, 205), "ankle": (400, 205)}  # 180 degrees


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_side_facing_the_camera_is_read(side):
    measures = computer(KNEE)
    values = measures(pose(BENT, far=STRAIGHT, side=side), SIZE)
    assert measures.side == side
    assert values["knee"] == pytest.approx(90.0)


def test_the_near_side_choice_holds_through_a_stray_frame():
    """MediaPipe swaps its confidence for a frame now and then; the side read does not jump."""
    measures = computer(KNEE)
    for i in range(30):
        measures(pose(BENT, far=STRAIGHT, side="left", t=i / 30), SIZE)
    stray = measures(pose(STRAIGHT, far=BENT, side="right", t=1.0, far_visibility=0.6), SIZE)
    assert measures.side == "left" and stray["knee"] == pytest.approx(90.0)  # the left knee, still bent
    turned = [measures(pose(STRAIGHT, far=BENT, side="right", t=1 + i / 30), SIZE) for i in range(1, 31)]
    assert measures.side == "right" and turned[-1]["knee"] == pytest.approx(180.0)  # the person turned round


def test_a_reading_no_body_can_show_is_dropped():
    """The lunge's front shin may tilt -30..120 degrees; a reading beyond is a pose gone wrong."""
    spec = load_spec("deep_lunge_hip_flexor")
    assert spec.measures["front_shin"].plausible == (-30, 120)
    measures = computer(("shin", MeasureKind.FORWARD_TILT, ("ankle", "knee", "hip", "knee")),
                        plausible=spec.measures["front_shin"].plausible)
    upright = {"ankle": (300, 400), "knee": (300 + 50, 400 - 50 * ROOT3), "hip": (200, 300)}
    assert measures(pose(upright), SIZE)["shin"] == pytest.approx(30.0)
    backwards = {"ankle": (300, 400), "knee": (300 - 50 * ROOT3, 400 - 50), "hip": (100, 300)}  # -60
    assert math.isnan(measures(pose(backwards), SIZE)["shin"])


def test_no_pose_gives_nan_for_every_measure():
    spec = load_spec("glute_bridge")
    values = MeasureComputer(spec)(PoseFrame.empty(0.0), SIZE)
    assert values["visible"] == 0.0
    assert set(spec.measures) <= set(values)
    assert all(math.isnan(values[name]) for name in (*spec.measures, "side_spread", "front_leg"))


@pytest.mark.parametrize(("why", "change"), [
    ("hidden", lambda xy, vis: vis.__setitem__(Landmark.LEFT_ANKLE, 0.2)),
    ("out of the picture", lambda xy, vis: xy.__setitem__(Landmark.LEFT_ANKLE, (660.0, 300.0))),
    ("not found", lambda xy, vis: xy.__setitem__(Landmark.LEFT_ANKLE, (np.nan, np.nan))),
])
def test_an_unseen_key_joint_gives_nan_never_a_number(why, change):
    measures = computer(KNEE, ("thigh", MeasureKind.FROM_HORIZONTAL, ("hip", "knee")))
    frame = pose(BENT)
    xy, vis = frame.xy.copy(), frame.visibility.copy()
    change(xy, vis)
    values = measures(dataclasses.replace(frame, xy=xy, visibility=vis), SIZE)
    assert values["visible"] == 0.0
    assert math.isnan(values["knee"]) and math.isnan(values["thigh"])  # the thigh too: the view is not judged


def test_a_joint_just_inside_the_border_is_seen():
    measures = computer(KNEE)
    at_edge = BENT | {"ankle": (300, 479)}
    assert measures(pose(at_edge), SIZE)["knee"] == pytest.approx(90.0)


def lunge(front: str, swap_knee_labels: bool = False) -> PoseFrame:
    """Kneeling lunge: the front thigh level, its shin upright; the rear thigh down, its shin back."""
    rear = "right" if front == "left" else "left"
    xy = np.full((N_LANDMARKS, 2), 300.0)
    pts = {f"{front}_hip": (300, 250), f"{rear}_hip": (300, 250), f"{front}_knee": (400, 250),
           f"{front}_ankle": (400, 350), f"{rear}_knee": (280, 350), f"{rear}_ankle": (160, 360),
           "left_shoulder": (300, 100), "right_shoulder": (300, 100)}
    if swap_knee_labels:  # MediaPipe mixes up the knees of a side view, not the ankles
        pts[f"{front}_knee"], pts[f"{rear}_knee"] = pts[f"{rear}_knee"], pts[f"{front}_knee"]
    for name, p in pts.items():
        xy[Landmark[name.upper()]] = p
    return PoseFrame.from_arrays(0.0, xy)


@pytest.mark.parametrize("front", ["left", "right"])
@pytest.mark.parametrize("swapped", [False, True])
def test_the_lunge_legs_go_by_geometry_not_by_labels(front, swapped):
    spec = load_spec("deep_lunge_hip_flexor")
    values = MeasureComputer(spec)(lunge(front, swapped), SIZE)
    assert values["front_knee"] == pytest.approx(90.0)
    assert values["front_shin"] == pytest.approx(0.0, abs=1e-6)
    assert values["rear_thigh"] == pytest.approx(math.degrees(math.atan2(20, 100)))
    assert values["front_leg"] == (1.0 if (front == "left") != swapped else 0.0)


def test_side_spread_tells_a_side_view_from_a_front_view():
    measures = computer(KNEE)
    side_on = pose({"shoulder": (200, 100), "hip": (200, 300)}, far={"shoulder": (210, 100), "hip": (210, 300)})
    facing = pose({"shoulder": (150, 100), "hip": (170, 300)}, far={"shoulder": (350, 100), "hip": (330, 300)})
    assert measures.side_spread(side_on) == pytest.approx(0.05)
    assert measures.side_spread(facing) == pytest.approx(1.0)


def test_look_down_reads_how_much_higher_the_far_leg_stands():
    # the near (left) side faces the camera; torso 200 px long
    level = pose({"shoulder": (100, 300), "hip": (300, 300), "knee": (400, 200), "ankle": (450, 300)},
                 far={"shoulder": (100, 300), "hip": (300, 300), "knee": (400, 200), "ankle": (450, 300)})
    above = pose({"shoulder": (100, 300), "hip": (300, 300), "knee": (400, 200), "ankle": (450, 300)},
                 far={"shoulder": (100, 240), "hip": (300, 240), "knee": (400, 120), "ankle": (450, 220)})
    measures = computer(KNEE)
    assert measures.look_down(level) == pytest.approx(0.0)
    assert measures.look_down(above) == pytest.approx(0.4, abs=0.01)
