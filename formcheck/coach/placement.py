"""Before the routine's first exercise: where the camera goes for a mat (a drawing, said aloud), then
the live picture of the person lying down and kneeling, saying what to move until each fits.

Each position is the setup check of an exercise done in it (the same check that starts counting),
so what fits here is what the exercises will accept. It never blocks: a position that does not fit
within `CHECK_S` is recorded with what was still wrong, and the routine goes on.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from formcheck.analysis.setup_check import SetupCheck
from formcheck.coach.live import EndReason
from formcheck.coach.routine import Routine
from formcheck.coach.routine_window import ESC, RoutineEnded, Screen
from formcheck.coach.voice import Kind, Voice
from formcheck.pose.filters import PoseSmoother
from formcheck.pose.landmarker import PoseEstimator
from formcheck.render.overlay import GOOD, TEXT
from formcheck.spec.specs import load_spec
from formcheck.video.live_sources import LiveSource

DRAWING_S = 8.0  # the drawing stays this long (n goes on at once)
CHECK_S = 60.0  # each position is checked at most this long
POSITIONS = (("lying", "glute_bridge"), ("kneeling", "deep_lunge_hip_flexor"))  # checked as this exercise's setup


@dataclass(frozen=True, kw_only=True)
class PositionChecked:
    position: str
    fits: bool
    seconds: float
    still_wrong: str | None  # what the check still asked for when it gave up

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def camera_drawing(size: tuple[int, int]) -> np.ndarray:
    """Seen from above: the mat, a person lying along it, and the camera on the floor in front of
    its long side, 2-3 m away, looking at the middle of the mat (side-on)."""
    w, h = size
    img = np.full((h, w, 3), 30, np.uint8)
    x0, x1, y0, y1 = round(w * 0.18), round(w * 0.82), round(h * 0.12), round(h * 0.30)
    cv2.rectangle(img, (x0, y0), (x1, y1), (60, 140, 90), -1)  # the mat
    mid = (y0 + y1) // 2
    thick = max(3, w // 80)
    cv2.circle(img, (x0 + round(w * 0.06), mid), round(h * 0.045), (230, 230, 230), -1)  # the head
    cv2.line(img, (x0 + round(w * 0.10), mid), (x1 - round(w * 0.08), mid), (230, 230, 230), thick, cv2.LINE_AA)
    cam = (w // 2, round(h * 0.80))
    cone = np.array([[cam[0], cam[1] - round(h * 0.04)], [x0, y1 + 4], [x1, y1 + 4]], np.int32)
    layer = img.copy()
    cv2.fillPoly(layer, [cone], (80, 170, 240))
    img = cv2.addWeighted(layer, 0.25, img, 0.75, 0)  # what the camera sees: the whole mat
    cv2.rectangle(img, (cam[0] - round(w * 0.05), cam[1] - round(h * 0.04)),
                  (cam[0] + round(w * 0.05), cam[1] + round(h * 0.04)), (80, 170, 240), -1)  # the camera
    cv2.circle(img, (cam[0], cam[1] - round(h * 0.04)), round(h * 0.02), (40, 40, 40), -1)  # its lens, to the mat
    x = cam[0] + round(w * 0.12)
    for a, b in (((x, y1 + 8), (x, cam[1])), ((x, cam[1]), (x, y1 + 8))):
        cv2.arrowedLine(img, a, b, (240, 240, 240), max(2, w // 300), tipLength=0.06)
    scale = h / 480
    cv2.putText(img, "2-3 m", (x + round(12 * scale), (y1 + cam[1]) // 2 + round(10 * scale)),
                cv2.FONT_HERSHEY_DUPLEX, 1.1 * scale, (240, 240, 240), max(1, round(2 * scale)), cv2.LINE_AA)
    cv2.putText(img, "on the floor", (cam[0] - round(80 * scale), cam[1] + round(h * 0.04) + round(34 * scale)),
                cv2.FONT_HERSHEY_DUPLEX, 0.9 * scale, (240, 240, 240), max(1, round(2 * scale)), cv2.LINE_AA)
    return img


class Placement:
    """The drawing, then each position checked on the live picture (a camera, or a file in real time)."""

    def __init__(self, *, routine: Routine, screen: Screen, voice: Voice, source: LiveSource,
                 estimator: PoseEstimator | None) -> None:
        assert estimator is not None  # made with the source
        self.routine, self.screen, self.voice = routine, screen, voice
        self.source, self.estimator = source, estimator

    def run(self) -> list[PositionChecked]:
        routine = self.routine
        self.voice.say(routine.say("placement_said"))
        self._drawing()
        return [self._check(position, exercise) for position, exercise in POSITIONS]

    def _drawing(self) -> None:
        lines = [(self.routine.say("placement_title"), TEXT, True), (self.routine.say("skip_wait"), TEXT, True)]
        if not self.screen.window:
            print(self.routine.say("placement_said"), flush=True)
            return
        picture = camera_drawing(self.screen.size)
        end = time.monotonic() + DRAWING_S
        while time.monotonic() < end:
            key = self.screen.show(self.screen.compose(picture, lines), 50)
            if key == ord("n"):
                return
            if key in (ord("q"), ESC):
                raise RoutineEnded(EndReason.KEY)

    def _check(self, position: str, exercise: str) -> PositionChecked:
        routine, source = self.routine, self.source
        spec = load_spec(exercise)
        check, smoother = SetupCheck(spec), PoseSmoother()
        asked = routine.say(f"placement_{position}")
        self.voice.say(asked)
        started = time.monotonic()
        said = None
        while time.monotonic() - started < CHECK_S:
            captured = source.frames.get(timeout=0.1)
            if captured is None:
                if source.frames.closed:  # the camera or the recording ended
                    break
                continue
            fits = check.update(smoother(self.estimator.detect(captured.rgb, captured.t), False),
                                (source.width, source.height))
            if check.message != said and not fits:
                said = check.message
                self.voice.say(said, Kind.PROMPT)
            picture = captured.rgb[:, ::-1] if source.mirror else captured.rgb
            if self._show(picture, asked, check.message, fits):
                return PositionChecked(position=position, fits=False, seconds=round(time.monotonic() - started, 1),
                                       still_wrong=routine.say("placement_skipped"))
            if fits:
                self.voice.say(routine.say("placement_fits"))
                return PositionChecked(position=position, fits=True, seconds=round(time.monotonic() - started, 1),
                                       still_wrong=None)
        return PositionChecked(position=position, fits=False, seconds=round(time.monotonic() - started, 1),
                               still_wrong=check.message)

    def _show(self, picture: np.ndarray, asked: str, message: str, fits: bool) -> bool:
        """The live picture with what to change; True when n skipped the check."""
        if not self.screen.window:
            return False
        image = picture.copy()
        self.screen.overlay.banner(image, message, GOOD if fits else TEXT)
        key = self.screen.show(self.screen.compose(image, [(asked, TEXT, True), (self.routine.say("skip_wait"),
                                                                                  TEXT, True)]), 1)
        if key in (ord("q"), ESC):
            raise RoutineEnded(EndReason.KEY)
        return key == ord("n")


def place_camera(routine: Routine, screen: Screen, voice: Voice, source: LiveSource,
                 estimator: PoseEstimator | None) -> list[dict]:
    """The placement step; each position checked, for the routine's report."""
    placement = Placement(routine=routine, screen=screen, voice=voice, source=source, estimator=estimator)
    return [checked.as_dict() for checked in placement.run()]
