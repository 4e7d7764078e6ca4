"""MediaPipe PoseLandmarker (Tasks API, VIDEO mode) and the PoseFrame it produces."""

from __future__ import annotations

import os
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np

from formcheck import stop_signals
from formcheck.errors import FormcheckError
from formcheck.resources import models_dir

N_LANDMARKS = 33
MODEL_NAMES = ("lite", "full", "heavy")
REBUILD_HINT = "rebuild the bundled models with: python models/build_models.py"


class Landmark(IntEnum):
    """MediaPipe's 33 pose landmarks, in index order."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Bones drawn as the skeleton (pairs of landmarks), face left out.
SKELETON = tuple(
    (Landmark[a], Landmark[b])
    for a, b in [
        ("LEFT_SHOULDER", "RIGHT_SHOULDER"), ("LEFT_HIP", "RIGHT_HIP"),
        ("LEFT_SHOULDER", "LEFT_HIP"), ("RIGHT_SHOULDER", "RIGHT_HIP"),
        ("LEFT_SHOULDER", "LEFT_ELBOW"), ("LEFT_ELBOW", "LEFT_WRIST"),
        ("RIGHT_SHOULDER", "RIGHT_ELBOW"), ("RIGHT_ELBOW", "RIGHT_WRIST"),
        ("LEFT_HIP", "LEFT_KNEE"), ("LEFT_KNEE", "LEFT_ANKLE"),
        ("RIGHT_HIP", "RIGHT_KNEE"), ("RIGHT_KNEE", "RIGHT_ANKLE"),
        ("LEFT_ANKLE", "LEFT_HEEL"), ("LEFT_HEEL", "LEFT_FOOT_INDEX"),
        ("LEFT_ANKLE", "LEFT_FOOT_INDEX"),
        ("RIGHT_ANKLE", "RIGHT_HEEL"), ("RIGHT_HEEL", "RIGHT_FOOT_INDEX"),
        ("RIGHT_ANKLE", "RIGHT_FOOT_INDEX"),
        ("LEFT_EAR", "LEFT_SHOULDER"), ("RIGHT_EAR", "RIGHT_SHOULDER"),
    ]
)


@dataclass(frozen=True)
class PoseFrame:
    """One frame's pose. `xy` is in pixels, so angles are right on non-square frames."""

    t: float
    xy: np.ndarray  # (33, 2) pixels; NaN when no pose was found
    z: np.ndarray  # (33,) MediaPipe's relative depth, in the units of normalized x
    visibility: np.ndarray  # (33,) 0..1
    world: np.ndarray  # (33, 3) metres, hip-centred

    @property
    def torso_px(self) -> float:
        """Shoulders (their middle) to hips (their middle) in the picture: the unit of body-relative lengths."""
        xy = self.xy
        shoulders = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2
        return float(np.linalg.norm(shoulders - (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2))

    def __post_init__(self) -> None:
        if self.xy.shape != (N_LANDMARKS, 2):
            raise ValueError(f"xy must have shape (33, 2), got {self.xy.shape}")
        if self.visibility.shape != (N_LANDMARKS,):
            raise ValueError(f"visibility must have shape (33,), got {self.visibility.shape}")

    @property
    def detected(self) -> bool:
        return bool(np.isfinite(self.xy).all())

    @classmethod
    def empty(cls, t: float) -> PoseFrame:
        nan = np.full(N_LANDMARKS, np.nan)
        return cls(t, np.full((N_LANDMARKS, 2), np.nan), nan, np.zeros(N_LANDMARKS),
                   np.full((N_LANDMARKS, 3), np.nan))

    @classmethod
    def from_arrays(cls, t: float, xy: np.ndarray, visibility: np.ndarray | None = None) -> PoseFrame:
        """A PoseFrame from pixel coordinates alone (tests, replays)."""
        xy = np.asarray(xy, dtype=float)
        vis = np.ones(N_LANDMARKS) if visibility is None else np.asarray(visibility, dtype=float)
        return cls(t, xy, np.zeros(N_LANDMARKS), vis, np.full((N_LANDMARKS, 3), np.nan))

    @classmethod
    def from_mediapipe(cls, t: float, result, width: int, height: int) -> PoseFrame:
        if not result.pose_landmarks:
            return cls.empty(t)
        lms = result.pose_landmarks[0]
        arr = np.array([(p.x, p.y, p.z, p.visibility or 0.0) for p in lms], dtype=float)
        xy = arr[:, :2] * (width, height)
        world = (np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]], dtype=float)
                 if result.pose_world_landmarks else np.full((N_LANDMARKS, 3), np.nan))
        return cls(t, xy, arr[:, 2], arr[:, 3], world)


def resolve_model(model: str) -> Path:
    """`lite`, `full`, `heavy` or a path to a .task bundle; checks the bundle is whole."""
    path = models_dir() / f"pose_landmarker_{model}.task" if model in MODEL_NAMES else Path(model)
    if not path.is_file():
        hint = f"{REBUILD_HINT} --heavy" if model == "heavy" else REBUILD_HINT  # not built by default
        raise FormcheckError(f"pose model not found: {path} ({hint}, or pass a .task file)")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormcheckError(f"pose model {path} is broken ({exc}); {REBUILD_HINT}") from None
    needed = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    if bad is not None or not needed <= names:
        raise FormcheckError(f"pose model {path} is incomplete; {REBUILD_HINT}")
    return path


def model_label(model: str) -> str:
    return f"pose_landmarker_{model}" if model in MODEL_NAMES else Path(model).stem


@contextmanager
def quiet_stderr():
    """C++ layers (MediaPipe, OpenCV) log chatter to fd 2; keep the terminal for our own output."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _close_landmarker(landmarker) -> None:
    try:
        landmarker.close()
    except RuntimeError:
        pass  # a graph that failed cannot close cleanly; nothing is left to save
    finally:
        # PoseLandmarker.__del__ closes again at exit and, after a failed close, prints a traceback.
        landmarker._handle = None


def _image(rgb: np.ndarray):
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


class PeopleCounter:
    """How many people a frame shows (up to two): the lite model in IMAGE mode, asked now and then.

    A second pose in the VIDEO graph would run the person detector on every frame, which
    `bench/two_people.py` measures at well over twice the time per frame; this is one detection
    per check instead.
    """

    def __init__(self, fallback_model: str) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        try:
            path = resolve_model("lite")
        except FormcheckError:  # a models folder without the lite bundle: the model in use counts
            path = resolve_model(fallback_model)
        options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(path)),
                                               running_mode=vision.RunningMode.IMAGE, num_poses=2)
        with quiet_stderr():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)

    def count(self, rgb: np.ndarray) -> int:
        with quiet_stderr():
            return len(self._landmarker.detect(_image(rgb)).pose_landmarks)

    def close(self) -> None:
        _close_landmarker(self._landmarker)


class PoseEstimator:
    """PoseLandmarker in VIDEO mode; use as a context manager so the graph is closed."""

    def __init__(self, model: str = "full") -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.path = path = resolve_model(model)
        self._options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=path.read_bytes()),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
        )
        self._landmarker = None
        self._open()

    def _open(self) -> None:
        from mediapipe.tasks.python import vision

        try:
            with stop_signals.uninterrupted(), quiet_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(self._options)
                # The first frame initialises the delegates, which log too.
                self._landmarker.detect_for_video(_image(np.zeros((64, 64, 3), np.uint8)), 0)
        except (RuntimeError, ValueError) as exc:
            self.close()
            raise FormcheckError(f"pose model {self.path} could not be loaded ({exc}); {REBUILD_HINT}") from None
        except KeyboardInterrupt:  # a stop that waited for the load: nothing left open behind it
            self.close()
            raise
        self._last_ms = 0
        self._quiet_until_pose = True

    def restart(self) -> None:
        """Ready the loaded model for a new clip, whose timestamps start at 0 again.

        MediaPipe's graph keeps state across frames that no input resets (the tracked pose, the
        smoothing of landmarks and of their visibility), so a clip after another gets a new graph
        on the model already in memory: the same landmarks as a fresh estimator, at a fraction of
        its start-up (imports, reading the model, the first delegate set-up happen once).
        """
        if self._last_ms:
            self._landmarker.close()
            self._open()

    def detect(self, rgb: np.ndarray, t: float) -> PoseFrame:
        # VIDEO mode needs strictly increasing integer milliseconds.
        ms = max(int(round(t * 1000)), self._last_ms + 1)
        self._last_ms = ms
        image = _image(rgb)
        try:
            if self._quiet_until_pose:
                # MediaPipe logs a one-time warning at its first non-square pose region.
                with quiet_stderr():
                    result = self._landmarker.detect_for_video(image, ms)
                self._quiet_until_pose = not result.pose_landmarks
            else:
                result = self._landmarker.detect_for_video(image, ms)
        except RuntimeError as exc:  # a bundle whose models load but do not fit together
            raise FormcheckError(f"pose model {self.path} failed on a frame ({exc}); {REBUILD_HINT}") from None
        return PoseFrame.from_mediapipe(t, result, rgb.shape[1], rgb.shape[0])

    def close(self) -> None:
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            _close_landmarker(landmarker)

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
