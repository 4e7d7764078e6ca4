"""The engine's general capabilities on generated measure streams, one exercise each: two-sided
drives (cat-cow), falling drives and steadiness (leg press), comparisons with the person's own
values (prone), holds with sides and a paused clock (lunge)."""

import pytest

from formcheck.analysis.engine import Engine, Unjudged
from formcheck.spec.specs import load_spec
from tests.builders import CAT_COW_BASE, LUNGE_BASE, cat_cow_rep, frames, hold, still


def run(exercise, stream):
    engine = Engine(load_spec(exercise))
    for t, values in stream:
        engine.update(t, {"visible": 1.0, "side_spread": 0.1, "front_leg": 1.0} | values)
    engine.finish(stream[-1][0])
    return engine


def test_cat_cow_counts_one_rep_per_cow_and_cat():
    stream = frames([still(1.5, head_pitch=-15.0)] + cat_cow_rep() * 3, CAT_COW_BASE)
    engine = run("cat_cow", stream)
    assert engine.rep_count == 3 and engine.good_reps == 3
    first = engine.reps[0]
    assert first.start_s < 2.0  # the rep starts with the cow, not at the cat
    assert first.metrics["range"] == pytest.approx(95, abs=3)


def test_cat_cow_shallow_range_and_hunched_shoulders():
    segments = [still(1.5, head_pitch=-15.0)] + cat_cow_rep() + cat_cow_rep(depth=0.3) + \
        cat_cow_rep(ear_gap=0.25) + cat_cow_rep()
    engine = run("cat_cow", frames(segments, CAT_COW_BASE))
    assert [r.faults for r in engine.reps] == [[], ["shallow_range"], ["shoulders_hunched"], []]


def test_cat_cow_hunch_is_judged_against_the_best_clean_rep_even_if_it_comes_later():
    # The session starts hunched; the relaxed neutral is only seen in rep 2.
    base = CAT_COW_BASE | {"ear_gap": 0.25}
    segments = [still(1.5, head_pitch=-15.0, ear_gap=0.25)] + cat_cow_rep(ear_gap=0.25) + cat_cow_rep(ear_gap=0.35)
    engine = run("cat_cow", frames(segments, base))
    assert [r.faults for r in engine.reps] == [["shoulders_hunched"], []]
    assert [w.cue for w in engine.warnings] == ["shoulders_hunched"]


LEG_PRESS_BASE = {"hand_to_knee": 1.3, "knee": 88.0, "thigh_tilt": 3.0, "thigh_sway": 3.0, "head_pitch": -5.0,
                  "face_up": 0.15, "torso_tilt": 85.0, "shin_tilt": 85.0}


def press(seconds, crunch=True, sway=0.0):
    head = -28.0 if crunch else -5.0
    up = (1.2, {"hand_to_knee": (1.3, 0.25), "head_pitch": (-5.0, head)})
    hold = [(0.3, {"hand_to_knee": (0.25, 0.25), "head_pitch": (head, head),
                   "thigh_sway": (3.0 + (sway if i % 2 else -sway), 3.0 + (-sway if i % 2 else sway))})
            for i in range(round(seconds / 0.3))]
    down = (1.2, {"hand_to_knee": (0.25, 1.3), "head_pitch": (head, -5.0)})
    return [up, *hold, down, still(1.2, hand_to_knee=1.3)]


def test_leg_press_counts_presses_and_times_each_hold():
    stream = frames([still(1.0, hand_to_knee=1.3)] + press(6.0) + press(2.4) + press(6.0, crunch=False)
                    + press(6.0, sway=3.0), LEG_PRESS_BASE)
    engine = run("table_top_leg_press", stream)
    assert engine.rep_count == 4
    assert [r.faults for r in engine.reps] == [[], ["hold_too_short"], ["no_crunch"], ["body_moving"]]
    assert engine.reps[0].hold_s == pytest.approx(6.0, abs=0.6)
    assert engine.reps[1].hold_s == pytest.approx(2.4, abs=0.6)


PRONE_BASE = {"chest_lift": 0.0, "head_pitch": -38.0, "ankle_rise": 0.0, "ear_gap": 0.30, "hip": 180.0,
              "arm_tilt": 70.0, "face_up": -0.1, "torso_tilt": 85.0, "thigh_tilt": 85.0, "knee": 175.0}


def lift(top_s=1.5, head=10.0, ankle=0.0, gap=0.39):
    moves = {"chest_lift": (0.0, 0.3), "head_pitch": (-38.0, head), "ankle_rise": (0.0, ankle), "ear_gap": (0.30, gap)}
    back = {k: (b, a) for k, (a, b) in moves.items()}
    held = {k: (b, b) for k, (a, b) in moves.items()}
    return [(1.5, moves), (top_s, held), (1.5, back), still(1.0, chest_lift=0.0)]


def test_prone_chest_lift_faults():
    stream = frames([still(1.5)] + lift() + lift(head=35.0) + lift(ankle=0.2) + lift(top_s=0.0)
                    + lift(gap=0.30), PRONE_BASE)
    engine = run("prone_chest_lift", stream)
    assert [r.faults for r in engine.reps] == [[], ["neck_not_neutral"], ["legs_lifted"], ["no_pause_at_top"],
                                               ["shoulders_hunched"]]


def test_lunge_holds_per_side_with_faults_and_a_paused_clock():
    stream = frames([still(1.0)] + hold(21.0) + hold(21.0, leg=0.0, lean=25.0) + hold(9.0, shin=-1.0),
                    LUNGE_BASE)
    engine = run("deep_lunge_hip_flexor", stream)
    assert engine.rep_count == 0
    assert [(h.side, sorted(h.faults)) for h in engine.holds] == [
        ("left", []), ("right", ["torso_leaning"]), ("left", ["front_knee_not_over_ankle", "hold_too_short"])]
    first, leaning, _ = engine.holds
    assert first.seconds == pytest.approx(21.0, abs=1.0)
    assert first.good_form_s == pytest.approx(first.seconds, abs=1.0)
    assert leaning.good_form_s < 2.0  # the clock stood still while the torso leaned


@pytest.mark.parametrize("glitches", [[(12.0, 5.0)], [(0.7, -20.0), (12.0, 12.0)], [(12.0, 5.0), (12.033, 4.0)]])
def test_a_stray_pose_estimate_neither_ends_a_hold_nor_sets_the_rest(glitches):
    # One or two frames whose back thigh reads near the rest (the pose model's legs mixed up for
    # an instant), in the stretch or before it: still one hold of the whole stay.
    stream = frames([still(1.0)] + hold(21.0), LUNGE_BASE)
    for at, value in glitches:
        i = min(range(len(stream)), key=lambda k: abs(stream[k][0] - at))
        stream[i] = (stream[i][0], stream[i][1] | {"rear_thigh": value})
    (only,) = run("deep_lunge_hip_flexor", stream).holds
    assert only.seconds == pytest.approx(21.0, abs=1.0)


def test_a_lunge_hold_that_sags_slowly_is_timed_from_the_sink_to_the_return():
    # Settled at 32 degrees, the back thigh sags to 29 over 20 s, then the return: the peak's
    # band (2 degrees) alone would end the hold 7 s into the sag.
    sag = [(20.0, {"rear_thigh": (32.0, 29.0), "front_shin": (26.0, 26.0), "front_leg": (1.0, 1.0)})]
    sink, _, back, after = hold(20.0)
    back = (2.0, {"rear_thigh": (29.0, 3.0), "front_shin": (26.0, 2.0), "front_leg": (1.0, 1.0)})
    stream = frames([still(1.0), sink, *sag, back, after], LUNGE_BASE)
    (only,) = run("deep_lunge_hip_flexor", stream).holds
    assert only.start_s == pytest.approx(3.5, abs=0.3)
    assert only.seconds == pytest.approx(20.0, abs=0.5)


def test_a_movement_made_with_a_hand_raised_is_a_signal_not_a_rep():
    # Lying on the back with an arm up, the hips read lifted: a bridge-sized "rep" while the hand is up.
    lifted = [(1.2, {"hip_lift": (0.0, 0.07)}), still(6.0, hip_lift=0.07), (1.2, {"hip_lift": (0.07, 0.0)})]
    base = {"hip_lift": 0.0, "hip_line": 150.0, "knee": 85.0, "face_up": 0.2, "torso_tilt": 75.0,
            "thigh_tilt": 45.0, "shin_drop": 0.9}
    for hand_up, counted in ((0.0, 1), (1.0, 0)):
        stream = frames([still(1.0), *lifted, still(1.5)], base | {"hand_up": hand_up})
        engine = run("glute_bridge", stream)
        assert engine.rep_count == counted
        assert [n.reason for n in engine.not_counted] == ([] if counted else ["hand_raised"])


def test_lunge_passing_through_the_stretch_is_not_a_hold():
    stream = frames([still(1.0), (1.0, {"rear_thigh": (3.0, 30.0)}), (1.0, {"rear_thigh": (30.0, 3.0)}),
                     still(2.0)], LUNGE_BASE)
    assert run("deep_lunge_hip_flexor", stream).holds == []


def test_a_lunge_hold_whose_front_shin_is_never_measured_is_not_judged_on_it():
    # The pose model mixed the legs up over the whole stretch: no believable front shin.
    stream = frames([still(1.0)] + hold(21.0, shin=float("nan")), LUNGE_BASE)
    engine = run("deep_lunge_hip_flexor", stream)
    (only,) = engine.holds
    assert only.faults == []
    assert only.unjudged == [Unjudged(cue="front_knee_not_over_ankle",
                                      reason="it could not be measured (joints hidden, or the pose estimate was off)")]
