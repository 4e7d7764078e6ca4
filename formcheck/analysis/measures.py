"""Turn a PoseFrame into the named measures an exercise spec declares.

Specs name points without a side ("hip"); they resolve to the side nearer the camera, which is
the one a side view sees clearly. Measure kinds are a registry, so a spec picks them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from formcheck.analysis import geometry
from formcheck.analysis.commands import RaisedHandRule, raised_hands
from formcheck.pose.landmarker import Landmark, PoseFrame
from formcheck.spec.vocabulary import MeasureKind

if TYPE_CHECKING:
    from formcheck.spec.specs import ExerciseSpec

MIN_VISIBILITY = 0.5
FRAME_MARGIN = 0.02  # a point this close to the border (fraction of the size) is out of frame


def landmark(point: str, side: str, front: str = "left") -> Landmark:
    """The landmark of a spec's point name: sideless names take `side` (the one facing the
    camera), front_/rear_ names the leg that leads or trails (`front`)."""
    if point == "nose":
        return Landmark.NOSE
    role, _, joint = point.partition("_")
    if role in ("front", "rear") and joint:
        rear = "right" if front == "left" else "left"
        return Landmark[f"{front if role == 'front' else rear}_{joint}".upper()]
    return Landmark[f"{side}_{point}".upper()]


def _height_above_line(p: np.ndarray, a: np.ndarray, c: np.ndarray) -> float:
    return float(geometry.side_of_line(p, a, c) / geometry.distance(p, a))


def _head_pitch(hip: np.ndarray, shoulder: np.ndarray, ear: np.ndarray, nose: np.ndarray) -> float:
    return float(90.0 - geometry.angle_between(shoulder - hip, nose - ear))


def _distance_ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    return float(geometry.distance(a, b) / geometry.distance(c, d))


def _forward_tilt(base: np.ndarray, tip: np.ndarray, back: np.ndarray, ahead: np.ndarray) -> float:
    forward = 1.0 if ahead[0] >= back[0] else -1.0
    d = tip - base
    return float(np.degrees(np.arctan2(d[0] * forward, -d[1])))


def _rise(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    return float((b[1] - a[1]) / geometry.distance(c, d))


# What each of the spec's measure kinds computes, from its points in pixels (see the vocabulary).
MEASURE_KINDS: dict[MeasureKind, Callable[..., float]] = {
    MeasureKind.JOINT_ANGLE: lambda a, b, c: float(geometry.joint_angle(a, b, c)),  # 180 = straight
    # above 180 when the middle point lies above the line of the other two
    MeasureKind.SIGNED_JOINT_ANGLE: lambda a, b, c: float(geometry.signed_joint_angle(a, b, c)),
    MeasureKind.HEIGHT_ABOVE_LINE: _height_above_line,  # in lengths first-second
    MeasureKind.FROM_VERTICAL: lambda a, b: float(geometry.angle_from_vertical(a, b)),
    MeasureKind.FROM_HORIZONTAL: lambda a, b: float(geometry.angle_from_horizontal(a, b)),
    MeasureKind.SIGNED_FROM_VERTICAL: lambda a, b: float(geometry.signed_angle_from_vertical(a, b)),
    # hip, shoulder, ear, nose: 90 minus the trunk to ear-nose angle; grows as the chin lifts
    MeasureKind.HEAD_PITCH: _head_pitch,
    # base, tip, back, ahead: base->tip from vertical, positive leaning the way back->ahead points
    MeasureKind.FORWARD_TILT: _forward_tilt,
    MeasureKind.RISE: _rise,  # first point above the second, in lengths of the last two
    MeasureKind.DISTANCE_RATIO: _distance_ratio,  # first two points' distance over the last two's
}
if set(MEASURE_KINDS) != set(MeasureKind):  # the spec's words and this module must agree
    raise ImportError(f"measure kinds without a computation: {set(MeasureKind) - set(MEASURE_KINDS)}")


class MeasureComputer:
    """Computes a spec's measures frame by frame; keeps the near-side choice steady."""

    SIDE_POINTS = ("shoulder", "hip", "knee", "ankle")

    def __init__(self, spec: ExerciseSpec, side_smoothing: float = 0.1) -> None:
        self.spec = spec
        self.side = "left"
        self.front = "left"
        self._legs: dict[str, np.ndarray] = {}
        self._side_score = 0.0
        self._side_smoothing = side_smoothing
        self._hand_rule = RaisedHandRule.shared()

    def _update_side(self, frame: PoseFrame) -> None:
        # MediaPipe's z is smaller (nearer) and visibility higher on the side facing the camera.
        left = [landmark(p, "left") for p in self.SIDE_POINTS]
        right = [landmark(p, "right") for p in self.SIDE_POINTS]
        score = float(np.sum(frame.visibility[left] - frame.visibility[right])
                      + np.sum(frame.z[right] - frame.z[left]))
        self._side_score += self._side_smoothing * (score - self._side_score)
        self.side = "left" if self._side_score >= 0 else "right"

    def _update_legs(self, frame: PoseFrame) -> None:
        """Front and rear legs by geometry, not by MediaPipe's left/right labels, which swap
        now and then in side views (sometimes for the knee but not the ankle).

        The front knee is the one whose line from the mid-hip is nearer horizontal; each ankle
        goes with the knee it is closer to.
        """
        xy = frame.xy
        mid_hip = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2
        knees = {"left": xy[Landmark.LEFT_KNEE], "right": xy[Landmark.RIGHT_KNEE]}
        tilt = {k: geometry.angle_from_vertical(mid_hip, p) for k, p in knees.items()}
        self.front = "left" if tilt["left"] >= tilt["right"] else "right"
        rear = "right" if self.front == "left" else "left"
        ankles = {"left": xy[Landmark.LEFT_ANKLE], "right": xy[Landmark.RIGHT_ANKLE]}
        straight = (geometry.distance(knees[self.front], ankles[self.front])
                    + geometry.distance(knees[rear], ankles[rear]))
        crossed = (geometry.distance(knees[self.front], ankles[rear])
                   + geometry.distance(knees[rear], ankles[self.front]))
        front_ankle = ankles[self.front] if straight <= crossed else ankles[rear]
        rear_ankle = ankles[rear] if straight <= crossed else ankles[self.front]
        self._legs = {"front_hip": mid_hip, "rear_hip": mid_hip, "front_knee": knees[self.front],
                      "rear_knee": knees[rear], "front_ankle": front_ankle, "rear_ankle": rear_ankle}

    def point(self, frame: PoseFrame, name: str) -> np.ndarray:
        if name in self._legs:
            return self._legs[name]
        return frame.xy[landmark(name, self.side, self.front)]

    def visible(self, frame: PoseFrame, points: tuple[str, ...], size: tuple[int, int]) -> bool:
        w, h = size
        idx = [landmark(p, self.side, self.front) for p in points]
        xy = np.array([self.point(frame, p) for p in points])
        inside = ((xy[:, 0] > -FRAME_MARGIN * w) & (xy[:, 0] < (1 + FRAME_MARGIN) * w)
                  & (xy[:, 1] > -FRAME_MARGIN * h) & (xy[:, 1] < (1 + FRAME_MARGIN) * h))
        # Front/rear legs include the far one, which a side view partly hides: in frame is enough.
        near = [i for i, p in zip(idx, points, strict=True) if not p.startswith(("front_", "rear_"))]
        return bool(np.all(inside) and np.all(frame.visibility[near] >= MIN_VISIBILITY))

    def side_spread(self, frame: PoseFrame) -> float:
        """How far left and right shoulders/hips stand apart, in torso lengths.

        Near 0 in a true side view, about 1 or more seen from the head, feet or front.
        """
        xy = frame.xy
        shoulders = geometry.distance(xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER])
        hips = geometry.distance(xy[Landmark.LEFT_HIP], xy[Landmark.RIGHT_HIP])
        torso = frame.torso_px
        return float(max(shoulders, hips) / torso) if torso > 0 else float("nan")

    def look_down(self, frame: PoseFrame) -> float:
        """How far the far knee and ankle stand above the near ones, in torso lengths (their mean).

        A camera level with the floor sees the two legs at one height; one looking down sees the far
        leg higher. Lying on the back, rendered side-on: under 0.1 up to 15 degrees, 0.1..0.3 at
        25..35, 0.36..0.42 at 45.
        """
        xy = frame.xy
        far = "right" if self.side == "left" else "left"
        rise = [xy[landmark(p, far)][1] - xy[landmark(p, self.side)][1] for p in ("knee", "ankle")]
        torso = frame.torso_px
        return float(-np.mean(rise) / torso) if torso > 0 else float("nan")

    def __call__(self, frame: PoseFrame, size: tuple[int, int]) -> dict[str, float]:
        """Measures of this frame; NaN for all when the key points are not seen."""
        values: dict[str, float] = {}
        if not frame.detected:
            values["visible"] = 0.0
            values["side_spread"] = values["look_down"] = values["front_leg"] = float("nan")
            values["hand_up"] = 0.0
            return values | {name: float("nan") for name in self.spec.measures}
        self._update_side(frame)
        self._update_legs(frame)
        values["front_leg"] = 1.0 if self.front == "left" else 0.0
        seen = self.visible(frame, self.spec.key_points, size)
        values["visible"] = 1.0 if seen else 0.0
        values["side_spread"] = self.side_spread(frame)
        values["look_down"] = self.look_down(frame)
        values["hand_up"] = 1.0 if any(raised_hands(frame, self._hand_rule)) else 0.0
        for name, m in self.spec.measures.items():
            if not seen:
                values[name] = float("nan")
                continue
            pts = [self.point(frame, p) for p in m.points]
            value = MEASURE_KINDS[m.kind](*pts)
            if m.plausible and not m.plausible[0] <= value <= m.plausible[1]:
                value = float("nan")
            values[name] = value
        return values
