"""A raised hand held up is a stop, through the real CLI on rendered clips: `analyze` lists it,
`live` ends on it; a brief raise is no stop. (The routine's: test_routine.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, labels

pytestmark = pytest.mark.slow

BRIDGE, KNEELING = "gesture_bridge", "gesture_kneeling"  # a brief raise then a stop; a stop
HEARD_WITHIN_S = 2.0  # after the hand is up: held about 1.5 s, and heard before it comes down


def stops(name: str) -> list[dict]:
    """The label's raises held long enough to be a stop."""
    return [g for g in labels(name)["gestures"] if g["seconds"] >= 1.0]


def formcheck(*args: str, tmp_path: Path) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "150", "XDG_DATA_HOME": str(tmp_path)})
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("name,exercise", [(BRIDGE, "glute_bridge"), (KNEELING, "deep_lunge_hip_flexor")])
def test_analyze_lists_each_stop_while_the_hand_is_up_and_not_the_brief_raise(tmp_path, name, exercise):
    code, out, err = formcheck("analyze", str(SAMPLES / f"{name}.mp4"), "-e", exercise, "--json",
                               str(tmp_path / "r.json"), "--no-save", tmp_path=tmp_path)
    assert code == 0, err
    commands = json.loads((tmp_path / "r.json").read_text())["commands"]
    [stop] = stops(name)
    assert [(c["command"], c["by"]) for c in commands] == [("stop", "gesture")]
    assert stop["up_s"] <= commands[0]["t_s"] <= min(stop["up_s"] + HEARD_WITHIN_S, stop["end_s"])
    assert f"0:{commands[0]['t_s']:04.1f}: Raised a hand: stop" in out


def test_live_ends_on_a_raised_hand_and_keeps_the_rep_before(tmp_path):
    code, out, err = formcheck("live", "--exercise", "glute_bridge", "--source", str(SAMPLES / f"{BRIDGE}.mp4"),
                               "--no-window", "--no-voice", "--model", "lite", "--json", str(tmp_path / "l.json"),
                               tmp_path=tmp_path)
    assert code == 0, err
    report = json.loads((tmp_path / "l.json").read_text())
    [stop] = stops(BRIDGE)
    assert report["live"]["ended_by"] == "gesture"
    assert [(c["command"], c["by"]) for c in report["commands"]] == [("stop", "gesture")]
    assert stop["up_s"] <= report["commands"][0]["t_s"] <= min(stop["up_s"] + HEARD_WITHIN_S, stop["end_s"])
    assert report["rep_count"] == 1  # the rep before the signal; the one after never played
    assert "Raised a hand: stop" in out
