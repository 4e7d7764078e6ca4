"""The one smoothing of the landmarks: jitter calmed, a real movement followed closely, a cut
between shots starting afresh, a landmark that is missing kept missing."""

import dataclasses

import numpy as np

from formcheck.pose.filters import PoseSmoother
from formcheck.pose.landmarker import Landmark, PoseFrame
from tests.builders import bridge_pose, bridge_reps

HIP = Landmark.LEFT_HIP


def jittered(frame: PoseFrame, rng: np.random.Generator, px: float = 1.5) -> PoseFrame:
    return dataclasses.replace(frame, xy=frame.xy + rng.normal(0, px, frame.xy.shape))


def test_jitter_of_a_still_pose_is_calmed():
    rng = np.random.default_rng(0)
    smooth = PoseSmoother()
    still = bridge_pose(0.0, 0.0)
    raw, out = [], []
    for i in range(90):
        noisy = jittered(dataclasses.replace(still, t=i / 30), rng)
        raw.append(noisy.xy[HIP])
        out.append(smooth(noisy).xy[HIP])
    raw_sd, out_sd = np.std(raw[15:], axis=0), np.std(out[15:], axis=0)
    assert np.all(out_sd < 0.5 * raw_sd), (raw_sd, out_sd)
    assert np.allclose(np.mean(out[15:], axis=0), still.xy[HIP], atol=0.5)  # calmed, not shifted


def test_a_real_movement_is_followed_closely():
    """A bridge lifts the hip about 45 px in 1.2 s: the smoothed hip lags it by a few px at most
    and sits on the true top once the hip stops."""
    smooth = PoseSmoother()
    lags, lift_px = [], 0.0
    samples = bridge_reps(["good"])
    for t, lift, top in samples:
        truth = bridge_pose(t, lift, top)
        lags.append(float(np.linalg.norm(smooth(truth).xy[HIP] - truth.xy[HIP])))
        lift_px = max(lift_px, bridge_pose(0, 0).xy[HIP][1] - truth.xy[HIP][1])
    assert lift_px > 40
    assert max(lags) < 0.1 * lift_px
    top_end = max(i for i, (_, lift, _) in enumerate(samples) if lift == 1.0)
    assert lags[top_end] < 0.5


def test_a_cut_starts_afresh_instead_of_blending_two_shots():
    smooth = PoseSmoother()
    for i in range(30):
        smooth(bridge_pose(i / 30, 0.0))
    other_shot = dataclasses.replace(bridge_pose(1.0, 0.0), xy=bridge_pose(1.0, 0.0).xy + (150.0, -40.0))
    blended = PoseSmoother()
    for i in range(30):
        blended(bridge_pose(i / 30, 0.0))
    assert np.abs(blended(other_shot).xy - other_shot.xy).max() > 20  # without the cut: dragged behind
    assert np.array_equal(smooth(other_shot, cut=True).xy, other_shot.xy)


def test_a_frame_without_a_pose_passes_as_it_is():
    smooth = PoseSmoother()
    smooth(bridge_pose(0.0, 0.0))
    empty = PoseFrame.empty(1 / 30)
    assert smooth(empty) is empty


def test_a_missing_landmark_stays_missing_and_is_not_filled_from_the_past():
    smooth = PoseSmoother()
    for i in range(10):
        smooth(bridge_pose(i / 30, 0.0))
    frame = bridge_pose(10 / 30, 0.0)
    xy = frame.xy.copy()
    xy[Landmark.LEFT_ANKLE] = np.nan
    out = smooth(dataclasses.replace(frame, xy=xy))
    assert np.isnan(out.xy[Landmark.LEFT_ANKLE]).all()
    assert not out.detected


def test_only_the_positions_are_smoothed():
    rng = np.random.default_rng(1)
    smooth = PoseSmoother()
    smooth(bridge_pose(0.0, 0.0))
    frame = jittered(bridge_pose(1 / 30, 0.0), rng)
    out = smooth(frame)
    assert out.t == frame.t
    assert out.z is frame.z and out.visibility is frame.visibility
    assert not np.array_equal(out.xy, frame.xy)
