"""Voice commands: the spotter on spoken words, its rule from the specs, sound files standing in for
the microphone, and `live` and the routine acting on words heard (a file as the microphone)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.coach.listen import RATE, Listener, Spotter, SpotterRule, sound_file
from formcheck.errors import FormcheckError
from tests.helpers import SAMPLES, speech_track

pytest.importorskip("pocketsphinx")


def spotted(path: Path, numbers: bool) -> list[str]:
    spotter = Spotter(SpotterRule.shared())
    spotter.listen_for_numbers(numbers)
    return [w for piece in sound_file(path) if (w := spotter.feed(piece))]


@pytest.mark.parametrize(("words", "numbers"), [("stop", False), ("two", True), ("three", True)])
def test_a_word_said_is_spotted_and_nothing_else(tmp_path, words, numbers):
    """Words this voice is heard saying (bench/voice_commands.py measures how often that is)."""
    assert spotted(speech_track(tmp_path / "w.wav", [(1.0, words)], 3.0), numbers) == [words]


def test_numbers_are_heard_only_after_a_question(tmp_path):
    track = speech_track(tmp_path / "w.wav", [(1.0, "three")], 3.0)
    assert spotted(track, numbers=False) == []


def test_silence_and_the_coach_speaking_are_not_commands(tmp_path):
    """While the coach speaks ("0 to 10?"), the sound is skipped: the question is not its own answer."""
    track = speech_track(tmp_path / "w.wav", [(0.5, "Pain before you start, zero to ten?")], 4.0)
    listener = Listener(sound_file(track), SpotterRule.shared(), speaking=lambda: True,
                        paced=False)
    listener.listen_for_numbers(True)
    listener.start()
    listener._thread.join(timeout=20)
    assert listener.heard() == []
    quiet = speech_track(tmp_path / "q.wav", [], 5.0)
    assert spotted(quiet, numbers=True) == []


def test_a_sound_file_is_read_at_16_khz_and_bad_ones_are_said(tmp_path):
    track = speech_track(tmp_path / "w.wav", [], 1.0)
    assert sum(len(p) for p in sound_file(track)) == RATE * 2
    with pytest.raises(FormcheckError, match=r"--mic .*nothing.wav: no such file"):
        sound_file(tmp_path / "nothing.wav")
    (tmp_path / "text.wav").write_text("not sound")
    with pytest.raises(FormcheckError, match=r"--mic .*text.wav: not a sound file"):
        sound_file(tmp_path / "text.wav")
    with pytest.raises(FormcheckError, match=r"--mic .*bridge_640x480.mp4: it has no sound"):
        sound_file(SAMPLES / "bridge_640x480.mp4")


def test_the_rule_needs_every_word(tmp_path):
    (tmp_path / "_common.toml").write_text('[voice_commands]\necho_s = 0.4\n[voice_commands.commands]\nstop = -20\n'
                                           '[voice_commands.numbers]\nzero = -20\n')
    with pytest.raises(FormcheckError, match=r"\[voice_commands\] needs echo_s, commands"):
        SpotterRule.shared(tmp_path)


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={**os.environ, "COLUMNS": "150", "FORMCHECK_AUDIO": "discard"})


@pytest.mark.slow
def test_live_ends_when_stop_is_said(tmp_path):
    """The coach silent (--no-voice: nothing of its own to skip), "stop" said at 6 s ends the session."""
    mic = speech_track(tmp_path / "mic.wav", [(6.0, "stop")], 12.0)
    out = tmp_path / "live.json"
    done = run([sys.executable, "-m", "formcheck", "live", "-e", "glute_bridge", "--source",
                str(SAMPLES / "bridge_fast_good.mp4"), "--no-window", "--no-voice", "--model", "lite", "--mic",
                str(mic), "--json", str(out), "--no-save"])
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["live"]["ended_by"] == "voice"
    [stop] = report["commands"]
    assert (stop["command"], stop["by"]) == ("stop", "voice") and 6.0 <= stop["t_s"] <= 9.0


@pytest.mark.slow
def test_the_routine_takes_a_pain_number_said(tmp_path):
    """No key at all: the pain before is answered "three" (said every few seconds: only the question
    listens for numbers)."""
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "Mini"\nwarm_up = "Warm up."\nwarm_up_s = 0.2\nrest_s = 1\n\n'
                    '[[exercises]]\nid = "glute_bridge"\nreps = 2\n')
    mic = speech_track(tmp_path / "mic.wav", [(t, "three") for t in np.arange(3.0, 60.0, 4.0)], 60.0)
    out = tmp_path / "routine.json"
    done = run([sys.executable, "-m", "formcheck", "routine", "--routine", str(plan), "--source",
                str(SAMPLES / "bridge_fast_good.mp4"), "--no-window", "--model", "lite", "--mic", str(mic),
                "--json", str(out), "--no-save", "--pain-after", "2"])
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["routine"]["pain"]["before"] == 3
    assert report["routine"]["steps"][0]["done"] == {"reps": 2}


@pytest.mark.parametrize("command", [["live", "-e", "glute_bridge"], ["routine"]])
def test_a_missing_sound_file_is_one_line_before_anything_starts(tmp_path, command):
    done = run([sys.executable, "-m", "formcheck", *command, "--source", str(SAMPLES / "bridge_fast_good.mp4"),
                "--no-window", "--mic", str(tmp_path / "nothing.wav"), "--json", str(tmp_path / "r.json"),
                "--no-save"])
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == f"error: --mic {tmp_path / 'nothing.wav'}: no such file"
    assert not (tmp_path / "r.json").exists()
