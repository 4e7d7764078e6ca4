"""The engine frame by frame: the events of every frame, provisional and final verdicts, and
where frame-wise cue episodes land. Streams of measures, no video."""

import numpy as np
import pytest

from formcheck.analysis.engine import Engine, Event, EventKind, Unjudged
from formcheck.analysis.engine.cues import Debounce
from formcheck.analysis.engine.cycle import CycleTracker, Step
from formcheck.analysis.statistics import STATISTICS, TopSample
from formcheck.spec.specs import load_spec
from tests.builders import CAT_COW_BASE, LUNGE_BASE, cat_cow_rep, frames, hold, still

FPS = 30.0
VIEW_OK = {"visible": 1.0, "side_spread": 0.1, "front_leg": 1.0}
BRIDGE_POSITION = {"face_up": 0.2, "torso_tilt": 80.0, "thigh_tilt": 45.0, "shin_drop": 0.9}  # on the back, knees bent



def rep_event(index: int) -> Event:
    return Event(kind=EventKind.REP, name="rep", index=index)

def bridge_stream(lifts: list[float], top_s: float = 2.0, base: dict | None = None) -> list[tuple[float, dict]]:
    """hip_lift rises to each lift, stays `top_s`, comes back; the other bridge measures sit still."""
    rest = {"hip_lift": 0.0, "hip_line": 140.0, "knee": 90.0} | BRIDGE_POSITION | (base or {})
    segments = [still(1.0, hip_lift=0.0)]
    for lift in lifts:
        segments += [(1.0, {"hip_lift": (0.0, lift), "hip_line": (140.0, 180.0)}),
                     (top_s, {"hip_lift": (lift, lift), "hip_line": (180.0, 180.0)}),
                     (1.0, {"hip_lift": (lift, 0.0), "hip_line": (180.0, 140.0)}), still(1.0, hip_lift=0.0)]
    return frames(segments, rest)


def events_per_frame(exercise: str, stream, extra: dict | None = None) -> tuple[Engine, list[list[Event]]]:
    engine = Engine(load_spec(exercise))
    per_frame = [engine.update(t, VIEW_OK | values | (extra or {})) for t, values in stream]
    return engine, per_frame


def test_a_rep_is_one_event_on_the_frame_it_ends():
    stream = bridge_stream([0.4, 0.4])
    engine, per_frame = events_per_frame("glute_bridge", stream)
    frames_with_events = [(round(stream[i][0], 2), ev) for i, ev in enumerate(per_frame) if ev]
    assert [ev for _, ev in frames_with_events] == [[rep_event(1)], [rep_event(2)]]
    # each ends on the way down, once the lift is back under `exit`, never at the top
    for t, _ in frames_with_events:
        rep = next(r for r in engine.reps if abs(r.end_s - t) < 0.02)
        assert rep.top_end_s < rep.end_s


def test_a_fault_is_an_event_of_its_rep():
    stream = bridge_stream([0.4])
    stream = [(t, v | {"hip_line": 150.0}) if v["hip_lift"] > 0.3 else (t, v) for t, v in stream]
    _, per_frame = events_per_frame("glute_bridge", stream)
    assert [ev for ev in per_frame if ev] == [[rep_event(1), Event(kind=EventKind.CUE, name="hips_too_low", index=1)]]


def test_a_verdict_against_the_persons_best_is_provisional_until_the_end():
    # Rep 1 is hunched against the best so far; rep 2 is the relaxed neutral.
    base = CAT_COW_BASE | {"ear_gap": 0.25}
    stream = frames([still(1.5, head_pitch=-15.0, ear_gap=0.25)] + cat_cow_rep(ear_gap=0.25)
                    + cat_cow_rep(ear_gap=0.35), base)
    engine, per_frame = events_per_frame("cat_cow", stream)
    cues = [e for ev in per_frame for e in ev if e.kind == "cue"]
    assert all(e.provisional for e in cues if e.name == "shoulders_hunched")
    # never on screen while it could still change
    assert "shoulders_hunched" not in engine.shown
    engine.finish(stream[-1][0])
    assert [r.faults for r in engine.reps] == [["shoulders_hunched"], []]


@pytest.mark.parametrize(("hip_line", "faults", "unjudged"), [
    (155.0, ["hips_too_low"], []),  # clearly short of the line: said
    (162.0, [], [Unjudged(cue="hips_too_low", reason="too close to its limit to be sure (162 deg against 165 deg)")]),
    (170.0, [], []),  # within the limit
])
def test_a_fault_is_said_only_when_clearly_past_its_limit(hip_line, faults, unjudged):
    stream = bridge_stream([0.4])
    stream = [(t, v | {"hip_line": hip_line}) if v["hip_lift"] > 0.3 else (t, v) for t, v in stream]
    engine, per_frame = events_per_frame("glute_bridge", stream)
    (rep,) = engine.reps
    assert (rep.faults, rep.unjudged) == (faults, unjudged)
    assert [e.name for ev in per_frame for e in ev if e.kind == "cue"] == faults  # nothing else spoken


def test_a_ratio_to_the_persons_best_near_its_limit_is_left_unjudged():
    # Rep 1 relaxed; rep 2's ear gap just past the limit, not past the limit minus the margin.
    cue = load_spec("cat_cow").cue("shoulders_hunched")
    ratio = round(cue.below - cue.margin / 2, 3)
    stream = frames([still(1.5, head_pitch=-15.0, ear_gap=0.3)] + cat_cow_rep(ear_gap=0.3)
                    + cat_cow_rep(ear_gap=0.3 * ratio), CAT_COW_BASE | {"ear_gap": 0.3})
    engine, _ = events_per_frame("cat_cow", stream)
    engine.finish(stream[-1][0])
    assert [r.faults for r in engine.reps] == [[], []]
    assert engine.reps[1].unjudged == [Unjudged(
        cue="shoulders_hunched", reason=f"too close to its limit to be sure ({ratio:.3g} against {cue.below:.3g})")]


def test_a_lone_rep_is_not_judged_against_itself():
    stream = frames([still(1.5, head_pitch=-15.0)] + cat_cow_rep(ear_gap=0.25), CAT_COW_BASE)
    engine, _ = events_per_frame("cat_cow", stream)
    engine.finish(stream[-1][0])
    (rep,) = engine.reps
    assert rep.faults == []
    assert rep.unjudged == [Unjudged(cue="shoulders_hunched", reason="there is no other rep to compare with")]


def test_cues_at_the_top_are_not_judged_when_the_view_is_wrong():
    # The hips stop far short, but the camera sees the body end-on during the top.
    stream = bridge_stream([0.4])
    stream = [(t, v | {"hip_line": 150.0, "side_spread": 0.9}) if v["hip_lift"] > 0.3 else (t, v) for t, v in stream]
    engine, _ = events_per_frame("glute_bridge", stream)
    (rep,) = engine.reps
    assert rep.faults == []
    assert {u.cue for u in rep.unjudged} == {"hips_too_low", "hips_too_high", "feet_too_far"}
    assert {u.reason for u in rep.unjudged} == {"the camera did not see the body from the side"}


def test_an_episode_inside_a_cycle_too_short_to_count_is_not_given_to_the_next_rep():
    # A 0.6 s blip of the hips (under min_rep_s) while the view is wrong, then a real rep.
    rest = {"hip_lift": 0.0, "hip_line": 180.0, "knee": 90.0} | BRIDGE_POSITION
    stream = frames([still(1.0, hip_lift=0.0), (0.3, {"hip_lift": (0.0, 0.2)}), (0.3, {"hip_lift": (0.2, 0.0)}),
                     still(1.5, hip_lift=0.0)], rest)
    stream = [(t, v | {"side_spread": 0.9 if t < 1.3 else 0.1}) for t, v in stream]
    offset = stream[-1][0] + 1 / FPS
    stream += [(t + offset, v) for t, v in bridge_stream([0.4])]
    engine = Engine(load_spec("glute_bridge"))
    for t, values in stream:
        engine.update(t, VIEW_OK | values)
    engine.finish(stream[-1][0])
    assert engine.rep_count == 1
    assert [(w.cue, w.rep) for w in engine.warnings] == [("wrong_view", None)]


def test_a_hold_still_going_when_the_video_ends_is_kept():
    stream = frames([still(1.0)] + hold(22.0)[:2], LUNGE_BASE)  # sink and hold, never back
    engine = Engine(load_spec("deep_lunge_hip_flexor"))
    for t, values in stream:
        engine.update(t, VIEW_OK | values)
    assert engine.holds == []
    engine.finish(stream[-1][0])
    assert [(h.side, h.faults) for h in engine.holds] == [("left", [])]
    assert engine.holds[0].seconds == pytest.approx(22.0, abs=1.0)


def test_the_hold_clock_stops_while_the_posture_is_wrong():
    stream = frames([still(1.0)] + hold(21.0, lean=25.0), LUNGE_BASE)
    engine = Engine(load_spec("deep_lunge_hip_flexor"))
    paused = []
    for t, values in stream:
        engine.update(t, VIEW_OK | values)
        paused.append(engine.clock_paused)
    assert sum(paused) / FPS == pytest.approx(21.0, abs=1.5)
    assert engine.good_form_s == 0.0  # reset with the hold that ended
    assert engine.holds[0].good_form_s < 1.0


def test_cycle_steps_in_order():
    tracker = CycleTracker(load_spec("glute_bridge"))
    steps = [tracker.update(t, v) for t, v in bridge_stream([0.4], top_s=2.0)]
    seen = [s for i, s in enumerate(steps) if s is not Step.NONE and (i == 0 or s is not steps[i - 1])]
    assert seen == [Step.STARTED, Step.AT_TOP, Step.LEFT_TOP, Step.ENDED]


def test_debounce_needs_persistence_to_switch_on():
    d = Debounce(0.5)
    changes = [d.update(i / 10, failing=i < 8) for i in range(12)]
    assert changes == [None] * 5 + ["on", None, None, "off", None, None, None]


@pytest.mark.parametrize(("stat", "expected"), [("median", 1.55), ("change", 1.05), ("vs_best", 0.3875),
                                               ("range", 1.62)])
def test_statistics_over_the_top(stat, expected):
    times = np.round(np.arange(0, 3.0, 0.1), 3)
    values = times.copy()
    values[12] = np.nan  # an unseen frame inside the top is left out
    sample = TopSample(times, values, (0.5, 2.5), setup=0.5, best=4.0)
    # inside the top: 0.5..2.5 without 1.2, twenty values; range is the 10th to 90th percentile
    assert STATISTICS[stat](sample) == pytest.approx(expected, abs=1e-3)



def test_a_movement_out_of_the_exercise_position_is_not_counted():
    # The same hip drive, but the body stands upright (a squat seen as a bridge).
    standing = {"torso_tilt": 5.0}
    engine, per_frame = events_per_frame("glute_bridge", bridge_stream([0.4, 0.4], base=standing))
    engine.finish(100.0)
    assert engine.reps == []
    assert [e for ev in per_frame for e in ev] == [Event(kind=EventKind.NOT_COUNTED, name="not_in_position")] * 2
    assert [n.reason for n in engine.not_counted] == ["not_in_position"] * 2


def test_the_same_movement_in_position_counts():
    engine, _ = events_per_frame("glute_bridge", bridge_stream([0.4, 0.4], base=BRIDGE_POSITION))
    assert engine.rep_count == 2 and engine.not_counted == []


def test_a_cut_ends_the_rep_in_progress_uncounted():
    stream = bridge_stream([0.4, 0.4], base=BRIDGE_POSITION)
    engine = Engine(load_spec("glute_bridge"))
    cut_at = 3.0  # the middle of rep 1's top
    for t, values in stream:
        if abs(t - cut_at) < 0.5 / FPS:
            assert engine.cut(t) == [Event(kind=EventKind.NOT_COUNTED, name="cut")]
        engine.update(t, VIEW_OK | values)
    engine.finish(stream[-1][0])
    assert engine.rep_count == 1 and engine.reps[0].start_s > cut_at
    assert [(n.reason, n.end_s) for n in engine.not_counted] == [("cut", pytest.approx(cut_at, abs=0.05))]


def test_cut_detector_sees_a_jump_between_shots_not_a_movement():
    from formcheck.video.cuts import CutDetector

    rng = np.random.default_rng(0)
    scene = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    moved = scene.copy()
    moved[40:80, 60:90] = 255 - moved[40:80, 60:90]  # a limb moving: a small part changes
    other = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    other[:60] = 0  # another shot
    detect = CutDetector()
    assert [detect(scene), detect(scene), detect(moved), detect(other)] == [False, False, False, True]
