"""The pose frame and the model bundles: MediaPipe's normalised landmarks become pixels of the
frame (right on non-square frames), no pose is NaN, a bundle that is missing or broken is named."""

import os
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import (
    N_LANDMARKS,
    Landmark,
    PoseFrame,
    model_label,
    quiet_stderr,
    resolve_model,
)


def result(points, world=True, visibility=0.9):
    """What PoseLandmarker returns for one pose: normalised x, y (0..1 of the frame), z, visibility."""
    marks = [SimpleNamespace(x=x, y=y, z=0.01 * i, visibility=visibility) for i, (x, y) in enumerate(points)]
    worlds = [[SimpleNamespace(x=0.1, y=0.2, z=0.3)] * N_LANDMARKS] if world else []
    return SimpleNamespace(pose_landmarks=[marks], pose_world_landmarks=worlds)


def test_normalised_landmarks_become_pixels_of_a_non_square_frame():
    points = [(i / 40, 1 - i / 40) for i in range(N_LANDMARKS)]
    frame = PoseFrame.from_mediapipe(1.5, result(points), 640, 360)
    assert frame.t == 1.5 and frame.detected
    assert frame.xy[Landmark.LEFT_HIP] == pytest.approx((23 / 40 * 640, (1 - 23 / 40) * 360))
    assert frame.z[Landmark.LEFT_HIP] == pytest.approx(0.23)
    assert np.all(frame.visibility == 0.9)
    assert frame.world.shape == (N_LANDMARKS, 3) and frame.world[0] == pytest.approx((0.1, 0.2, 0.3))


def test_a_square_angle_stays_square_on_a_wide_frame():
    """Normalised coordinates squash a wide frame; pixels do not: a right angle reads as one."""
    w, h = 640, 360
    points = [(0.5, 0.5)] * N_LANDMARKS
    points[Landmark.LEFT_HIP] = (300 / w, 200 / h)
    points[Landmark.LEFT_KNEE] = (400 / w, 200 / h)
    points[Landmark.LEFT_ANKLE] = (400 / w, 300 / h)
    xy = PoseFrame.from_mediapipe(0.0, result(points), w, h).xy
    thigh, shin = xy[Landmark.LEFT_HIP] - xy[Landmark.LEFT_KNEE], xy[Landmark.LEFT_ANKLE] - xy[Landmark.LEFT_KNEE]
    assert float(np.dot(thigh, shin)) == pytest.approx(0.0, abs=1e-6)


def test_no_pose_is_an_empty_frame():
    frame = PoseFrame.from_mediapipe(2.0, SimpleNamespace(pose_landmarks=[], pose_world_landmarks=[]), 640, 480)
    assert not frame.detected and frame.t == 2.0
    assert np.isnan(frame.xy).all() and np.all(frame.visibility == 0)


def test_missing_visibility_and_world_landmarks_are_unknown_not_invented():
    frame = PoseFrame.from_mediapipe(0.0, result([(0.5, 0.5)] * N_LANDMARKS, world=False, visibility=None),
                                     640, 480)
    assert np.all(frame.visibility == 0.0)
    assert np.isnan(frame.world).all()


def test_one_missing_landmark_means_no_pose():
    xy = np.ones((N_LANDMARKS, 2))
    xy[Landmark.RIGHT_HEEL] = np.nan
    assert not PoseFrame.from_arrays(0.0, xy).detected
    assert PoseFrame.from_arrays(0.0, np.ones((N_LANDMARKS, 2))).detected


@pytest.mark.parametrize(("xy", "vis", "message"), [
    (np.zeros((17, 2)), np.zeros(N_LANDMARKS), r"xy must have shape \(33, 2\), got \(17, 2\)"),
    (np.zeros((N_LANDMARKS, 3)), np.zeros(N_LANDMARKS), r"xy must have shape \(33, 2\), got \(33, 3\)"),
    (np.zeros((N_LANDMARKS, 2)), np.zeros(17), r"visibility must have shape \(33,\), got \(17,\)"),
])
def test_a_frame_of_the_wrong_shape_is_refused(xy, vis, message):
    with pytest.raises(ValueError, match=message):
        PoseFrame.from_arrays(0.0, xy, vis)


@pytest.mark.parametrize("name", ["lite", "full"])
def test_the_bundled_models_are_found_whole(name):
    path = resolve_model(name)
    assert path.name == f"pose_landmarker_{name}.task" and path.is_file()
    assert {"pose_detector.tflite", "pose_landmarks_detector.tflite"} <= set(zipfile.ZipFile(path).namelist())


def test_the_heavy_model_when_not_built_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setattr("formcheck.pose.landmarker.models_dir", lambda: tmp_path)  # a models folder without it
    with pytest.raises(FormcheckError) as refused:
        resolve_model("heavy")
    assert str(refused.value) == (f"pose model not found: {tmp_path / 'pose_landmarker_heavy.task'} (rebuild the "
                                  "bundled models with: python models/build_models.py --heavy, or pass a .task file)")


def test_a_missing_model_is_named_with_how_to_get_it(tmp_path):
    path = tmp_path / "mine.task"
    with pytest.raises(FormcheckError) as refused:
        resolve_model(str(path))
    assert str(refused.value) == (f"pose model not found: {path} (rebuild the bundled models with: "
                                  "python models/build_models.py, or pass a .task file)")


def test_a_file_that_is_no_bundle_is_broken(tmp_path):
    path = tmp_path / "mine.task"
    path.write_bytes(b"not a zip")
    with pytest.raises(FormcheckError, match=rf"^pose model {path} is broken \(File is not a zip file\); rebuild"):
        resolve_model(str(path))


def test_a_bundle_without_its_landmark_model_is_incomplete(tmp_path):
    path = tmp_path / "mine.task"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("pose_detector.tflite", b"model")
    with pytest.raises(FormcheckError, match=rf"^pose model {path} is incomplete; rebuild"):
        resolve_model(str(path))


def test_a_model_is_named_in_reports_by_its_bundle():
    assert model_label("full") == "pose_landmarker_full"
    assert model_label("/models/my_pose.task") == "my_pose"


def test_native_chatter_on_stderr_is_kept_off_the_terminal(capfd):
    with quiet_stderr():
        os.write(2, b"W0000 00:00 gl_context.cc: chatter\n")
    os.write(2, b"ours\n")
    assert capfd.readouterr().err == "ours\n"
