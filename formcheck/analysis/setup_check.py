"""Before counting starts: is the person in the picture, side-on, in the start position?"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.measures import MeasureComputer
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import CueWhen

READY_S = 1.0  # in place this long before counting starts
INSET = 0.01  # the setup check wants the joints the exercise is judged on this far inside the picture
SMALL = 0.3  # judged joints inside the picture but spanning less than this part of it: too far away


class SetupCheck:
    """Before counting: the judged joints in frame, side-on, in the start position, for READY_S.

    No stricter than the analysis: it asks for the joints the spec names in `in_view` (by default
    its key points) and the view cues, not for hands and feet the exercise is never judged on.
    """

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.measures = MeasureComputer(spec)
        self.since: float | None = None
        self.message = spec.messages["step_in"]
        # side-on first: end-on, the far limbs look "missing" too
        self.view_cues = [c for c in spec.cues if c.view and c.when is CueWhen.ALWAYS and c.measure != "visible"
                          and c.holds_setup]

    def update(self, frame: PoseFrame, size: tuple[int, int]) -> bool:
        values = self.measures(frame, size)
        view_problem = next((c for c in self.view_cues if c.fails(values.get(c.measure or "", float("nan")))), None)
        if not frame.detected:
            problem = self.spec.messages["step_in"]
        elif view_problem is not None:
            problem = view_problem.message
        elif not _inside(joints := self._judged_joints(frame), size):
            problem = self.spec.messages["step_back"]
        elif not values["visible"]:
            # all in the picture yet not seen well: a far camera makes the body too small to read
            problem = self.spec.messages["move_closer" if _small(joints, size) else "step_back"]
        elif self.spec.posture and not self.spec.in_position(values):
            problem = self.spec.start_position
        else:
            problem = None
        if problem:
            self.since, self.message = None, problem
            return False
        self.since = frame.t if self.since is None else self.since
        self.message = self.spec.messages["hold_still"]
        return frame.t - self.since >= READY_S

    def _judged_joints(self, frame: PoseFrame) -> np.ndarray:
        return np.array([self.measures.point(frame, p) for p in self.spec.in_view])


def _small(xy: np.ndarray, size: tuple[int, int]) -> bool:
    extent = (xy.max(axis=0) - xy.min(axis=0)) / np.asarray(size, dtype=float)
    return bool(extent.max() < SMALL)


def _inside(xy: np.ndarray, size: tuple[int, int]) -> bool:
    w, h = size
    return bool(np.all((xy[:, 0] > INSET * w) & (xy[:, 0] < (1 - INSET) * w)
                       & (xy[:, 1] > INSET * h) & (xy[:, 1] < (1 - INSET) * h)))
