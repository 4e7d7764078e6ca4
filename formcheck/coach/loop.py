"""The live frame loop: newest frame, pose, coach, overlay, window, keys; shared by `live` and the routine."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from formcheck.analysis.session import FrameState
from formcheck.coach.window import WINDOW
from formcheck.pose.landmarker import PoseEstimator, PoseFrame
from formcheck.render.overlay import Overlay
from formcheck.video.live_sources import LiveSource

if TYPE_CHECKING:
    from formcheck.coach.live import LiveCoach, LiveOptions


class LoopHooks:
    """What a driver (the routine) adds to the frame loop; these defaults add nothing (`formcheck live`)."""

    def draw(self, coach: LiveCoach, image: np.ndarray) -> np.ndarray:
        return image

    def handle(self, coach: LiveCoach, frame: PoseFrame, state: FrameState | None, key: int) -> bool:
        """After each frame, with the key pressed (-1: none); True ends the loop (set `end_reason`)."""
        return False


def coach_loop(coach: LiveCoach, source: LiveSource, estimator: PoseEstimator, options: LiveOptions,
               hooks: LoopHooks | None = None) -> None:
    """Frames through the coach until q/Esc, Ctrl-C, the window closes, the source ends, `max_seconds`,
    or the hooks say so; `coach.end_reason` says which."""
    import cv2

    hooks = hooks or LoopHooks()
    overlay_for: dict[str, Overlay] = {}
    try:
        while True:
            if options.max_seconds and time.monotonic() - coach.stats.started > options.max_seconds:
                coach.end_reason = "time limit"
                break
            captured = source.frames.get(timeout=0.5)
            if captured is None:
                if source.frames.closed:
                    if source.frames.error is not None:
                        coach.failed = str(source.frames.error)
                        coach.end_reason = "source failed"
                    else:
                        coach.end_reason = "source ended"
                    break
                continue
            frame = coach.smooth(estimator.detect(captured.rgb, captured.t))
            had_session = coach.session
            banner, colour = coach.step(frame)
            image = captured.rgb.copy()
            state = None
            if coach.session is not None and not coach.paused:
                # a session that started on this frame was fed it with the replay
                state = coach.session.update(frame) if coach.session is had_session else \
                    coach.session.last_state
            if state is not None:
                coach.speak_events(state)
            spec = coach.spec
            overlay = overlay_for.setdefault(spec.id if spec else "", Overlay(spec, coach.size))
            image = overlay.draw(image, state, mirror=source.mirror, pose=frame)
            title = (spec.name + ("  (auto)" if coach.auto else "")) if spec else ""
            overlay.banner(image, banner or title, colour, top=banner is None)
            image = hooks.draw(coach, image)
            key = -1
            if options.window:
                cv2.imshow(WINDOW, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
                key = cv2.waitKey(1)
                key = -1 if key < 0 else key & 0xFF
                if key in (ord("q"), 27):
                    coach.end_reason = "key"
                    break
                if key == ord(" "):
                    coach.paused = not coach.paused
                elif key == ord("r"):
                    coach.reset()
                elif key == ord("m"):
                    coach.voice.muted = not coach.voice.muted
                if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                    coach.end_reason = "window closed"
                    break
            coach.stats.processed += 1
            coach.stats.latencies.append(time.monotonic() - captured.wall)
            if hooks.handle(coach, frame, state, key):
                break
    except KeyboardInterrupt:
        coach.end_reason = "ctrl-c"
