import copy
import functools
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"


def labels(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def analyzed():
    """Analyze a committed clip once per test session (real MediaPipe, full model)."""
    from formcheck.analysis import analyze_video
    from formcheck.report import build_report
    from formcheck.specs import load_spec

    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            truth = labels(name)
            result = analyze_video(SAMPLES / f"{name}.mp4", load_spec(truth["exercise"]), "full")
            cache[name] = build_report(result.session, result.info, result.model, result.complete)
        return cache[name]

    return get


@pytest.fixture(autouse=True)
def history_home(tmp_path, monkeypatch) -> Path:
    """Every test keeps its history in its own folder, never in the user's (subprocesses inherit it)."""
    home = tmp_path / "formcheck_home"
    monkeypatch.setenv("FORMCHECK_HOME", str(home))
    return home


def bridge_report(tops: list[str], path: str = "gone/bridge.mp4") -> tuple[dict, dict]:
    """A real report and measure series from the engine on generated bridge landmarks (no video)."""
    return copy.deepcopy(_bridge_report(tuple(tops), path))


@functools.cache
def _bridge_report(tops: tuple[str, ...], path: str) -> tuple[dict, dict]:
    from formcheck.report import build_report, measure_series
    from formcheck.session import Session
    from formcheck.sources import VideoInfo
    from formcheck.specs import load_spec
    from tests.builders import bridge_pose, bridge_reps

    session = Session(load_spec("glute_bridge"), (640, 480))
    for t, lift, top in bridge_reps(list(tops)):
        session.update(bridge_pose(t, lift, top))
    session.finish()
    info = VideoInfo(path, 30.0, session.frames, round(session.last_t, 3), 640, 480)
    return build_report(session, info, "pose_landmarker_full", True), measure_series(session)


def lunge_report(holds: list[tuple[float, float, float]]) -> dict:
    """A real report from the engine on generated lunge measures: (seconds, front_leg, torso lean) a hold."""
    return copy.deepcopy(_lunge_report(tuple(holds)))


@functools.cache
def _lunge_report(holds: tuple[tuple[float, float, float], ...]) -> dict:
    from formcheck.pose import PoseFrame
    from formcheck.report import build_report
    from formcheck.session import Session
    from formcheck.sources import VideoInfo
    from formcheck.specs import load_spec
    from tests.builders import eased

    fps = 30.0
    base = {"visible": 1.0, "side_spread": 0.1, "front_knee": 90.0, "torso_lean": 2.0, "front_shin": 26.0}
    stream = []
    for seconds, leg, lean in holds:
        for span, thigh in ((2.5, (3.0, 32.0)), (seconds, (32.0, 32.0)), (2.0, (32.0, 3.0)), (2.0, (3.0, 3.0))):
            n = round(span * fps)
            held = thigh[0] == thigh[1] == 32.0
            stream += [base | {"front_leg": leg, "torso_lean": lean if held else 2.0,
                               "rear_thigh": thigh[0] + (thigh[1] - thigh[0]) * eased(i / n)} for i in range(n)]
    # The session's own measures are replaced by this stream: the frames carry no landmarks.
    session = Session(load_spec("deep_lunge_hip_flexor"), (640, 480))
    values = iter(stream)
    session.measures = lambda frame, size: next(values)
    for i in range(len(stream)):
        session.update(PoseFrame.empty(i / fps))
    session.finish()
    info = VideoInfo("gone/lunge.mp4", fps, session.frames, round(session.last_t, 3), 640, 480)
    return build_report(session, info, "pose_landmarker_full", True)
