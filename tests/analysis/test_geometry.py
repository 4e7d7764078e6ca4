import math

import numpy as np
import pytest

from formcheck.analysis import geometry
from formcheck.pose.filters import OneEuroFilter


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),
        ((1, 0), (0, 0), (-1, 0), 180.0),
        ((1, 0), (0, 0), (1, 1), 45.0),
    ],
)
def test_joint_angle_known_values(a, b, c, expected):
    assert geometry.joint_angle(np.array(a, float), np.array(b, float), np.array(c, float)) == \
        pytest.approx(expected)


def test_joint_angle_is_vectorised():
    a = np.array([[1, 0], [1, 0]], float)
    b = np.zeros((2, 2))
    c = np.array([[0, 1], [-1, 0]], float)
    np.testing.assert_allclose(geometry.joint_angle(a, b, c), [90.0, 180.0])


def test_signed_angle_tells_sagging_from_pushed_up():
    shoulder, knee = np.array([0.0, 100.0]), np.array([200.0, 0.0])
    on_line = np.array([100.0, 50.0])
    below = np.array([100.0, 80.0])  # larger y = lower in the image
    above = np.array([100.0, 20.0])
    assert geometry.signed_joint_angle(shoulder, on_line, knee) == pytest.approx(180.0, abs=1e-6)
    sag = geometry.signed_joint_angle(shoulder, below, knee)
    arch = geometry.signed_joint_angle(shoulder, above, knee)
    assert sag < 180 < arch
    # the same unsigned bend reads as a mirror image about 180
    low = np.array([100.0, 70.0])
    high = np.array([100.0, 30.0])
    assert 180 - geometry.signed_joint_angle(shoulder, low, knee) == pytest.approx(
        geometry.signed_joint_angle(shoulder, high, knee) - 180)


def test_side_of_line_is_positive_above_whatever_the_line_direction():
    a, c = np.array([0.0, 100.0]), np.array([100.0, 100.0])
    p = np.array([50.0, 90.0])  # 10 px above (smaller y)
    assert geometry.side_of_line(p, a, c) == pytest.approx(10.0)
    assert geometry.side_of_line(p, c, a) == pytest.approx(10.0)


def test_angle_from_vertical_and_horizontal():
    a = np.array([0.0, 0.0])
    assert geometry.angle_from_vertical(a, np.array([0.0, 10.0])) == pytest.approx(0.0)
    assert geometry.angle_from_vertical(a, np.array([10.0, 10.0])) == pytest.approx(45.0)
    assert geometry.angle_from_vertical(a, np.array([-10.0, -10 * math.sqrt(3)])) == pytest.approx(30.0)
    assert geometry.angle_from_horizontal(a, np.array([10.0, 0.0])) == pytest.approx(0.0)


def test_one_euro_keeps_a_constant_signal():
    f = OneEuroFilter()
    x = np.array([[3.0, 4.0]])
    for i in range(10):
        out = f(i / 30, x)
    np.testing.assert_allclose(out, x)


def test_one_euro_reduces_jitter_and_follows_a_step():
    rng = np.random.default_rng(0)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    raw = 100 + rng.normal(0, 2.0, 300)
    out = np.array([f(i / 30, np.array([v]))[0] for i, v in enumerate(raw)])
    assert np.std(out[30:]) < 0.5 * np.std(raw[30:])
    g = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    step = [g(i / 30, np.array([0.0 if i < 30 else 10.0]))[0] for i in range(120)]
    assert step[29] == 0.0 and 9.5 < step[-1] <= 10.0


def test_one_euro_restarts_after_missing_values():
    f = OneEuroFilter()
    f(0.0, np.array([1.0]))
    assert np.isnan(f(0.1, np.array([np.nan]))[0])
    assert f(0.2, np.array([50.0]))[0] == pytest.approx(50.0)


def test_one_euro_rejects_bad_parameters():
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0)


def test_a_reading_outside_what_a_body_can_do_is_dropped():
    import dataclasses

    from formcheck.analysis.measures import MeasureComputer
    from formcheck.spec.specs import load_spec
    from tests.builders import bridge_pose

    spec = load_spec("glute_bridge")
    line = dataclasses.replace(spec.measures["hip_line"], plausible=(100.0, 170.0))
    computer = MeasureComputer(dataclasses.replace(spec, measures=spec.measures | {"hip_line": line}))
    resting, straight = (computer(bridge_pose(0.0, lift), (640, 480))["hip_line"] for lift in (0.0, 1.0))
    assert 100 < resting < 170
    assert math.isnan(straight)  # 180 at the top: outside [100, 170]
