"""Still pictures for the HTML report: taken at each rep's peak (each hold's middle) and drawn
with that rep's own counts and faults; none when the recording is not at hand."""

import base64

import cv2
import numpy as np
import pytest

from formcheck.render.overlay import BAD
from formcheck.render.stills import WIDTH, moments, top_pictures
from formcheck.spec.specs import load_spec
from tests.helpers import SAMPLES, bridge_report, labels, lunge_report


def test_a_picture_is_taken_at_each_reps_peak():
    report = bridge_report(["good", "low"])[0]
    assert moments(report) == {1: report["reps"][0]["peak_s"], 2: report["reps"][1]["peak_s"]}


def test_a_hold_is_pictured_in_its_middle():
    report = lunge_report([(21.0, 1.0, 2.0), (15.0, 0.0, 25.0)])
    assert moments(report) == {h["index"]: pytest.approx((h["start_s"] + h["end_s"]) / 2) for h in report["holds"]}


def test_no_recording_at_hand_gives_no_pictures(tmp_path):
    report = bridge_report(["good"])[0]
    spec = load_spec("glute_bridge")
    assert top_pictures(report, spec, tmp_path / "gone.mp4") == {}
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    assert top_pictures(report, spec, broken) == {}
    assert top_pictures(report | {"reps": []}, spec, SAMPLES / "bridge_mixed.mp4") == {}  # nothing to picture


def decoded(picture: str) -> np.ndarray:
    bgr = cv2.imdecode(np.frombuffer(base64.b64decode(picture), np.uint8), cv2.IMREAD_COLOR)
    return bgr[:, :, ::-1]


@pytest.mark.slow
def test_each_rep_is_pictured_with_its_own_faults():
    """The committed clip's true reps as the report: the rep with low hips shows the correction."""
    truth = labels("bridge_mixed")
    report = truth | {"model": "pose_landmarker_lite"}
    pictures = top_pictures(report, load_spec("glute_bridge"), SAMPLES / "bridge_mixed.mp4")
    assert sorted(pictures) == [r["index"] for r in truth["reps"]]
    for index, picture in pictures.items():
        image = decoded(picture)
        assert image.shape == (round(truth["height"] * WIDTH / truth["width"]), WIDTH, 3)
        faults = truth["reps"][index - 1]["faults"]
        red = np.all(np.abs(image.astype(int) - BAD) < 50, axis=-1)[int(0.8 * image.shape[0]):]
        shown = red.sum() > 100  # the correction, large, across the bottom
        assert shown == bool({"hips_too_low", "hips_too_high", "feet_too_far"} & set(faults)), (index, faults)
