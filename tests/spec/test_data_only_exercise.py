"""A new exercise is a TOML file and nothing else: `tests/specs/bridge_hold.toml` runs through
analyze (report, summary, annotated video) and live, with real MediaPipe."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import pytest

from formcheck.spec.specs import load_spec, specs_dir
from tests.helpers import SAMPLES, TEST_SPECS, labels

pytestmark = pytest.mark.slow


@pytest.fixture
def spec_env(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(specs_dir() / "_common.toml", folder)
    shutil.copy(TEST_SPECS / "bridge_hold.toml", folder)
    return {**os.environ, "FORMCHECK_SPECS_DIR": str(folder), "COLUMNS": "150"}


def cli(env, *args):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def test_the_sixth_exercise_analyzes_from_its_spec_alone(spec_env, tmp_path):
    clip = "bridge_mixed"
    report_path, video_path = tmp_path / "r.json", tmp_path / "a.mp4"
    done = cli(spec_env, "analyze", SAMPLES / f"{clip}.mp4", "-e", "bridge_hold", "--json", report_path,
               "--video", video_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    truth = [r for r in labels(clip)["reps"] if r["top_end_s"] - r["top_start_s"] >= 1.0]  # min_top_s
    assert report["exercise"] == "bridge_hold" and report["reps"] == []
    assert len(report["holds"]) == len(truth) == 4
    spec = load_spec("bridge_hold", Path(spec_env["FORMCHECK_SPECS_DIR"]))
    target = spec.cycle.target_s
    for got, want in zip(report["holds"], truth, strict=True):
        assert got["seconds"] == pytest.approx(want["top_end_s"] - want["top_start_s"], abs=1.0)
        assert ("hips_sagging" in got["faults"]) == ("hips_too_low" in want["faults"])
        assert ("hold_too_short" in got["faults"]) == (got["seconds"] < target)
    assert "Holds: 4" in done.stdout and "Lift your hips into one line" in done.stdout
    with av.open(str(video_path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == labels(clip)["frame_count"]


def test_the_sixth_exercise_runs_live(spec_env, tmp_path):
    report_path = tmp_path / "live.json"
    done = cli(spec_env, "live", "-e", "bridge_hold", "--source", SAMPLES / "bridge_640x480.mp4", "--no-window",
               "--no-voice", "--model", "lite", "--json", report_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    assert report["exercise"] == "bridge_hold"
    assert report["live"]["ended_by"] == "source ended"
    assert len(report["holds"]) >= 2  # played in real time: the first hold may start before "ready"
