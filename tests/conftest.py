import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, labels


@pytest.fixture(scope="session")
def analyzed():
    """Analyze a committed clip once per test session (real MediaPipe, full model)."""
    from formcheck.analysis.analyze import analyze_video
    from formcheck.reports.report import build_report
    from formcheck.spec.specs import load_spec

    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            truth = labels(name)
            result = analyze_video(SAMPLES / f"{name}.mp4", load_spec(truth["exercise"]), "full")
            cache[name] = build_report(result.session, result.info, result.model, result.complete).as_dict()
        return cache[name]

    return get


@pytest.fixture(autouse=True)
def history_home(tmp_path, monkeypatch) -> Path:
    """Every test keeps its history in its own folder, never in the user's (subprocesses inherit it)."""
    home = tmp_path / "formcheck_home"
    monkeypatch.setenv("FORMCHECK_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def display():
    """A virtual screen for the live and routine windows; Xvfb says its number once it is ready."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (apt-get install xvfb); the window tests need it")
    ready, told = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(told), "-screen", "0", "1024x768x24"], pass_fds=(told,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(told)
    with os.fdopen(ready) as answer:
        number = answer.readline().strip()
    yield f":{number}"
    server.terminate()
    server.wait()
