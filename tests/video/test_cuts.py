"""Cuts between shots: a jump to another scene is one, the camera panning slowly or a person
moving in the shot is not."""

import av
import cv2
import numpy as np

from formcheck.video.cuts import CutDetector
from tests.helpers import SAMPLES


def room(seed: int, w: int = 480, h: int = 360) -> np.ndarray:
    """A wide smooth scene (blotches of colour), wider than the frame so a camera can pan over it."""
    noise = np.random.default_rng(seed).integers(0, 255, (h, w, 3)).astype(np.float32)
    img = cv2.GaussianBlur(noise, (0, 0), 12)
    return ((img - img.min()) / (img.max() - img.min()) * 255).astype(np.uint8)


def cuts(frames) -> list[int]:
    detect = CutDetector()
    return [i for i, rgb in enumerate(frames) if detect(np.ascontiguousarray(rgb))]


def test_a_hard_cut_between_two_scenes_is_found_at_its_frame():
    assert cuts([room(1)] * 20 + [room(2)] * 20) == [20]


def test_the_first_frame_starts_no_shot():
    assert cuts([room(1)]) == []


def test_a_pan_is_not_a_cut():
    """The camera turned across the room, slowly (2 px a frame) and briskly (8 px: 240 px a second)."""
    scene = room(1, w=1400)
    for step in (2, 8):
        assert cuts([scene[:, x:x + 480] for x in range(0, 110 * step, step)]) == [], step


def clip(name: str, n: int) -> list[np.ndarray]:
    with av.open(str(SAMPLES / f"{name}.mp4")) as container:
        frames = []
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == n:
                return frames
    return frames


def test_a_person_exercising_is_not_a_cut_and_a_jump_to_another_take_is():
    bridge, other = clip("bridge_mixed", 60), clip("bridge_body2_right", 5)
    assert cuts(bridge) == []
    assert cuts(bridge + other) == [len(bridge)]
