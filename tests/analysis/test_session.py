"""The rep engine on generated landmark sequences: no video, no MediaPipe."""

import numpy as np
import pytest

from formcheck.analysis.session import Session
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import load_spec
from tests.builders import bridge_pose, bridge_reps

SIZE = (640, 480)


def run(samples, missing: tuple[float, float] | None = None, noise: float = 0.0, seed: int = 0):
    spec = load_spec("glute_bridge")
    session = Session(spec, SIZE)
    rng = np.random.default_rng(seed)
    for t, lift, top in samples:
        if missing and missing[0] <= t < missing[1]:
            frame = PoseFrame.empty(t)
        else:
            frame = bridge_pose(t, lift, top)
            if noise:
                frame = PoseFrame(t, frame.xy + rng.normal(0, noise, frame.xy.shape), frame.z,
                                  frame.visibility, frame.world)
        session.update(frame)
    session.finish()
    return session.results()


def test_clean_reps_are_counted_and_good():
    engine = run(bridge_reps(["good"] * 3))
    assert engine.rep_count == 3
    assert engine.good_reps == 3
    assert [r.faults for r in engine.reps] == [[], [], []]
    assert engine.warnings == []
    for rep in engine.reps:
        assert rep.start_s < rep.peak_s < rep.end_s
        assert rep.hold_s == pytest.approx(2.0, abs=0.6)


@pytest.mark.parametrize(
    ("top", "cue"),
    [("low", "hips_too_low"), ("high", "hips_too_high"), ("feet_far", "feet_too_far")],
)
def test_a_faulty_top_is_still_a_rep_with_its_fault(top, cue):
    engine = run(bridge_reps(["good", top, "good"]))
    assert engine.rep_count == 3
    assert [r.faults for r in engine.reps] == [[], [cue], []]
    assert engine.good_reps == 2
    (warning,) = engine.warnings
    assert warning.cue == cue and warning.rep == 2
    rep = engine.reps[1]
    assert rep.start_s <= warning.start_s < warning.end_s <= rep.end_s


def test_a_top_just_past_the_limit_is_shown_and_reported_as_not_judged():
    spec = load_spec("glute_bridge")
    session = Session(spec, SIZE)
    notes = {}
    for t, lift, top in bridge_reps(["good", "near_low", "good"]):
        notes[round(t, 2)] = session.update(bridge_pose(t, lift, top)).unjudged_note
    session.finish()
    reps = session.results().reps
    assert [r.faults for r in reps] == [[], [], []]
    assert [u.cue for u in reps[1].unjudged] == ["hips_too_low"]
    assert reps[1].unjudged[0].reason.startswith("too close to its limit to be sure (16")
    shown = sorted(t for t, note in notes.items() if note)
    assert set(notes[t] for t in shown) == {"Rep 2: could not judge the shoulder-hip-knee"}
    # from the end of rep 2, for a few seconds, never after rep 3 ended
    assert shown[0] == pytest.approx(reps[1].end_s, abs=0.05)
    assert shown[-1] < reps[2].end_s


def test_no_hold_at_top():
    engine = run(bridge_reps(["good"] * 3, hold_overrides={1: 0.0}))
    assert [r.faults for r in engine.reps] == [[], ["no_hold_at_top"], []]
    assert engine.reps[1].hold_s < 1.0 < engine.reps[0].hold_s


def test_jitter_at_the_threshold_never_counts_twice():
    # Hips hover right at the rep threshold with jitter, then a real rep follows.
    spec = load_spec("glute_bridge")
    session = Session(spec, SIZE)
    rng = np.random.default_rng(1)
    t = 0.0
    for _ in range(30):
        session.update(bridge_pose(t, 0.0))
        t += 1 / 30
    # lift 0.1 of the way up puts the drive at `enter`; jitter straddles it (above `exit`).
    for _ in range(150):
        session.update(bridge_pose(t, 0.1 + rng.uniform(-0.03, 0.03)))
        t += 1 / 30
    for sample_t, lift, top in bridge_reps(["good"], lead_s=0.0):
        session.update(bridge_pose(t + sample_t, max(lift, 0.0), top))
    session.finish()
    results = session.results()
    # The hover crosses `enter` again and again but never falls below `exit`: one short lift,
    # held (a rep with its hips far too low), then the real rep, clean.
    assert results.rep_count == 2
    assert [r.faults for r in results.reps] == [["hips_too_low"], []]
    assert results.reps[0].end_s <= results.reps[1].start_s


def test_noisy_landmarks_keep_exact_counts():
    engine = run(bridge_reps(["good", "low", "good", "good"]), noise=1.5)
    assert engine.rep_count == 4
    assert [r.faults for r in engine.reps] == [[], ["hips_too_low"], [], []]


def test_landmarks_lost_for_a_second_mid_rep():
    samples = bridge_reps(["good"] * 3)
    engine = run(samples, missing=(6.0, 7.0))  # the middle of rep 2's top and descent
    assert engine.rep_count == 3
    assert engine.good_reps == 3


def test_lost_landmarks_raise_body_not_visible_and_count_nothing():
    samples = [(i / 30, 0.0, "good") for i in range(30)]
    samples += [(1 + i / 30, 1.0, "good") for i in range(60)]
    engine = run(samples, missing=(0.5, 10.0))
    assert engine.rep_count == 0
    assert [(w.cue, w.rep) for w in engine.warnings] == [("body_not_visible", None)]
    assert engine.warnings[0].start_s == pytest.approx(0.5, abs=0.05)


def test_body_not_visible_when_the_hip_leaves_the_frame():
    spec = load_spec("glute_bridge")
    session = Session(spec, SIZE)
    for i in range(60):
        frame = bridge_pose(i / 30, 0.0)
        xy = frame.xy.copy()
        xy[:, 0] -= 260  # slide the body left: shoulder and hip out of frame
        session.update(PoseFrame(frame.t, xy, frame.z, frame.visibility, frame.world))
    session.finish()
    warnings = session.results().warnings
    assert [w.cue for w in warnings] == ["body_not_visible"]
    assert warnings[0].start_s == pytest.approx(0.0, abs=0.1)
