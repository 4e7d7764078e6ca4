"""The overlay, judged on its pixels: the skeleton and joints in their colours where the joints
are, the correction large at the bottom, the counters, nothing beyond the frame, no skeleton
without a pose."""

import dataclasses

import numpy as np
import pytest

from formcheck.analysis.engine import Phase
from formcheck.analysis.session import FrameState, Session
from formcheck.pose.landmarker import SKELETON, PoseFrame
from formcheck.render.overlay import BAD, BONE, GOOD, TEXT, UNSURE, Overlay
from formcheck.spec.specs import load_spec
from tests.builders import bridge_pose, bridge_reps

W, H = 640, 480


@pytest.fixture(scope="module")
def states() -> list[FrameState]:
    """A good rep, a rep whose hips stop short, then one too close to call (a note follows it)."""
    session = Session(load_spec("glute_bridge"), (W, H))
    return [session.update(bridge_pose(t, lift, top)) for t, lift, top in bridge_reps(["good", "low", "near_low"])]


@pytest.fixture
def good(states) -> FrameState:
    return next(s for s in states if s.phase is Phase.TOP and not s.cues)


@pytest.fixture
def faulty(states) -> FrameState:
    return next(s for s in states if s.cues and s.top_s > 0.5)


def draw(state, size=(W, H), spec="glute_bridge", **kw) -> np.ndarray:
    w, h = size
    return Overlay(load_spec(spec), size).draw(np.zeros((h, w, 3), np.uint8), state, **kw)


def near(img: np.ndarray, colour, tol: int = 30) -> np.ndarray:
    """Where the picture has this colour (anti-aliased edges are a little off it)."""
    return np.all(np.abs(img.astype(int) - colour) <= tol, axis=-1)


def text_lines(mask: np.ndarray) -> list[tuple[int, int]]:
    """(top, bottom) rows of each run of rows that have text pixels."""
    rows = np.flatnonzero(mask.any(axis=1))
    runs, start = [], rows[0]
    for a, b in zip(rows, rows[1:], strict=False):
        if b > a + 1:
            runs.append((start, a))
            start = b
    return [*runs, (start, rows[-1])]


def test_joints_are_drawn_where_they_are_green_when_right(good):
    img = draw(good)
    for name in load_spec("glute_bridge").key_points:
        x, y = good.points[name].astype(int)
        assert tuple(img[y, x]) == GOOD, name
    assert not near(img, BAD, 10).any()  # no fault, no red anywhere


def test_the_skeleton_is_drawn_along_its_bones(good):
    img = draw(good)
    bone = near(img, BONE, 25)
    drawn = 0
    for a, b in SKELETON:
        mid = (good.pose.xy[a] + good.pose.xy[b]) / 2
        x, y = mid.astype(int)
        drawn += bone[y - 2:y + 3, x - 2:x + 3].any()
    # a bone's middle may sit under a joint's dot, the angle label or the large counters
    assert drawn >= len(SKELETON) - 4
    far_from_body = bone.copy()
    far_from_body[100:320, 40:400] = False
    assert not far_from_body[120:, :].any()  # bones only around the body (the counters are above)


def test_the_faulty_joint_turns_red_and_the_others_stay_green(faulty):
    assert [c.name for c in faulty.cues] == ["hips_too_low"]
    img = draw(faulty)
    x, y = faulty.points["hip"].astype(int)
    assert tuple(img[y, x]) == BAD
    for name in ("shoulder", "knee", "ankle"):
        x, y = faulty.points[name].astype(int)
        assert tuple(img[y, x]) == GOOD, name


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
def test_the_correction_is_large_at_the_bottom(faulty, size):
    """Read from a mat 2-3 m away: capital letters about a twentieth of the picture's height."""
    w, h = size
    scale = h / H
    xy = faulty.pose.xy * scale
    state = dataclasses.replace(faulty, pose=dataclasses.replace(faulty.pose, xy=xy),
                                points={k: p * scale for k, p in faulty.points.items()})
    img = draw(state, size)
    red = near(img, BAD, 40)
    red[: int(0.7 * h)] = False  # the joint and its angle are red too; the correction is below them
    lines = text_lines(red)
    assert 2 <= len(lines) <= 3  # the message wrapped in large text, every line inside the frame
    tallest = max(bottom - top + 1 for top, bottom in lines)
    assert tallest >= 0.05 * h, f"correction text {tallest} px high on a {h} px frame"
    assert lines[-1][1] < h - 4  # the last line is whole, above the bottom edge


def test_the_counters_show_the_counts(good, faulty):
    img = draw(faulty)
    white = near(img, TEXT, 20)
    assert white[: int(0.12 * H), : W // 2].sum() > 300  # "REPS 1   GOOD 1", large, top left
    assert (faulty.rep_count, faulty.good_reps) == (1, 1)
    more = draw(dataclasses.replace(faulty, rep_count=12, good_reps=11))
    assert (near(more, TEXT, 20)[: int(0.12 * H)] != white[: int(0.12 * H)]).any()
    green = near(img, GOOD, 20)[int(0.1 * H): int(0.2 * H), : W // 2]
    assert green.sum() > 200  # "HOLD 0.8s" under the counts, in green, while the top is held
    resting = draw(dataclasses.replace(faulty, top_s=0.0, cues=[]))
    assert not near(resting, GOOD, 20)[int(0.1 * H): int(0.2 * H), : W // 2].any()


def test_a_long_correction_is_wrapped_inside_the_frame(faulty):
    long = dataclasses.replace(faulty.cues[0], message="Lift your hips until shoulders, hips and knees are in "
                               "one straight line, and keep them there for the whole hold at the top")
    for w, h in ((640, 480), (320, 240)):
        state = dataclasses.replace(faulty, cues=[long], pose=PoseFrame.empty(faulty.t), points={})
        img = draw(state, (w, h))
        red = near(img, BAD, 40)
        cols = np.flatnonzero(red.any(axis=0))
        assert cols[0] > 0 and cols[-1] < w - 4, (w, cols[-1])  # no word runs off the right edge
        lines = text_lines(red)
        assert len(lines) >= 3 and lines[-1][1] < h - 2


def test_joints_beyond_the_border_draw_nothing_outside_and_do_not_fail(good):
    shifted = good.pose.xy + (500, 0)  # the body half out of the picture on the right
    state = dataclasses.replace(good, pose=dataclasses.replace(good.pose, xy=shifted),
                                points={k: p + (500, 0) for k, p in good.points.items()})
    img = draw(state)
    assert img.shape == (H, W, 3)
    assert near(img, BONE, 25)[:, 540:].any()  # the part still in the picture is drawn


def test_a_frame_without_a_pose_draws_no_skeleton_but_the_counters(good):
    state = dataclasses.replace(good, pose=PoseFrame.empty(good.t), points={}, values={})
    img = draw(state)
    assert not near(img, BONE, 25)[int(0.3 * H):].any()  # under the large counters
    assert not near(img, GOOD, 20)[int(0.3 * H):].any()
    assert near(img, TEXT, 20)[: int(0.12 * H)].sum() > 300
    before_counting = Overlay(load_spec("glute_bridge"), (W, H)).draw(np.zeros((H, W, 3), np.uint8), None,
                                                                      pose=PoseFrame.empty(0.0))
    assert not before_counting.any()


def test_before_counting_only_the_skeleton_is_drawn(good):
    img = Overlay(load_spec("glute_bridge"), (W, H)).draw(np.zeros((H, W, 3), np.uint8), None, pose=good.pose)
    assert near(img, BONE, 25).sum() > 200
    assert not near(img, GOOD, 20).any() and not img[: int(0.1 * H), : W // 3].any()  # no dots, no counters


def test_the_unjudged_note_is_shown_in_its_own_colour(states):
    noted = next(s for s in states if s.unjudged_note)
    assert noted.unjudged_note == "Rep 3: could not judge the shoulder-hip-knee"
    img = draw(noted)
    assert near(img, UNSURE, 20)[int(0.1 * H): int(0.25 * H)].sum() > 200
    assert not near(draw(dataclasses.replace(noted, unjudged_note=None)), UNSURE, 20).any()


def test_a_long_unjudged_note_is_shrunk_to_fit_the_width(states):
    noted = next(s for s in states if s.unjudged_note)
    long = "Rep 3: could not judge the shoulder-hip-knee, the knee, the hold at the top, the feet"
    img = draw(dataclasses.replace(noted, unjudged_note=long))
    cols = np.flatnonzero(near(img, UNSURE, 40)[: int(0.3 * H)].any(axis=0))
    assert cols[-1] < W - 4 and cols[-1] - cols[0] > 0.8 * W  # the whole note, as wide as fits


def test_a_mirrored_view_flips_the_body_but_not_the_text(good):
    plain, mirrored = draw(good), draw(good, mirror=True)
    for name in load_spec("glute_bridge").key_points:
        x, y = good.points[name].astype(int)
        assert tuple(plain[y, x]) == GOOD and tuple(plain[y, W - x]) != GOOD
        assert (near(mirrored, GOOD, 0)[y - 1:y + 2, W - x - 1:W - x + 2]).any(), name
    counters = (slice(0, int(0.1 * H)), slice(0, W // 2))
    assert np.array_equal(mirrored[counters], plain[counters])  # readable, not mirror writing


def longest_run(row: np.ndarray) -> int:
    edges = np.diff(np.concatenate([[0], row.astype(int), [0]]))
    return int(max(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1), default=0))


def hold_state(good: FrameState, **changes) -> FrameState:
    state = dataclasses.replace(good, pose=PoseFrame.empty(good.t), points={}, values={}, phase=Phase.TOP,
                                hold_side="left", side_seconds={"left": 21.0}, cues=[])
    return dataclasses.replace(state, **changes)


@pytest.mark.parametrize("seconds", [5.0, 10.0, 20.0])
def test_the_hold_clock_bar_fills_with_the_good_form_seconds(good, seconds):
    img = draw(hold_state(good, good_form_s=seconds), spec="deep_lunge_hip_flexor")
    green = near(img, GOOD, 0)[: int(0.4 * H)]
    filled = max(longest_run(row) for row in green)  # the bar's fill: text has no long strokes
    full = 220  # the bar's width at 640x480
    assert filled == pytest.approx(full * min(seconds / 20.0, 1.0), abs=3)


def test_a_paused_hold_clock_is_red(good):
    running = draw(hold_state(good, good_form_s=8.0), spec="deep_lunge_hip_flexor")
    paused = draw(hold_state(good, good_form_s=8.0, clock_paused=True), spec="deep_lunge_hip_flexor")
    top = slice(0, int(0.4 * H))
    assert near(running, GOOD, 20)[top].sum() > 500 and not near(running, BAD, 20)[top].any()
    assert near(paused, BAD, 20)[top].sum() > 500 and not near(paused, GOOD, 20)[top].any()


def shown_as(measure: str) -> tuple[Overlay, list[FrameState]]:
    """The bridge with another of its measures on screen (a spec may pick any as `display.measure`)."""
    spec = dataclasses.replace(load_spec("glute_bridge"), display_measure=measure)
    session = Session(spec, (W, H))
    rising = [sample for sample in bridge_reps(["good"]) if sample[0] < 2.6]  # from rest to the top of a rep
    return Overlay(spec, (W, H)), [session.update(bridge_pose(t, lift, top)) for t, lift, top in rising]


def label_span(overlay: Overlay, state: FrameState, joint: str) -> int:
    """How wide the measure's label is, up and right of `joint` (28 px out: past the arc)."""
    img = overlay.draw(np.zeros((H, W, 3), np.uint8), state)
    x, y = state.points[joint].astype(int)
    cols = np.flatnonzero(near(img, GOOD, 40)[y - 28 - 20: y - 28 + 4, x + 28:].any(axis=0))
    return int(cols[-1] - cols[0]) if len(cols) else 0


def test_a_line_tilt_on_screen_is_labelled_at_its_start():
    overlay, states = shown_as("thigh_tilt")  # hip -> knee from vertical: two points
    resting = states[0]
    assert 10 < resting.values["thigh_tilt"] < 100
    assert label_span(overlay, resting, "hip") > 40  # "44deg"


def test_a_ratio_on_screen_shows_its_decimals():
    overlay, states = shown_as("hip_lift")  # in body lengths, 0 at rest .. about 0.4 at the top
    top = max(states, key=lambda s: s.values["hip_lift"])
    assert 0.3 < top.values["hip_lift"] < 0.6
    assert label_span(overlay, top, "shoulder") > 35  # "0.47" (at the middle of its points), not a bare "0"


def test_a_built_in_measure_on_screen_draws_the_skeleton_and_no_angle():
    overlay, states = shown_as("side_spread")
    img = overlay.draw(np.zeros((H, W, 3), np.uint8), states[0])
    assert near(img, BONE, 25).sum() > 200
