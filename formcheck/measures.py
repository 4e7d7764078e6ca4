"""Turn a PoseFrame into the named measures an exercise spec declares.

Specs name points without a side ("hip"); they resolve to the side nearer the camera, which is
the one a side view sees clearly. Measure kinds are a registry, so a spec picks them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck import geometry
from formcheck.pose import Landmark, PoseFrame

if TYPE_CHECKING:
    from formcheck.specs import ExerciseSpec

POINT_NAMES = ("nose", "eye", "ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel",
               "foot_index")
# Computed for every exercise: 1/0 whether the spec's key points are seen, and side_spread.
BUILTIN_MEASURES = ("visible", "side_spread")
MIN_VISIBILITY = 0.5
FRAME_MARGIN = 0.02  # a point this close to the border (fraction of the size) is out of frame


def landmark(point: str, side: str) -> Landmark:
    return Landmark.NOSE if point == "nose" else Landmark[f"{side}_{point}".upper()]


@dataclass(frozen=True)
class MeasureKind:
    n_points: int
    compute: Callable[..., float]
    doc: str


def _height_above_line(p: np.ndarray, a: np.ndarray, c: np.ndarray) -> float:
    return float(geometry.side_of_line(p, a, c) / geometry.distance(p, a))


def _head_pitch(hip: np.ndarray, shoulder: np.ndarray, ear: np.ndarray, nose: np.ndarray) -> float:
    return float(90.0 - geometry.angle_between(shoulder - hip, nose - ear))


def _distance_ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    return float(geometry.distance(a, b) / geometry.distance(c, d))


def _rise(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    return float((b[1] - a[1]) / geometry.distance(c, d))


MEASURE_KINDS: dict[str, MeasureKind] = {
    "joint_angle": MeasureKind(3, lambda a, b, c: float(geometry.joint_angle(a, b, c)),
                               "angle at the middle point, degrees (180 = straight)"),
    "signed_joint_angle": MeasureKind(
        3, lambda a, b, c: float(geometry.signed_joint_angle(a, b, c)),
        "angle at the middle point; above 180 when it lies above the line of the other two"),
    "height_above_line": MeasureKind(
        3, _height_above_line,
        "height of the first point above the line of the other two, in lengths first-second"),
    "from_vertical": MeasureKind(2, lambda a, b: float(geometry.angle_from_vertical(a, b)),
                                 "angle of the line from the vertical, degrees"),
    "from_horizontal": MeasureKind(2, lambda a, b: float(geometry.angle_from_horizontal(a, b)),
                                   "angle of the line from the horizontal, degrees"),
    "signed_from_vertical": MeasureKind(
        2, lambda a, b: float(geometry.signed_angle_from_vertical(a, b)),
        "angle of the line from the vertical, signed by image direction, degrees"),
    "head_pitch": MeasureKind(
        4, _head_pitch, "points hip, shoulder, ear, nose: 90 minus the angle between the trunk and the "
        "ear-to-nose line; grows as the chin lifts, falls as it tucks"),
    "rise": MeasureKind(
        4, _rise, "how far the first point sits above the second in the image, in lengths of the last two"),
    "distance_ratio": MeasureKind(4, _distance_ratio, "distance of the first two points over that of the last two"),
}


class MeasureComputer:
    """Computes a spec's measures frame by frame; keeps the near-side choice steady."""

    SIDE_POINTS = ("shoulder", "hip", "knee", "ankle")

    def __init__(self, spec: ExerciseSpec, side_smoothing: float = 0.1) -> None:
        self.spec = spec
        self.side = "left"
        self._side_score = 0.0
        self._side_smoothing = side_smoothing

    def _update_side(self, frame: PoseFrame) -> None:
        # MediaPipe's z is smaller (nearer) and visibility higher on the side facing the camera.
        left = [landmark(p, "left") for p in self.SIDE_POINTS]
        right = [landmark(p, "right") for p in self.SIDE_POINTS]
        score = float(np.sum(frame.visibility[left] - frame.visibility[right])
                      + np.sum(frame.z[right] - frame.z[left]))
        self._side_score += self._side_smoothing * (score - self._side_score)
        self.side = "left" if self._side_score >= 0 else "right"

    def visible(self, frame: PoseFrame, points: tuple[str, ...], size: tuple[int, int]) -> bool:
        w, h = size
        idx = [landmark(p, self.side) for p in points]
        xy = frame.xy[idx]
        inside = ((xy[:, 0] > -FRAME_MARGIN * w) & (xy[:, 0] < (1 + FRAME_MARGIN) * w)
                  & (xy[:, 1] > -FRAME_MARGIN * h) & (xy[:, 1] < (1 + FRAME_MARGIN) * h))
        return bool(np.all(inside) and np.all(frame.visibility[idx] >= MIN_VISIBILITY))

    def side_spread(self, frame: PoseFrame) -> float:
        """How far left and right shoulders/hips stand apart, in torso lengths.

        Near 0 in a true side view, about 1 or more seen from the head, feet or front.
        """
        xy = frame.xy
        shoulders = geometry.distance(xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER])
        hips = geometry.distance(xy[Landmark.LEFT_HIP], xy[Landmark.RIGHT_HIP])
        mid_sh = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2
        mid_hip = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2
        torso = geometry.distance(mid_sh, mid_hip)
        return float(max(shoulders, hips) / torso) if torso > 0 else float("nan")

    def __call__(self, frame: PoseFrame, size: tuple[int, int]) -> dict[str, float]:
        """Measures of this frame; NaN for all when the key points are not seen."""
        values: dict[str, float] = {}
        if not frame.detected:
            values["visible"] = 0.0
            values["side_spread"] = float("nan")
            return values | {name: float("nan") for name in self.spec.measures}
        self._update_side(frame)
        seen = self.visible(frame, self.spec.key_points, size)
        values["visible"] = 1.0 if seen else 0.0
        values["side_spread"] = self.side_spread(frame)
        for name, m in self.spec.measures.items():
            if not seen:
                values[name] = float("nan")
                continue
            pts = [frame.xy[landmark(p, self.side)] for p in m.points]
            values[name] = MEASURE_KINDS[m.kind].compute(*pts)
        return values
