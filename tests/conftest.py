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
