"""The words a spec may use: landmark names, measure kinds, statistics, cue timings and modes.

The spec layer owns the language; `analysis` implements it (a computation for each measure kind
and statistic, checked against these names when it loads), so reading a spec needs no analysis.
"""

from __future__ import annotations

from enum import StrEnum

POINT_NAMES = ("nose", "eye", "ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel",
               "foot_index", "front_hip", "front_knee", "front_ankle", "rear_hip", "rear_knee", "rear_ankle")
# Computed for every exercise: 1/0 whether the spec's key points are seen, side_spread, look_down
# (how high the camera is), front_leg (1 when the left thigh is the more horizontal one: the
# leading leg of a lunge), and hand_up (1/0 a hand raised as the stop signal has it).
BUILTIN_MEASURES = ("visible", "side_spread", "look_down", "front_leg", "hand_up")


class Mode(StrEnum):
    REPS = "reps"
    HOLDS = "holds"


class CueWhen(StrEnum):
    ALWAYS = "always"  # judged on every frame (debounced)
    TOP = "top"  # over the top of each rep or hold, read with a statistic
    REP = "rep"  # on a rep's own metrics


class RepMetric(StrEnum):
    HOLD_S = "hold_s"
    AMPLITUDE = "amplitude"
    RANGE = "range"


class MeasureKind(StrEnum):
    JOINT_ANGLE = "joint_angle"
    SIGNED_JOINT_ANGLE = "signed_joint_angle"
    HEIGHT_ABOVE_LINE = "height_above_line"
    FROM_VERTICAL = "from_vertical"
    FROM_HORIZONTAL = "from_horizontal"
    SIGNED_FROM_VERTICAL = "signed_from_vertical"
    HEAD_PITCH = "head_pitch"
    FORWARD_TILT = "forward_tilt"
    RISE = "rise"
    DISTANCE_RATIO = "distance_ratio"

    @property
    def n_points(self) -> int:
        return _KIND_POINTS[self]


_KIND_POINTS = {
    MeasureKind.JOINT_ANGLE: 3, MeasureKind.SIGNED_JOINT_ANGLE: 3, MeasureKind.HEIGHT_ABOVE_LINE: 3,
    MeasureKind.FROM_VERTICAL: 2, MeasureKind.FROM_HORIZONTAL: 2, MeasureKind.SIGNED_FROM_VERTICAL: 2,
    MeasureKind.HEAD_PITCH: 4, MeasureKind.FORWARD_TILT: 4, MeasureKind.RISE: 4, MeasureKind.DISTANCE_RATIO: 4,
}


class Statistic(StrEnum):
    MEDIAN = "median"  # the median over the top
    RANGE = "range"  # 10th-90th percentile spread over the top (steadiness)
    CHANGE = "change"  # median over the top minus the setup before the rep
    VS_BEST = "vs_best"  # median over the top as a ratio to the person's own best clean rep

    @property
    def relative_to_best(self) -> bool:
        """The verdict can change until the session ends: the person's best may still grow. Such a
        verdict is provisional (not spoken or drawn) until `Engine.finish` settles it."""
        return self is Statistic.VS_BEST
