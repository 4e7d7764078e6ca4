"""Commands the person gives: a raised hand held up (a stop), keys and words; each is a report's
`commands` entry.

A hand counts as raised when its arm is stretched away from the shoulder and points up (lying on
the back, kneeling, on all fours: more than `min_elevation_deg` above the horizontal, not far back
toward the hips), or, lying down, reaches along the floor past the head (lying face down). The five
exercises never do either: their hands stay on the floor, on the hips or by the sides, or press
the thighs. A hand on a thigh, a shin or a foot holds the leg (the leg press, a happy baby, a knee
hug), one by the nose is behind the head or on the face; only one hand may be up (both up is
another exercise, a dead bug say); and it must be held still for `hold_s`: a hand on its way up
and straight down again is no signal.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from formcheck.pose.landmarker import Landmark, PoseFrame
from formcheck.spec.common import common_rule

L = Landmark
ARMS = ((L.LEFT_SHOULDER, L.LEFT_WRIST), (L.RIGHT_SHOULDER, L.RIGHT_WRIST))
LEG_BONES = tuple((a, b) for side in ("LEFT", "RIGHT") for a, b in (
    (L[f"{side}_HIP"], L[f"{side}_KNEE"]), (L[f"{side}_KNEE"], L[f"{side}_ANKLE"]),
    (L[f"{side}_ANKLE"], L[f"{side}_FOOT_INDEX"])))


class CommandName(StrEnum):
    STOP = "stop"
    PAUSE = "pause"  # by voice
    GO_ON = "go on"
    NEXT = "next"


class CommandBy(StrEnum):
    GESTURE = "gesture"
    KEY = "key"
    VOICE = "voice"


@dataclass(frozen=True, kw_only=True)
class Command:
    t_s: float
    command: CommandName
    by: CommandBy

    def as_dict(self) -> dict[str, object]:
        return {"t_s": round(self.t_s, 2), "command": str(self.command), "by": str(self.by)}


@dataclass(frozen=True, kw_only=True)
class RaisedHandRule:
    """`_common.toml`'s `[raised_hand]`; lengths in torso lengths (shoulders to hips in the picture)."""

    hold_s: float  # held up and still this long: a stop
    reach: float  # the wrist at least this far from its shoulder (the arm stretched)
    min_elevation_deg: float  # pointing at least this far above the horizontal ...
    max_back: float  # ... and no further back toward the hips than this
    past_head: float  # lying: the wrist this far past the shoulder toward the head, beyond the nose
    lying_knee_drop: float  # lying: the lower knee at most this far below the hips (all fours: a thigh)
    near_leg: float  # a hand this close to a thigh, a shin or a foot holds the leg: not raised
    near_head: float  # a hand this close to the nose is at the head (behind it, on the face): not raised
    same_place: float  # both wrists this close: one raised arm hides the other, which the model puts there too
    still_speed: float  # still: the wrist moves less than this (torso lengths a second)
    gap_s: float  # a pose lost or a jitter this long does not end a raise
    down_s: float  # after a stop, the hand must be down this long before the next one

    @classmethod
    def shared(cls, folder: Path | None = None) -> RaisedHandRule:
        """The rule in the specs folder's `_common.toml` (the bundled one when it has none)."""
        return common_rule(cls, "raised_hand", folder)


_last: list = [None, None, [False, False]]  # the frame and rule last asked about, and the answer


def raised_hands(frame: PoseFrame, rule: RaisedHandRule) -> list[bool]:
    """Whether each hand (left, right) is raised in this frame. The frame pipeline asks twice a
    frame (the stop watch, then the `hand_up` measure): the last answer is kept for the second."""
    if _last[0] is frame and _last[1] == rule:
        return list(_last[2])
    _last[:] = [frame, rule, _raised_hands(frame, rule)]
    return list(_last[2])


def _raised_hands(frame: PoseFrame, rule: RaisedHandRule) -> list[bool]:
    if not frame.detected:
        return [False, False]
    xy = frame.xy
    shoulders, hips = _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER), _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)
    torso = float(np.linalg.norm(shoulders - hips))
    if torso < 1.0:
        return [False, False]
    axis = (shoulders - hips) / torso  # toward the head
    knee_drop = (max(xy[L.LEFT_KNEE][1], xy[L.RIGHT_KNEE][1]) - hips[1]) / torso
    lying = abs(axis[1]) < 0.5 and knee_drop < rule.lying_knee_drop
    out = []
    for shoulder, wrist in ARMS:
        d = (xy[wrist] - xy[shoulder]) / torso
        length = float(np.linalg.norm(d))
        # A shorter arm that looks straight is no evidence: folded behind the head it can look so.
        stretched = length >= rule.reach
        along = float(d @ axis)
        elevation = math.degrees(math.atan2(-d[1], abs(d[0])))
        up = stretched and elevation >= rule.min_elevation_deg and along >= -rule.max_back
        past = (lying and along >= rule.past_head and float((xy[wrist] - xy[L.NOSE]) @ axis) > 0
                and elevation > -10)
        holds_leg = _distance_to_legs(xy, xy[wrist]) / torso < rule.near_leg
        at_head = float(np.linalg.norm(xy[wrist] - xy[L.NOSE])) / torso < rule.near_head
        out.append(bool((up or past) and not holds_leg and not at_head))
    if all(out) and float(np.linalg.norm(xy[L.LEFT_WRIST] - xy[L.RIGHT_WRIST])) / torso < rule.same_place:
        nearer = int(frame.visibility[L.RIGHT_WRIST] > frame.visibility[L.LEFT_WRIST])
        out = [i == nearer for i in range(2)]  # seen side-on, the far arm is hidden behind the raised near one
    return out


def _mid(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return (xy[a] + xy[b]) / 2


def _distance_to_legs(xy: np.ndarray, point: np.ndarray) -> float:
    """Pixels from `point` to the nearest leg bone (thigh, shin, foot) in the picture."""
    a = xy[[bone[0] for bone in LEG_BONES]]
    ab = xy[[bone[1] for bone in LEG_BONES]] - a
    along = np.clip(np.einsum("ij,ij->i", point - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-9), 0, 1)
    return float(np.min(np.linalg.norm(a + along[:, None] * ab - point, axis=1)))


class RaisedHandWatch:
    """Frame by frame: a stop when one hand has been raised and still for `hold_s`; one stop per raise."""

    def __init__(self, rule: RaisedHandRule) -> None:
        self.rule = rule
        self._since: float | None = None  # raised and still since
        self._last_up = -math.inf
        self._fired = False
        self._hand: int | None = None
        self.held_s: float | None = None  # how long the hand has been up (None: no hand up, or heard already)
        self._wrists: deque[tuple[float, np.ndarray]] = deque()  # the raised wrist over the last 0.3 s

    def __call__(self, frame: PoseFrame) -> Command | None:
        t, rule = frame.t, self.rule
        up = raised_hands(frame, rule)
        if sum(up) != 1 or not self._still(frame, up.index(True)):
            if self._fired and t - self._last_up > rule.down_s:
                self._fired = False
            if t - self._last_up > rule.gap_s:
                self.held_s = None
            return None
        if self._since is None or t - self._last_up > rule.gap_s:
            self._since = t
        self._last_up = t
        self.held_s = None if self._fired else t - self._since
        if self._fired or t - self._since < rule.hold_s:
            return None
        self.held_s = None
        self._fired = True
        return Command(t_s=t, command=CommandName.STOP, by=CommandBy.GESTURE)

    def after_a_stop(self) -> None:
        """A stop was just heard elsewhere: a hand still up from it is not a new one; the next
        counts once the hand has come down."""
        self._fired, self._last_up = True, -math.inf

    def _still(self, frame: PoseFrame, hand: int) -> bool:
        """The raised wrist moved less than `still_speed` over the last 0.3 s."""
        xy = frame.xy
        torso = frame.torso_px
        if hand != self._hand:
            self._hand = hand
            self._wrists.clear()
        wrist = xy[ARMS[hand][1]]
        self._wrists.append((frame.t, wrist))
        while frame.t - self._wrists[0][0] > 0.3:
            self._wrists.popleft()
        t0, w0 = self._wrists[0]
        if frame.t - t0 < 0.1:
            return True  # too little history to tell: still until shown otherwise
        return float(np.linalg.norm(wrist - w0)) / torso / (frame.t - t0) < self.rule.still_speed
