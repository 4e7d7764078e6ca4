"""Drawing: skeleton, the judged angle at its joint, the correction, counters. Reads, never decides."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from formcheck.analysis.session import FrameState
from formcheck.pose.landmarker import SKELETON, PoseFrame
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import Mode

# Colours are RGB: frames are drawn before the H.264 encoder, which takes RGB.
GOOD = (60, 220, 90)
BAD = (255, 70, 60)
BONE = (235, 235, 235)
TEXT = (255, 255, 255)
UNSURE = (255, 210, 60)  # could not judge: neither good nor a fault
PANEL = (20, 20, 20)
FONT = cv2.FONT_HERSHEY_DUPLEX


def fit_scale(text: str, scale: float, limit: float) -> float:
    """The largest scale up to `scale` at which `text` is at most `limit` pixels wide (the font's width
    is not quite proportional to its scale, so shrunk in steps)."""
    for _ in range(8):
        width = cv2.getTextSize(text, FONT, scale, max(1, round(scale * 2)))[0][0]
        if width <= limit or not width:
            break
        scale *= max(limit / width, 0.5) * 0.99
    return scale


class Overlay:
    """Style is fixed at construction from the frame size, so text is large on any video: the counts
    and corrections about 1/19 of the picture's height (40 px on a 768 px screen), read from a mat 3 m
    away. `live`: a correction leaves with its rep (a recording keeps it a moment, to be read)."""

    def __init__(self, spec: ExerciseSpec | None, size: tuple[int, int], live: bool = False) -> None:
        self.spec, self.live = spec, live
        w, h = size
        self.unit = max(h, w * 0.75) / 480.0  # 1.0 at 640x480
        self.thick = max(1, round(2 * self.unit))
        self.big = 1.6 * self.unit
        self.small = 1.0 * self.unit
        self.step = round(54 * self.unit)  # from one line of big text to the next
        self.width = w

    def _text(self, img: np.ndarray, text: str, org: tuple[int, int], scale: float,
              colour=TEXT, panel: bool = True) -> int:
        """Draws text on a dark panel; returns the panel's bottom y."""
        thick = max(1, round(scale * 2))
        (tw, th), base = cv2.getTextSize(text, FONT, scale, thick)
        x, y = org
        pad = round(6 * self.unit)
        if panel:
            sub = img[max(y - th - pad, 0):y + base + pad, max(x - pad, 0):x + tw + pad]
            sub[:] = (sub * 0.35 + np.array(PANEL) * 0.65).astype(img.dtype)
        cv2.putText(img, text, (x, y), FONT, scale, colour, thick, cv2.LINE_AA)
        return y + base + pad

    def _fit(self, text: str, scale: float) -> float:
        """Shrinks the scale until the text fits the frame width."""
        return fit_scale(text, scale, self.width - 24 * self.unit)

    def draw(self, img: np.ndarray, state: FrameState | None, mirror: bool = False,
             pose: PoseFrame | None = None) -> np.ndarray:
        """Draws the state (or, before counting starts, just the skeleton of `pose`).

        `mirror` flips the picture, as a webcam view should be, and the drawing with it; the
        text stays readable.
        """
        if mirror:
            img = np.ascontiguousarray(img[:, ::-1])
            flip = np.array([self.width, 0.0])
            if state is not None:
                xy = state.pose.xy * (-1, 1) + flip
                state = replace(state, pose=replace(state.pose, xy=xy),
                                points={k: p * (-1, 1) + flip for k, p in state.points.items()})
            if pose is not None:
                pose = replace(pose, xy=pose.xy * (-1, 1) + flip)
        if state is None:
            if pose is not None and pose.detected:
                self._draw_skeleton(img, pose)
            return img
        faulty_joints = {c.joint for c in state.cues if c.joint}
        if state.pose.detected and self.spec is not None:
            self._draw_skeleton(img, state.pose)
            for name in self.spec.key_points:
                p = state.points[name]
                colour = BAD if name in faulty_joints else GOOD
                cv2.circle(img, (int(p[0]), int(p[1])), round(5 * self.unit), colour, -1, cv2.LINE_AA)
            self._draw_angle(img, state, faulty_joints)
        bottom = self._draw_counters(img, state)
        if state.unjudged_note:
            note = state.unjudged_note
            self._text(img, note, (round(12 * self.unit), bottom + round(34 * self.unit)),
                       self._fit(note, self.small), UNSURE)
        self._draw_cues(img, state)
        return img

    def _draw_skeleton(self, img: np.ndarray, pose: PoseFrame) -> None:
        for a, b in SKELETON:
            pa, pb = pose.xy[a], pose.xy[b]
            cv2.line(img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), BONE, self.thick, cv2.LINE_AA)

    def banner(self, img: np.ndarray, text: str, colour=TEXT, top: bool = False) -> np.ndarray:
        """A message across the frame: the setup instructions, or the exercise name (top right)."""
        if not text:
            return img
        lines = self._wrap(text, self.big)
        step = self.step
        if top:
            scale = self.small
            width = cv2.getTextSize(text, FONT, scale, max(1, round(scale * 2)))[0][0]
            self._text(img, text, (self.width - width - round(12 * self.unit), round(30 * self.unit)), scale)
            return img
        y = img.shape[0] // 2 - step * (len(lines) - 1) // 2
        for line in lines:
            self._text(img, line, (round(12 * self.unit), y), self._fit(line, self.big), colour)
            y += step
        return img

    def _draw_angle(self, img: np.ndarray, state: FrameState, faulty: set[str]) -> None:
        spec = self.spec
        assert spec is not None
        m = spec.measures.get(spec.display_measure)
        value = state.values.get(spec.display_measure, float("nan"))
        if m is None or not math.isfinite(value):  # a built-in measure has no joints to draw it at
            return
        colour = BAD if spec.display_joint in faulty else GOOD
        r = round(28 * self.unit)
        label = f"{value:.0f}deg" if m.unit == "deg" else f"{value:.2f}"  # a ratio of lengths
        if len(m.points) < 3:  # a line's tilt: no angle between two lines to draw, the value at its start
            start = state.points[m.points[0]]
            self._text(img, label, (int(start[0]) + r, int(start[1]) - r), self.small, colour)
            return
        a, b, c = (state.points[p] for p in m.points[:3])
        ang_a = math.degrees(math.atan2(a[1] - b[1], a[0] - b[0]))
        ang_c = math.degrees(math.atan2(c[1] - b[1], c[0] - b[0]))
        sweep = (ang_c - ang_a) % 360
        if sweep > 180:  # draw the inner arc
            ang_a, sweep = ang_c, 360 - sweep
        centre = (int(b[0]), int(b[1]))
        cv2.ellipse(img, centre, (r, r), 0, ang_a, ang_a + sweep, colour, self.thick, cv2.LINE_AA)
        self._text(img, label, (centre[0] + r, centre[1] - r), self.small, colour)

    def _draw_counters(self, img: np.ndarray, state: FrameState) -> int:
        """Returns the y below them."""
        assert self.spec is not None
        x = round(12 * self.unit)
        y = round(48 * self.unit)
        line = round(46 * self.unit)
        if self.spec.mode is Mode.REPS:
            y = self._text(img, f"REPS {state.rep_count}   GOOD {state.good_reps}", (x, y), self.big)
            if state.top_s > 0:
                y = self._text(img, f"HOLD {state.top_s:.1f}s", (x, y + line), self.big, GOOD)
            return y
        rs = self.spec.cycle
        target = rs.target_s or 0.0
        if rs.side_from is not None:
            summary = "   ".join(f"{side.upper()} {state.side_seconds[side]:.0f}s" if side in state.side_seconds
                                  else f"{side.upper()} --" for side in rs.sides)
            y = self._text(img, summary, (x, y), self.big)
        if state.phase.at_top:
            label = rs.side_name(state.hold_side).upper() + " " if state.hold_side else ""
            text = f"{label}{state.good_form_s:4.1f} / {target:.0f}s" + ("  PAUSED" if state.clock_paused else "")
            colour = BAD if state.clock_paused else GOOD
            y = self._text(img, text, (x, y + line), self.big, colour)
            if target:
                self._bar(img, (x, y + round(4 * self.unit)), min(state.good_form_s / target, 1.0), colour)
                y += round(18 * self.unit)
        return y

    def _bar(self, img: np.ndarray, org: tuple[int, int], fraction: float, colour) -> None:
        w, h = round(220 * self.unit), round(14 * self.unit)
        x, y = org
        cv2.rectangle(img, (x, y), (x + w, y + h), TEXT, max(1, self.thick // 2))
        cv2.rectangle(img, (x, y), (x + round(w * fraction), y + h), colour, -1)

    def _wrap(self, text: str, scale: float) -> list[str]:
        """Splits a message into lines that fit the frame at this scale (big text, not small)."""
        thick = max(1, round(scale * 2))
        limit = self.width - 24 * self.unit
        lines: list[str] = []
        for word in text.split():
            trial = f"{lines[-1]} {word}" if lines else word
            if lines and cv2.getTextSize(trial, FONT, scale, thick)[0][0] <= limit:
                lines[-1] = trial
            else:
                lines.append(word)
        return lines

    def _draw_cues(self, img: np.ndarray, state: FrameState) -> None:
        """The newest correction, large, at the bottom; nothing else competes with it."""
        cues = [c for c in state.cues if c.view or state.phase != "rest"] if self.live else state.cues
        if not cues:
            return
        lines = self._wrap(cues[0].message, self.big)
        step = self.step
        y = img.shape[0] - round(16 * self.unit) - step * (len(lines) - 1)
        for text in lines:
            self._text(img, text, (round(12 * self.unit), y), self._fit(text, self.big), BAD)
            y += step
