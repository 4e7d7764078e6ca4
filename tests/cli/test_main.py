"""The command line: outputs, and one clear line with a non-zero exit for bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import av
import pytest
from typer.testing import CliRunner

from formcheck.cli.main import app
from tests.helpers import ROOT, SAMPLES, labels, video_in_progress

runner = CliRunner()
CLIP = SAMPLES / "bridge_body2_right.mp4"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_exercises_lists_cues_and_meanings():
    result = invoke("exercises")
    assert result.exit_code == 0
    for text in ("glute_bridge", "hips_too_low", "hips_too_high", "no_hold_at_top", "feet_too_far",
                 "wrong_view", "body_not_visible", "shoulder-hip-knee line"):
        assert text in result.output


def test_missing_video(tmp_path):
    result = invoke("analyze", tmp_path / "nope.mp4", "--exercise", "glute_bridge")
    assert result.exit_code == 1
    assert "video not found" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_file_that_is_not_a_video(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are not frames\n" * 50)
    result = invoke("analyze", fake, "--exercise", "glute_bridge")
    assert result.exit_code == 1
    assert "is not a readable video" in result.output


def test_unknown_exercise_lists_the_known_ones():
    result = invoke("analyze", CLIP, "--exercise", "squat")
    assert result.exit_code == 1
    assert "unknown exercise 'squat'" in result.output and "glute_bridge" in result.output


@pytest.mark.parametrize("flag", ["--json", "--video", "--csv"])
def test_unwritable_output_fails_before_the_work(tmp_path, flag):
    target = tmp_path / "missing_folder" / ("out.mp4" if flag == "--video" else "out.json")
    started = time.monotonic()
    result = invoke("analyze", CLIP, "--exercise", "glute_bridge", flag, target)
    assert result.exit_code == 1
    assert f"cannot write {target}" in result.output
    assert time.monotonic() - started < 5  # refused up front, not after analysing


def test_missing_model_says_how_to_rebuild(tmp_path):
    result = invoke("analyze", CLIP, "--exercise", "glute_bridge", "--model", tmp_path / "x.task")
    assert result.exit_code == 1
    assert "pose model not found" in result.output and "build_models.py" in result.output


@pytest.mark.slow
def test_broken_model_says_how_to_rebuild(tmp_path):
    broken = tmp_path / "broken.task"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = invoke("analyze", CLIP, "--exercise", "glute_bridge", "--model", broken)
    assert result.exit_code == 1
    assert "is broken" in result.output and "build_models.py" in result.output


@pytest.mark.slow
def test_analyze_writes_report_video_and_csv(tmp_path):
    out_json, out_video, out_csv = tmp_path / "r.json", tmp_path / "a.mp4", tmp_path / "m.csv"
    result = invoke("analyze", CLIP, "--exercise", "glute_bridge", "--json", out_json,
                    "--video", out_video, "--csv", out_csv, "--model", "lite")
    assert result.exit_code == 0, result.output
    truth = labels("bridge_body2_right")
    assert f"Reps: {len(truth['reps'])}" in result.output
    assert "Hold at the top" in result.output  # rep 2's fault, in plain words
    report = json.loads(out_json.read_text())
    assert report["model"] == "pose_landmarker_lite"
    assert report["rep_count"] == len(truth["reps"])
    with av.open(str(out_video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(stream))
    assert frames == truth["frame_count"]
    lines = out_csv.read_text().splitlines()
    assert {"t", "pose", "visible", "side_spread", "hip_lift", "hip_line", "knee"} <= set(lines[0].split(","))
    assert len(lines) == truth["frame_count"] + 1


@pytest.mark.slow
def test_ctrl_c_writes_a_partial_report(tmp_path):
    out_json, out_video = tmp_path / "r.json", tmp_path / "a.mp4"
    clip = SAMPLES / "bridge_mixed.mp4"
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(clip), "-e", "glute_bridge",
         "--json", str(out_json), "--video", str(out_video)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    deadline = time.monotonic() + 60  # until frames are being analysed (the model loaded), however slow the machine
    while time.monotonic() < deadline and video_in_progress(tmp_path) <= 20_000:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "stopped early" in stdout
    report = json.loads(out_json.read_text())
    assert report["complete"] is False
    assert 0 < report["frames_analyzed"] < labels("bridge_mixed")["frame_count"]
    with av.open(str(out_video)) as container:  # the recording so far is a playable file
        assert sum(1 for _ in container.decode(video=0)) == report["frames_analyzed"]


def test_models_are_committed():
    root = ROOT / "models"
    for variant in ("lite", "full"):
        assert (root / f"pose_landmarker_{variant}.task").stat().st_size > 1_000_000
