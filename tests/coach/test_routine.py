"""The guided routine: routine files and their errors, progress toward targets, and whole routines on
committed clips (headless, fed keys for the pain check-ins, and one run in a window under Xvfb)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.analysis.session import Session
from formcheck.cli.main import app
from formcheck.coach import routine_screen
from formcheck.coach.routine import Progress, load_routine
from formcheck.coach.scripted_keys import ScriptedKeys
from formcheck.coach.voice import Voice
from formcheck.coach.window import UNKNOWN_SCREEN, fit_to_screen
from formcheck.errors import FormcheckError
from formcheck.reports import history
from formcheck.spec.specs import load_spec, specs_dir
from tests.builders import bridge_pose, bridge_reps
from tests.helpers import SAMPLES, TEST_SPECS, labels, screen_env, started, transport_stream, wait_for_line

BRIDGE, PRONE = "bridge_fast_good", "prone_body2_az25"  # 4 and 3 reps
MINI = """name = "Mini"
warm_up = "Warm up gently."
warm_up_s = 0.2
rest_s = 1.5

[[exercises]]
id = "glute_bridge"
reps = 3

[[exercises]]
id = "prone_chest_lift"
reps = 2
"""


def write(tmp_path: Path, text: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---- routine files -------------------------------------------------------------------------------


def test_the_bundled_routine_is_the_guide_in_order():
    routine = load_routine()
    assert [s.spec.id for s in routine.steps] == ["cat_cow", "glute_bridge", "table_top_leg_press",
                                                  "deep_lunge_hip_flexor", "prone_chest_lift"]
    lunge = routine.steps[3]
    assert lunge.hold_s == load_spec("deep_lunge_hip_flexor").cycle.target_s == 20
    assert lunge.target_text() == "20 s per side"
    assert routine.warm_up and routine.steps[1].target_text() == "2 sets of 10 reps"


@pytest.mark.parametrize(("edit", "where", "expected"), [
    (('id = "prone_chest_lift"', 'id = "squat"'), "exercises[1].id",
     "expected an exercise id, one of cat_cow, deep_lunge_hip_flexor, glute_bridge, prone_chest_lift, "
     "table_top_leg_press, got 'squat'"),
    (("reps = 3\n", ""), "exercises[0].reps", "expected a whole number above 0 (missing)"),
    (("reps = 3", "reps = 0"), "exercises[0].reps", "expected a whole number above 0, got 0"),
    (("reps = 3", 'reps = "ten"'), "exercises[0].reps", "expected a whole number above 0, got 'ten'"),
    (("reps = 3", "reps = 3\nholds = 2"), "exercises[0].holds", "expected no such option here"),
    (('id = "prone_chest_lift"\nreps = 2', 'id = "deep_lunge_hip_flexor"\nreps = 2'), "exercises[1].reps",
     "expected no such option here"),
    (("rest_s = 1.5", "rest_s = -1"), "rest_s", "expected a time in seconds of 0 or more, got -1"),
    (("rest_s = 1.5", "rest = 1.5"), "rest", "expected no such option here"),
    (("reps = 3", "reps = 3\nsets = 0"), "exercises[0].sets", "expected a whole number above 0, got 0"),
    (('name = "Mini"', 'name = "Mini"\n[messages]\nhello = "hi"'), "messages.hello",
     "expected one of the messages"),
])
def test_a_routine_error_names_the_file_and_key(tmp_path, edit, where, expected):
    assert edit[0] in MINI
    path = write(tmp_path, MINI.replace(*edit, 1))
    with pytest.raises(FormcheckError) as caught:
        load_routine(path)
    assert str(caught.value).startswith(f"{path}: {where}: {expected}")


def test_a_routine_without_exercises_or_not_toml(tmp_path):
    with pytest.raises(FormcheckError, match=r"plan.toml: exercises: expected a list of \[\[exercises\]\] "
                       r"tables \(missing\)"):
        load_routine(write(tmp_path, 'name = "x"\n'))
    with pytest.raises(FormcheckError, match=r"plan.toml: exercises: expected at least one"):
        load_routine(write(tmp_path, "exercises = []\n"))
    with pytest.raises(FormcheckError, match=r"plan.toml: not valid TOML"):
        load_routine(write(tmp_path, "[[exercises]\n"))
    with pytest.raises(FormcheckError, match=r"routine not found: nope \(a routine file, or one of: back_pain\)"):
        load_routine("nope")


def test_the_command_says_the_error_in_one_line(tmp_path):
    path = write(tmp_path, MINI.replace('id = "prone_chest_lift"', 'id = "squat"'))
    result = CliRunner().invoke(app, ["routine", "--routine", str(path), "--no-window"])
    assert result.exit_code == 1
    assert f"{path}: exercises[1].id: expected an exercise id" in result.output
    assert "Traceback" not in result.output
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "one.mp4").symlink_to(SAMPLES / f"{BRIDGE}.mp4")
    result = CliRunner().invoke(app, ["routine", "--routine", str(write(tmp_path, MINI)), "--source", str(clips),
                                      "--no-window"])
    assert result.exit_code == 1
    assert "expected one video per exercise (2), found 1" in result.output


# ---- progress toward a target (engine on generated landmarks, no video) ---------------------------


def test_progress_counts_reps_to_the_target(tmp_path):
    step = load_routine(write(tmp_path, MINI)).steps[0]
    session, progress = Session(step.spec, (640, 480)), Progress(step)
    met_after = []
    for t, lift, top in bridge_reps(["good"] * 4):
        progress.update(session.update(bridge_pose(t, lift, top)), session)
        if progress.met and not met_after:
            met_after.append(session.results().rep_count)
    assert met_after == [3]
    assert progress.text() == "rep 3 of 3" and progress.done() == {"reps": 4}


def test_progress_of_a_hold_counts_seconds_of_good_form(tmp_path, monkeypatch):
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(specs_dir() / "_common.toml", folder)
    shutil.copy(TEST_SPECS / "bridge_hold.toml", folder)
    monkeypatch.setenv("FORMCHECK_SPECS_DIR", str(folder))
    step = load_routine(write(tmp_path, '[[exercises]]\nid = "bridge_hold"\nholds = 2\n')).steps[0]
    assert step.hold_s == 2.5  # the spec's target_s
    session, progress = Session(step.spec, (640, 480)), Progress(step)
    texts = []
    for t, lift, top in bridge_reps(["good"] * 3, top_s=4.0, hold_overrides={1: 1.5}):
        progress.update(session.update(bridge_pose(t, lift, top)), session)
        texts.append(progress.text())
    assert "hold 1 of 2: 2 / 2.5 s" in texts  # the clock of the first hold, on its way
    assert "hold 2 of 2: 0 / 2.5 s" in texts
    assert progress.done()["holds_per_side"] == {"hold": 2}  # the 1.5 s hold does not count
    assert progress.met and texts[-1] == "hold done"


def test_progress_of_the_lunge_shows_the_side_in_the_stretch():
    from formcheck.analysis.engine import Phase
    from formcheck.analysis.session import FrameState
    from formcheck.pose.landmarker import PoseFrame

    step = load_routine().steps[3]
    progress = Progress(step)
    state = FrameState(t=30.0, pose=PoseFrame.empty(30.0), values={}, points={}, phase=Phase.TOP, rep_count=0,
                       good_reps=0, top_s=12.3, cues=[], hold_side="left", good_form_s=12.3, clock_paused=False,
                       side_seconds={}, holds_done=0)
    progress.update(state, Session(step.spec, (640, 480)))
    assert progress.text() == "left 12 / 20 s   right 0 / 20 s" and not progress.met


def test_scripted_keys_press_at_their_time_and_answer_in_order():
    keys = ScriptedKeys("4 p@5 7 s")
    assert keys.due(9.0) == -1 and keys.answer() == "4"
    assert keys.answer() is None and keys.due(4.9) == -1 and keys.due(5.0) == ord("p")
    assert [keys.answer(), keys.answer(), keys.answer()] == ["7", "s", None]
    with pytest.raises(FormcheckError, match=r"--keys: expected KEY or KEY@SECONDS, got 'p@x'"):
        ScriptedKeys("p@x")


@pytest.mark.parametrize(("size", "screen", "fits"), [
    ((1080, 1920), (1280, 800), (450, 800)),  # a phone clip on a laptop screen
    ((1920, 1080), None, (1280, 720)),
    ((480, 512), (1366, 768), (720, 768)),  # a small camera picture and the strip, scaled up to fill the screen
])
def test_the_window_fits_the_screen(size, screen, fits):
    assert fit_to_screen(size, screen) == fits
    w, h = fit_to_screen(size, screen)
    assert w <= (screen or UNKNOWN_SCREEN)[0] and h <= (screen or UNKNOWN_SCREEN)[1]


# ---- whole routines on committed clips -------------------------------------------------------------


@pytest.fixture
def clips(tmp_path) -> Path:
    """One clip per exercise of MINI, named in routine order."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for i, name in enumerate((BRIDGE, PRONE)):
        (folder / f"{i + 1}_{name}.mp4").symlink_to(SAMPLES / f"{name}.mp4")
    return folder


def routine_cmd(plan: Path, source: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "formcheck", "routine", "--routine", str(plan), "--source", str(source),
            "--no-voice", "--model", "lite", "--json", str(out), *extra]


def run(cmd: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "150", **(env or {})}, stdin=subprocess.DEVNULL)


def test_the_choice_after_a_stop_goes_on_with_a_raised_hand_and_ends_without_an_answer(monkeypatch):
    monkeypatch.setattr(routine_screen, "ANSWER_S", 0.3)
    asker = routine_screen.Asker(routine_screen.Screen(False), load_routine(), "", Voice(enabled=False))
    assert asker.choice("Skip or end?", "se", lambda: True) == "s"
    assert asker.choice("Skip or end?", "se", lambda: False) == "e"  # the safe choice
    assert asker.choice("Skip or end?", "se", None) == "e"  # nothing to answer with


@pytest.mark.slow
def test_a_routine_counts_each_target_rests_and_keeps_the_pain_ratings(tmp_path, clips):
    out = tmp_path / "routine.json"
    done = run(routine_cmd(write(tmp_path, MINI), clips, out, "--no-window", "--no-realtime",
                           "--pain-before", "3", "--pain-after", "2"))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    info = report["routine"]
    assert [(s["exercise"], s["done"], s["met"], s["ended_by"]) for s in info["steps"]] == [
        ("glute_bridge", {"reps": 3}, True, "target"), ("prone_chest_lift", {"reps": 2}, True, "target")]
    assert [s["rep_count"] for s in report["segments"]] == [3, 2]
    # the bridge ended at its third rep, before the clip did
    assert report["segments"][0]["reps"][-1]["end_s"] < labels(BRIDGE)["duration_s"] - 3
    assert [r["before"] for r in info["rests"]] == ["prone_chest_lift"] and info["rests"][0]["rested_s"] >= 1.5
    assert info["ended_by"] == "done" and report["complete"] is True
    assert "Rest 1.5 s: Next: Prone chest lift, 2 reps" in done.stdout
    [stored] = history.list_sessions()
    assert (stored.kind, stored.name, stored.pain_before, stored.pain_after) == ("routine", "plan", 3, 2)
    assert stored.report["rep_count"] == 5
    shown = run([sys.executable, "-m", "formcheck", "history", "show", str(stored.id)])
    assert shown.returncode == 0, shown.stderr
    assert "Glute bridge set 1/1: 3 of 3 reps: target met" in shown.stdout
    assert shown.stdout.count("Pain: before 3, after 2") == 1 and "Pain before:" not in shown.stdout
    page = tmp_path / "routine.html"
    made = run([sys.executable, "-m", "formcheck", "report", str(stored.id), "--html", str(page)])
    assert made.returncode == 0, made.stderr
    html = page.read_text()
    for name, reps in (("Glute bridge", 3), ("Prone chest lift", 2)):  # each rep's card with its picture
        cards = html.split(f"<h2>{name}, set 1: reps</h2>")[1].split("<h2>")[0]
        assert cards.count("<b>Rep ") == cards.count("data:image/jpeg;base64,") == reps


@pytest.mark.slow
@pytest.mark.parametrize("then", ["s", "e"])
def test_the_pain_key_stops_the_exercise_and_asks(tmp_path, clips, then):
    """p 5 s into the bridge: it stops there, a rating of 7 is kept, then skip to the next exercise or end."""
    out = tmp_path / "routine.json"
    done = run(routine_cmd(write(tmp_path, MINI), clips, out, "--no-window", "--no-realtime",
                           "--keys", f"4 p@5 7 {then}", "--pain-after", "1"))
    assert done.returncode == 0, done.stderr
    info = json.loads(out.read_text())["routine"]
    first = info["steps"][0]
    assert (first["exercise"], first["ended_by"], first["met"]) == ("glute_bridge", "pain", False)
    assert first["done"]["reps"] < 3
    assert info["pain"]["during"] == [{"exercise": "glute_bridge", "set": 1, "rating": 7, "no_answer": False,
                                       "then": "skip" if then == "s" else "end"}]
    [stored] = history.list_sessions()
    if then == "s":
        assert [s["exercise"] for s in info["steps"]] == ["glute_bridge", "prone_chest_lift"]
        assert (stored.pain_before, stored.pain_after) == (4, 1)
    else:  # never pushes on after p
        assert [s["exercise"] for s in info["steps"]] == ["glute_bridge"]
        assert info["ended_by"] == "pain" and (stored.pain_before, stored.pain_after) == (4, 7)


def stopped_then_prone(tmp_path: Path, gesture_clip: str, *options: str) -> dict:
    """The mini routine on a folder of two clips, `gesture_clip` (a bridge stopped by a raised hand)
    then the prone lift; its report."""
    clips = tmp_path / "clips"
    clips.mkdir()
    for i, name in enumerate((gesture_clip, PRONE)):
        (clips / f"{i + 1}_{name}.mp4").symlink_to(SAMPLES / f"{name}.mp4")
    out = tmp_path / "routine.json"
    done = run(routine_cmd(write(tmp_path, MINI), clips, out, *options), env={"XDG_DATA_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


@pytest.mark.slow
def test_the_routine_hears_a_raised_hand_as_pain(tmp_path):
    """A raised hand in the bridge means what p means: the exercise stops there and the pain question follows."""
    report = stopped_then_prone(tmp_path, "gesture_bridge", "--no-window", "--no-realtime", "--keys", "4 6 s",
                                "--pain-after", "1")
    first = report["routine"]["steps"][0]
    assert (first["exercise"], first["ended_by"], first["done"]) == ("glute_bridge", "pain", {"reps": 1})
    assert report["routine"]["pain"]["during"] == [{"exercise": "glute_bridge", "set": 1, "rating": 6,
                                                   "no_answer": False, "then": "skip"}]
    assert [s["exercise"] for s in report["routine"]["steps"]] == ["glute_bridge", "prone_chest_lift"]
    assert [c["by"] for c in report["segments"][0]["commands"]] == ["gesture"]
    assert [c["by"] for c in report["commands"]] == ["gesture"]


@pytest.mark.slow
def test_a_hand_raised_again_after_a_pain_stop_skips_to_the_next_exercise(tmp_path):
    """No key after the stop: the hand that stopped the bridge comes down, a second raise answers
    "skip" (the hand still up from the stop does not), and the prone lift follows."""
    report = stopped_then_prone(tmp_path, "gesture_bridge_twice", "--no-window", "--keys", "4 6", "--pain-after", "1")
    assert report["routine"]["pain"]["during"] == [{"exercise": "glute_bridge", "set": 1, "rating": 6,
                                                   "no_answer": False, "then": "skip"}]
    assert [s["exercise"] for s in report["routine"]["steps"]] == ["glute_bridge", "prone_chest_lift"]
    raises = labels("gesture_bridge_twice")["gestures"]
    heard = [(c["command"], c["by"], c["t_s"]) for c in report["commands"]]
    assert [(c, by) for c, by, _ in heard] == [("stop", "gesture"), ("go on", "gesture")]
    assert heard[1][2] == pytest.approx(raises[1]["up_s"] + 1.5, abs=1.0)


@pytest.mark.slow
def test_after_a_pain_stop_a_hand_raised_at_a_number_of_the_count_answers_it(tmp_path):
    """No key after the stop: the coach counts 0 to 10, the hand goes up after "3" (and stays up
    while the count waits), "Pain 3" is the rating; a third raise skips to the prone lift."""
    report = stopped_then_prone(tmp_path, "gesture_bridge_pain3", "--no-window", "--keys", "4", "--pain-after", "1")
    assert report["routine"]["pain"]["during"] == [{"exercise": "glute_bridge", "set": 1, "rating": 3,
                                                   "no_answer": False, "then": "skip"}]
    assert [s["exercise"] for s in report["routine"]["steps"]] == ["glute_bridge", "prone_chest_lift"]
    raises = labels("gesture_bridge_pain3")["gestures"]
    heard = [(c["command"], c["by"]) for c in report["commands"]]
    assert heard == [("stop", "gesture"), ("go on", "gesture")]  # the answer is a rating, not a command
    assert report["commands"][1]["t_s"] == pytest.approx(raises[2]["up_s"] + 1.5, abs=1.0)


@pytest.mark.slow
@pytest.mark.parametrize("pace", ["--realtime", "--no-realtime"])  # a camera's pace, or as fast as it decodes
def test_a_raised_hand_in_the_warm_up_means_p_there_too(tmp_path, pace):
    """Kneeling in front of the camera during the warm-up, the person raises a hand: the routine asks
    about the pain and, told to end, ends without an exercise."""
    plan = write(tmp_path, MINI.replace("warm_up_s = 0.2", "warm_up_s = 8"))
    out = tmp_path / "routine.json"
    done = run(routine_cmd(plan, SAMPLES / "gesture_kneeling.mp4", out, "--no-window", pace,
                           "--keys", "6 e", "--model", "full"),  # the lite model loses this arm overhead
               env={"XDG_DATA_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["routine"]["ended_by"] == "pain" and report["routine"]["steps"] == []
    assert report["routine"]["pain"]["during"] == [{"exercise": "warm_up", "set": 0, "rating": 6,
                                                   "no_answer": False, "then": "end"}]
    [stop] = [g for g in labels("gesture_kneeling")["gestures"] if g["seconds"] >= 1.0]
    assert [c["by"] for c in report["commands"]] == ["gesture"]
    assert stop["up_s"] <= report["commands"][0]["t_s"] <= stop["end_s"]


@pytest.mark.slow
def test_everything_shown_is_spoken_in_order_and_no_answer_is_kept_as_none(tmp_path, clips):
    """No key pressed: the pain questions run out unanswered (null, listed as such, never 0); the words
    said, with their times, hold each count in order, the rest with the next exercise and its start
    position, the questions and the end."""
    out = tmp_path / "routine.json"
    cmd = [c for c in routine_cmd(write(tmp_path, MINI), clips, out, "--no-window", "--realtime", "--keys", "_ _")
           if c != "--no-voice"]
    done = run(cmd, env={"FORMCHECK_AUDIO": "discard"})
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    pain = report["routine"]["pain"]
    assert (pain["before"], pain["after"], pain["no_answer"]) == (None, None, ["before", "after"])
    assert report["voice"]["available"] is True
    spoken = report["voice"]["spoken"]
    said = [s["text"] for s in spoken]
    assert [s["t_s"] for s in spoken] == sorted(s["t_s"] for s in spoken)
    assert [t for t in said if t.isdigit()] == ["1", "2", "3", "1", "2"]
    bridge, prone = load_spec("glute_bridge"), load_spec("prone_chest_lift")
    rest = next(i for i, t in enumerate(said) if t.startswith("Rest 1.5 seconds"))
    assert f"Next: Prone chest lift, 2 reps. {prone.start_position}" in said[rest]
    assert said.index("3") < rest < len(said) - 1 - said[::-1].index("1")  # after the bridge, before the chest lifts
    assert said[0] == "Warm up gently." and said[1] == "Pain before you start, 0 to 10?"
    assert said[2].startswith("Glute bridge. 3 reps.") and bridge.start_position in said[2]
    assert said[-2] == "Pain now, after the routine, 0 to 10?"
    assert said[-1].startswith("Routine done.") and "2 of 2 sets met their target" in said[-1]
    assert "Pain: before no answer, after no answer" in done.stdout


@pytest.mark.slow
def test_one_recording_of_several_exercises_moves_on_when_the_next_one_starts(tmp_path):
    """A bridge then prone chest lifts in one video; the bridge target is more than it has: the routine
    follows the switch (auto recognition) to the chest lifts."""
    import av

    joined = tmp_path / "bridge_then_prone.mp4"
    with av.open(str(joined), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 480, 360, "yuv420p"
        for name in ("bridge_body2_right", PRONE):
            with av.open(str(SAMPLES / f"{name}.mp4")) as clip:
                for frame in clip.decode(video=0):
                    container.mux(stream.encode(av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"))))
        container.mux(stream.encode())
    plan = write(tmp_path, MINI.replace("reps = 3", "reps = 6").replace("reps = 2", "reps = 3"))
    out = tmp_path / "routine.json"
    done = run(routine_cmd(plan, joined, out, "--no-window", "--no-realtime", "--pain-before", "2",
                           "--pain-after", "2"))
    assert done.returncode == 0, done.stderr
    info = json.loads(out.read_text())["routine"]
    assert [(s["exercise"], s["done"]["reps"], s["ended_by"]) for s in info["steps"]] == [
        ("glute_bridge", len(labels("bridge_body2_right")["reps"]), "moved on"),
        ("prone_chest_lift", len(labels(PRONE)["reps"]), "target")]
    assert info["rests"] == []  # the person had moved on already


@pytest.mark.slow
@pytest.mark.parametrize(("stop", "code", "said"), [(signal.SIGINT, 0, "ctrl-c"), (signal.SIGTERM, 143, "SIGTERM")])
def test_ctrl_c_or_sigterm_keeps_the_routine_so_far(tmp_path, clips, stop, code, said):
    out = tmp_path / "routine.json"
    proc = started(routine_cmd(write(tmp_path, MINI), clips, out, "--no-window", "--pain-before", "5"))
    wait_for_line(proc, "Warm-up")  # the model is loaded; the bridge clip plays in real time next
    time.sleep(4)  # 4 s of clip time into the bridge (real-time playback), its first rep under way
    proc.send_signal(stop)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    report = json.loads(out.read_text())
    assert report["complete"] is False and report["routine"]["ended_by"] == said
    assert report["segments"] and report["segments"][0]["exercise"] == "glute_bridge"
    [stored] = history.list_sessions()
    assert stored.pain_before == 5 and stored.report["complete"] is False


def routine_on_screen(tmp_path: Path, clips: Path, display: str) -> tuple[list[tuple[int, int, int]], str]:
    """A routine in its window; per screenshot until it ends (or all is seen): pixels of progress
    text (green), key hint (red), exercise name (white) in the strip under the picture."""
    import cv2
    import numpy as np

    out = tmp_path / "routine.json"
    proc = subprocess.Popen(routine_cmd(write(tmp_path, MINI), clips, out, "--keys", "3 x", "--pain-after", "1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=screen_env(display))
    seen: list[tuple[int, int, int]] = []
    shot = tmp_path / "screen.png"
    # Screenshots until the routine ends: a loaded machine may get to the bridge late.
    while proc.poll() is None and not any(min(counts) > 300 for counts in seen):
        if subprocess.run(["import", "-display", display, "-window", "root", str(shot)],
                          capture_output=True).returncode == 0:
            screen = cv2.imread(str(shot))[:, :, ::-1].astype(int)  # RGB; the window fills the 768 px high screen
            strip = screen[520:, :700]  # under the 640x480 picture (scaled up): name, target, progress, keys
            seen.append((int(np.all(np.abs(strip - (60, 220, 90)) < 12, axis=-1).sum()),
                         int(np.all(np.abs(strip - (255, 70, 60)) < 12, axis=-1).sum()),
                         int(np.all(strip > 240, axis=-1).sum())))
        time.sleep(1)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    steps = json.loads(out.read_text())["routine"]["steps"]
    assert [s["met"] for s in steps] == [True, True]
    return seen, stderr


@pytest.mark.slow
def test_the_routine_window_shows_the_exercise_and_its_progress(tmp_path, clips, display):
    seen, stderr = routine_on_screen(tmp_path, clips, display)
    if not any(any(counts) for counts in seen):
        # A virtual screen shared by two loaded test workers once stayed black for a whole routine
        # (1 run in 8; the window was there when looked at again): a second run tells that apart
        # from a window that is never drawn.
        (again := tmp_path / "again").mkdir()
        seen, stderr = routine_on_screen(again, clips, display)
    assert any(min(counts) > 300 for counts in seen), f"progress, key hint and name not all drawn: {seen}\n{stderr}"


def test_a_stored_routine_has_its_own_html_page(tmp_path):
    from html import unescape

    from tests.helpers import fetched, stored_routine

    plan = write(tmp_path, MINI.replace('id = "prone_chest_lift"', 'id = "glute_bridge"').replace(
        "reps = 3\n", "reps = 3\n[exercises.limits]\nhips_too_low = 145\n"))
    session_id = stored_routine(load_routine(plan), [["good", "low", "good"], ["good", "good"]], (3, 5),
                                stop_for_pain=1)
    page = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(session_id), "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = unescape(page.read_text())
    assert "Pain before: <b>3</b> / 10, after: <b>5</b> / 10" in html
    stopped = history.get(session_id).report["segments"][1]["source"]["duration_s"]
    assert f"Stopped for pain during Glute bridge (set 1) at {stopped:.1f} s: 6 / 10, then skipped it" in html
    first, second = html.split("<h2>Glute bridge, set 1: reps</h2>")[1:]  # each set's reps on their cards
    assert first.count("<b>Rep ") == 3 and second.count("<b>Rep ") == 2
    assert "Lift your hips until shoulders, hips and knees are in one line" in first.split("<b>Rep 2</b>")[1]
    assert "data:image/jpeg" not in html  # the clips are gone: no pictures, and no failure
    assert "target 3 reps" in html and "3 reps, 2 with good form" in html
    assert "This patient's limit: Lift your hips until shoulders, hips and knees are in one line: below 145 " \
        "(the exercise's own: 165)" in html
    assert "Why this target: 3 reps: as the routine sets it (no progression rules)" in html
    assert fetched(html) == []


def test_a_camera_that_is_not_there_is_said_before_the_warm_up():
    started = time.monotonic()
    result = run([sys.executable, "-m", "formcheck", "routine", "--camera", "9", "--no-window", "--no-voice"])
    assert result.returncode == 1
    assert result.stderr.startswith("error: camera 9 could not be opened")
    assert time.monotonic() - started < 30  # not after the bundled routine's 60 s warm-up
    assert history.list_sessions() == []


@pytest.mark.slow
def test_a_source_that_fails_ends_the_routine_and_keeps_it(tmp_path):
    from tests.helpers import truncated

    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.move(truncated(tmp_path), folder / "1_bridge.mp4")
    (folder / "2_prone.mp4").symlink_to(SAMPLES / f"{PRONE}.mp4")
    out = tmp_path / "routine.json"
    done = run(routine_cmd(write(tmp_path, MINI), folder, out, "--no-window", "--no-realtime", "--pain-before", "1"))
    assert done.returncode == 1
    assert "error: the source failed:" in done.stderr
    report = json.loads(out.read_text())
    assert report["complete"] is False and report["routine"]["ended_by"] == "source failed"
    assert [s["exercise"] for s in report["routine"]["steps"]] == ["glute_bridge"]
    [stored] = history.list_sessions()
    assert stored.pain_before == 1


@pytest.mark.slow
def test_real_routine_runs_raise_the_target_and_pain_takes_it_back(tmp_path, clips):
    """Two good runs of the bridge (3 of its 4 reps asked): the third asks for 4 and says so first; pain
    rising from 2 to 5 in it takes the next one back to 3."""
    plan = write(tmp_path, MINI.replace("reps = 3\n", "reps = 3\n[exercises.progress]\nevery = 2\nadd_reps = 1\n"
                                        "max_reps = 4\nback_on_pain = 2\n"))
    said = []
    for n, (before, after) in enumerate(((2, 2), (2, 1), (2, 5))):
        out = tmp_path / f"routine{n}.json"
        done = run(routine_cmd(plan, clips, out, "--no-window", "--no-realtime", "--pain-before", str(before),
                               "--pain-after", str(after)))
        assert done.returncode == 0, done.stderr
        said.append(done.stdout)
        assert json.loads(out.read_text())["routine"]["steps"][0]["target"]["reps"] == (4 if n == 2 else 3)
    assert "Today: Glute bridge, 4 reps: 2 sessions in a row at 3 reps with 80% or more good form, pain not up" \
        in said[2] and "Today:" not in said[1]
    shown = run([sys.executable, "-m", "formcheck", "plan", "--routine", str(plan), "--json"])
    assert json.loads(shown.stdout)["exercises"][0] == {
        "id": "glute_bridge", "reps": 3, "sets": 1, "change": "back",
        "reason": "back to 3 reps: pain rose from 2 to 5 last time"}


@pytest.mark.slow
def test_the_placement_step_checks_lying_down_and_kneeling_before_the_warm_up(tmp_path):
    """One recording of a person lying on the back, then kneeling (joined with cat, as a camera's
    pieces are): each position fits in turn, then the routine goes on."""
    lying = transport_stream(tmp_path / "a.ts", SAMPLES / "gesture_bridge.mp4")  # in the start position from 0 s
    kneeling = transport_stream(tmp_path / "b.ts", SAMPLES / "gesture_kneeling.mp4")
    (joined := tmp_path / "lie_kneel.ts").write_bytes(lying.read_bytes() + kneeling.read_bytes())
    plan = write(tmp_path, MINI.replace("warm_up_s = 0.2", "warm_up_s = 0.5"))
    out = tmp_path / "routine.json"
    done = run(routine_cmd(plan, joined, out, "--no-window", "--realtime", "--placement", "--keys", "_ _"),
               env={"XDG_DATA_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    placement = json.loads(out.read_text())["routine"]["placement"]
    assert [(p["position"], p["fits"], p["still_wrong"]) for p in placement] == [("lying", True, None),
                                                                               ("kneeling", True, None)]
    assert placement[0]["seconds"] < 3  # in place from the start: ready after the setup check's second
    assert placement[1]["seconds"] < labels("gesture_bridge")["duration_s"] + 5  # once the kneeling piece plays
    assert "First, the camera. Put it on the floor, side-on to your mat" in done.stdout
