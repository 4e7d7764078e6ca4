"""The recording's edges and its silences, on generated measure streams: what the end (or start) of a
recording leaves unknowable is unjudged with its reason, a hold too short is listed, and when nothing
counts the session says why in words."""

import re

import numpy as np
import pytest

from formcheck.analysis.engine import Engine, Unjudged
from formcheck.analysis.engine.edges import SAYS_MOST, NotCountedReason, Silence
from formcheck.analysis.session import Session
from formcheck.spec.specs import load_spec
from tests.builders import LUNGE_BASE, bridge_pose, frames, hold, still
from tests.helpers import SAMPLES, trimmed

VIEW_OK = {"visible": 1.0, "side_spread": 0.1, "front_leg": 1.0}
BRIDGE_REST = {"hip_lift": 0.0, "hip_line": 140.0, "knee": 90.0, "face_up": 0.2, "torso_tilt": 80.0,
               "thigh_tilt": 45.0, "shin_drop": 0.9}


def bridge_up(top_s: float) -> list:
    """One bridge rep: up, `top_s` at the top, down, rest."""
    return [(1.0, {"hip_lift": (0.0, 0.4), "hip_line": (140.0, 180.0)}),
            (top_s, {"hip_lift": (0.4, 0.4), "hip_line": (180.0, 180.0)}),
            (1.0, {"hip_lift": (0.4, 0.0), "hip_line": (180.0, 140.0)}), still(1.0, hip_lift=0.0)]


def run(exercise: str, stream) -> Engine:
    engine = Engine(load_spec(exercise))
    for t, values in stream:
        engine.update(t, VIEW_OK | values)
    engine.finish(stream[-1][0])
    return engine


class StreamMeasures:
    """In place of a session's measures: the stream's values, frame by frame."""

    def __init__(self, stream) -> None:
        self.values = iter(stream)

    def __call__(self, frame, size) -> dict:
        return VIEW_OK | next(self.values)[1]

    def point(self, frame, name):
        return np.zeros(2)


def session_of(exercise: str, stream) -> Session:
    """A session fed the stream in place of the measures of real frames."""
    session = Session(load_spec(exercise), (640, 480))
    session.measures = StreamMeasures(stream)
    for t, _ in stream:
        session.update(bridge_pose(t, 0.0))  # a body seen; its measures are the stream's
    session.finish()
    return session


def test_a_rep_the_recording_ends_during_its_top_is_counted_and_its_hold_unjudged():
    # the second rep is 0.4 s into its top when the recording ends
    at_top = still(0.4, hip_lift=0.4, hip_line=180.0)
    stream = frames([still(1.0, hip_lift=0.0)] + bridge_up(2.0) + bridge_up(2.0)[:1] + [at_top], BRIDGE_REST)
    engine = run("glute_bridge", stream)
    assert engine.rep_count == 2
    last = engine.reps[1]
    assert last.faults == [] and "no_hold_at_top" not in [w.cue for w in engine.warnings]
    assert Unjudged(cue="no_hold_at_top", reason="the recording ended during the top") in last.unjudged
    assert engine.reps[0].unjudged == []


def test_a_top_that_sags_below_its_band_before_the_end_is_still_unjudged():
    # the hips sink from 0.4 to 0.3 in the last second (below the top's band) and the recording ends:
    # they may rise again, so how long the top lasted is unknowable
    sag = (1.0, {"hip_lift": (0.4, 0.3), "hip_line": (180.0, 178.0)})
    stream = frames([still(1.0, hip_lift=0.0), bridge_up(2.0)[0], still(0.3, hip_lift=0.4, hip_line=180.0), sag],
                    BRIDGE_REST)
    (rep,) = run("glute_bridge", stream).reps
    assert rep.hold_s < 1.0 and rep.faults == []
    assert Unjudged(cue="no_hold_at_top", reason="the recording ended during the top") in rep.unjudged


def test_a_short_top_before_the_way_down_is_still_a_fault_at_the_end():
    # the top was over (the hips on their way down) when the recording ended: its length is known
    stream = frames([still(1.0, hip_lift=0.0)] + bridge_up(0.3)[:3], BRIDGE_REST)[:-10]
    engine = run("glute_bridge", stream)
    assert [r.faults for r in engine.reps] == [["no_hold_at_top"]]


def test_a_hold_the_recording_ends_during_is_unjudged_on_its_length():
    stream = frames([still(1.0)] + hold(8.0)[:2], LUNGE_BASE)
    engine = run("deep_lunge_hip_flexor", stream)
    (only,) = engine.holds
    assert only.seconds == pytest.approx(8.0, abs=0.6) and only.faults == []
    assert Unjudged(cue="hold_too_short", reason="the recording ended during the hold") in only.unjudged


def test_a_stretch_the_recording_ends_before_the_hold_minimum_is_listed_with_its_seconds():
    stream = frames([still(1.0)] + hold(2.0)[:2], LUNGE_BASE)
    session = session_of("deep_lunge_hip_flexor", stream)
    results = session.results()
    assert results.holds == []
    (short,) = results.not_counted
    assert short.reason is NotCountedReason.TOO_SHORT and short.seconds == pytest.approx(2.0, abs=0.5)
    assert short.message == f"In the stretch for {short.seconds:.1f} s when the recording ended: a hold counts from 3 s"
    assert results.nothing_counted.reason is Silence.LEFT_UNCOUNTED
    assert results.nothing_counted.message == short.message


def test_a_hold_shorter_than_the_minimum_in_the_middle_is_listed_and_a_full_one_counts():
    stream = frames([still(1.0)] + hold(2.0) + hold(21.0), LUNGE_BASE)
    engine = run("deep_lunge_hip_flexor", stream)
    assert len(engine.holds) == 1
    (short,) = engine.not_counted
    assert short.reason is NotCountedReason.TOO_SHORT and short.message.startswith("In the stretch for 2.")
    assert short.end_s < engine.holds[0].start_s


def test_a_recording_that_begins_at_the_top_lists_that_rep_and_counts_the_next():
    top = dict(BRIDGE_REST, hip_lift=0.4, hip_line=180.0)
    stream = frames([still(1.5, hip_lift=0.4), (1.0, {"hip_lift": (0.4, 0.0), "hip_line": (180.0, 140.0)}),
                     still(1.0, hip_lift=0.0)] + bridge_up(2.0), top)
    engine = run("glute_bridge", stream)
    assert engine.rep_count == 1
    (began,) = engine.not_counted
    assert began.reason is NotCountedReason.STARTED_DURING and began.start_s == 0.0
    assert began.end_s < engine.reps[0].start_s
    assert began.message == "The recording begins during a rep: it was not counted"


def test_a_body_settling_at_the_start_is_not_a_rep_the_recording_began_during():
    # the hips come down 0.05 as the person settles (a rep rises 0.4): nothing is listed
    stream = frames([still(1.0, hip_lift=0.05), (1.0, {"hip_lift": (0.05, 0.0)}), still(1.0, hip_lift=0.0)]
                    + bridge_up(2.0), BRIDGE_REST)
    engine = run("glute_bridge", stream)
    assert engine.rep_count == 1 and engine.not_counted == []


@pytest.mark.parametrize(("base", "reason", "words"), [
    ({}, Silence.NEVER_STARTED,  # the rest level follows the tilts a little: they stand under 0.01 above it
     r"Nothing was counted: in the start position, but the hip lift changed by 0\.00\d+ at most; "
     r"a rep begins at 0\.035"),
    ({"torso_tilt": 5.0}, Silence.NOT_THIS_EXERCISE,
     r"Nothing was counted: this does not look like the glute bridge \(its start position: lie on your back, "
     r"knees bent, feet flat on the floor\)"),
    ({"side_spread": 0.9}, Silence.VIEW,
     "Nothing was counted: the camera did not see the body from the side most of the time"),
])
def test_when_nothing_counts_the_session_says_why(base, reason, words):
    # small pelvic tilts: the hips rise 0.01, a rep starts at 0.035
    wobble = [(1.0, {"hip_lift": (0.0, 0.01)}), (1.0, {"hip_lift": (0.01, 0.0)})] * 4
    silence = session_of("glute_bridge", frames(wobble, BRIDGE_REST | base)).results().nothing_counted
    assert silence.reason is reason and re.fullmatch(words, silence.message), silence.message


def test_nothing_to_explain_when_something_counted():
    session = session_of("glute_bridge", frames([still(1.0, hip_lift=0.0)] + bridge_up(2.0), BRIDGE_REST))
    assert session.results().rep_count == 1 and session.results().nothing_counted is None


# ---- on clips cut from the committed samples, and real recordings (MediaPipe: slow) -------------

def analyze_clip(path, exercise: str) -> dict:
    from formcheck.analysis.analyze import analyze_video
    from formcheck.reports.report import build_report

    result = analyze_video(path, load_spec(exercise), "full")
    return build_report(result.session, result.info, result.model, result.complete, notes=result.notes).as_dict()


def summary(report: dict, exercise: str) -> str:
    from rich.console import Console

    from formcheck.cli.console import print_summary

    console = Console(record=True, width=200)
    print_summary(report, load_spec(exercise), console)
    return console.export_text()


@pytest.mark.slow
def test_a_bridge_clip_that_ends_early_in_a_top_leaves_that_hold_unjudged(tmp_path):
    # bridge_640x480's third top runs 17.0-19.9 s by its labels; the clip now ends at 17.6 s
    report = analyze_clip(trimmed(tmp_path, SAMPLES / "bridge_640x480.mp4", 17.6), "glute_bridge")
    assert report["rep_count"] == 3 and [r["faults"] for r in report["reps"]] == [[], [], []]
    last = report["reps"][-1]
    assert last["hold_s"] < 1.0  # a fault, had the recording not ended there
    assert {"cue": "no_hold_at_top", "reason": "the recording ended during the top"} in last["unjudged"]
    assert "no_hold_at_top" not in [w["cue"] for w in report["warnings"]]
    assert "could not judge the hold at the top: the recording ended during the top" in summary(report, "glute_bridge")


@pytest.mark.slow
def test_a_lunge_clip_that_ends_in_the_stretch_before_the_hold_minimum_says_so(tmp_path):
    # lunge_good's first stretch begins at about 3.5 s; the clip ends 2 s into it
    report = analyze_clip(trimmed(tmp_path, SAMPLES / "lunge_good.mp4", 5.5), "deep_lunge_hip_flexor")
    assert report["holds"] == []
    (short,) = report["not_counted"]
    assert short["reason"] == "too_short" and 1.5 <= short["seconds"] < 3.0
    words = f"In the stretch for {short['seconds']:.1f} s when the recording ended: a hold counts from 3 s"
    assert short["message"] == words
    assert report["nothing_counted"] == {"reason": "left_uncounted", "message": words}
    assert words in summary(report, "deep_lunge_hip_flexor")


@pytest.mark.slow
def test_an_exercise_analysed_as_another_says_it_is_not_this_exercise(tmp_path):
    report = analyze_clip(trimmed(tmp_path, SAMPLES / "lunge_good.mp4", 12.0), "glute_bridge")
    assert report["rep_count"] == 0
    assert report["nothing_counted"]["reason"] in ("left_uncounted", "not_this_exercise")
    assert "does not look like the glute bridge" in report["nothing_counted"]["message"].lower()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "exercise", "reason", "words"), [
    ("polybag_pozice_ditete", "deep_lunge_hip_flexor", "not_this_exercise",
     "this does not look like the deep lunge hip-flexor stretch"),
    ("polybag_podsazeni_panve", "glute_bridge", "never_started",
     "in the start position, but the hip lift changed by"),
])
def test_a_real_recording_that_counts_nothing_says_why_and_notes_nothing_false(name, exercise, reason, words):
    report = analyze_clip(SAMPLES / "real" / f"{name}.mp4", exercise)
    assert report["rep_count"] == 0 and report["holds"] == []
    assert report["nothing_counted"]["reason"] == reason and words in report["nothing_counted"]["message"]
    assert report["notes"] == []  # the child's pose is upright: no turned camera
    assert report["nothing_counted"]["message"] in summary(report, exercise)


@pytest.mark.slow
def test_a_live_session_that_ends_in_a_top_leaves_that_hold_unjudged(tmp_path):
    import json
    import subprocess
    import sys

    source, report_path = trimmed(tmp_path, SAMPLES / "bridge_640x480.mp4", 17.6), tmp_path / "live.json"
    proc = subprocess.run([sys.executable, "-m", "formcheck", "live", "--exercise", "glute_bridge", "--source",
                           str(source), "--no-window", "--no-voice", "--no-save", "--json", str(report_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(report_path.read_text())
    last = report["reps"][-1]
    assert last["faults"] == [] and last["start_s"] > 15.0  # the third rep, under way as the session ended
    assert {"cue": "no_hold_at_top", "reason": "the recording ended during the top"} in last["unjudged"]


def test_a_session_with_only_a_signal_says_a_hand_was_raised():
    # an arm going up lying on the back reads as the hips lifting: not a rep, and the silence says why
    lifted = [(1.2, {"hip_lift": (0.0, 0.07)}), still(6.0, hip_lift=0.07), (1.2, {"hip_lift": (0.07, 0.0)})]
    stream = frames([still(1.0, hip_lift=0.0), *lifted, still(1.5, hip_lift=0.0)], BRIDGE_REST | {"hand_up": 1.0})
    silence = session_of("glute_bridge", stream).results().nothing_counted
    assert silence.reason is Silence.LEFT_UNCOUNTED
    assert silence.message == load_spec("glute_bridge").messages["hand_raised"]
    assert sorted(SAYS_MOST) == sorted(NotCountedReason)  # every reason can be the one told


@pytest.mark.parametrize(("rest", "top", "high"), [(0.4, 0.4, True), (0.05, 0.4, False), (0.05, 0.05, False)])
def test_a_high_camera_is_told_from_the_rest_not_from_a_leg_lifted_at_the_top(rest, top, high):
    # look_down: the far leg above the near one. A camera high above shows it at rest too; a leg
    # lifted during the rep (a one-leg bridge) only at the top.
    reps = [(1.0, {"hip_lift": (0.0, 0.4), "hip_line": (140.0, 150.0), "look_down": (rest, top)}),
            (2.0, {"hip_lift": (0.4, 0.4), "hip_line": (150.0, 150.0), "look_down": (top, top)}),
            (1.0, {"hip_lift": (0.4, 0.0), "hip_line": (150.0, 140.0), "look_down": (top, rest)}),
            still(1.5, hip_lift=0.0, look_down=rest)] * 2
    engine = run("glute_bridge", frames([still(2.0, hip_lift=0.0, look_down=rest)] + reps, BRIDGE_REST))
    assert engine.rep_count == 2
    assert ("camera_high" in {w.cue for w in engine.warnings}) is high
    for rep in engine.reps:  # a top 30 degrees short of straight
        assert rep.faults == ([] if high else ["hips_too_low"])
        assert any("lower it to the floor" in u.reason for u in rep.unjudged) is high
