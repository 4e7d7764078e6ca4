"""Progression: today's targets from stored routine sessions (each one real reports on generated bridge
landmarks, stored as `formcheck routine` stores them), `formcheck plan`, and a patient's own limits."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.analysis.session import Session
from formcheck.cli.main import app
from formcheck.coach.progression import todays_plan
from formcheck.coach.routine import load_routine
from formcheck.errors import FormcheckError
from formcheck.reports import history
from formcheck.reports.report import build_report
from formcheck.spec.limits import with_limits
from formcheck.spec.specs import load_spec
from formcheck.video.files import VideoInfo
from tests.builders import bridge_pose, bridge_reps
from tests.helpers import BRIDGES_THAT_GROW, stored_routine

PLAN = 'name = "Bridges"\nper_week = 5\n' + BRIDGES_THAT_GROW
GOOD = ["good"] * 5
LOW = ["good", "low", "low"]


@pytest.fixture
def plan_file(tmp_path) -> Path:
    path = tmp_path / "bridges.toml"
    path.write_text(PLAN)
    return path


def today(path: Path) -> str:
    routine = load_routine(path)
    [planned] = todays_plan(routine, history.list_sessions(routine.id))
    return planned.reason


def store(path: Path, *sessions: tuple) -> None:
    """Sessions one after another, each (reps at their tops, pain before, pain after[, a stop for pain])."""
    for tops, before, after, *stop in sessions:
        stored_routine(load_routine(path), [tops], (before, after), stop[0] if stop else None)


def test_a_routine_with_no_sessions_starts_at_its_own_target(plan_file):
    assert today(plan_file) == "3 reps: the routine's starting target"


def test_the_target_rises_after_every_good_sessions_in_a_row(plan_file):
    store(plan_file, (GOOD[:3], 2, 2))
    assert today(plan_file) == "3 reps: 1 of 2 sessions in a row at 3 reps with 80% or more good form"
    store(plan_file, (GOOD[:3], 2, 1))
    assert today(plan_file) == "4 reps: 2 sessions in a row at 3 reps with 80% or more good form, pain not up"
    stored = history.list_sessions()[-1].report["routine"]
    assert stored["plan"][0]["reps"] == 3 and stored["steps"][0]["target"]["reps"] == 3
    store(plan_file, (GOOD[:4], 2, 2))  # the next session ran at 4
    assert history.list_sessions()[-1].report["routine"]["steps"][0]["target"]["reps"] == 4


def test_the_target_holds_on_poor_form_or_a_missed_target(plan_file):
    store(plan_file, (GOOD[:3], 2, 2), (LOW, 2, 2))
    assert today(plan_file) == "3 reps: last time 33% good form (80% needed to go up)"
    store(plan_file, (GOOD[:3], 2, 2), (GOOD[:2], 2, 2))  # in a row: the bad one broke the run
    assert today(plan_file) == "3 reps: target not met last time (2 of 3 reps)"


def test_pain_rising_or_a_stop_for_pain_takes_it_one_step_back(plan_file):
    store(plan_file, (GOOD[:3], 2, 2), (GOOD[:3], 2, 2), (GOOD[:4], 2, 5))
    assert today(plan_file) == "back to 3 reps: pain rose from 2 to 5 last time"
    store(plan_file, (GOOD[:3], 3, 3), (GOOD[:3], 3, 3), (GOOD[:4], 2, 2, 0))
    assert today(plan_file) == "back to 3 reps: stopped for pain (6/10) during it last time"
    store(plan_file, (GOOD[:3], 2, 4))  # never below the routine's own target
    assert today(plan_file) == "3 reps (the routine's starting target): pain rose from 2 to 4 last time"


def test_the_target_stops_at_its_max(plan_file):
    store(plan_file, *[(GOOD[:3], 2, 2)] * 2, *[(GOOD[:4], 2, 2)] * 2, *[(GOOD[:5], 2, 2)] * 2)
    assert today(plan_file) == ("5 reps: the most this routine asks for (2 sessions in a row at 5 reps with 80% "
                                "or more good form, pain not up)")


def test_an_edited_routine_file_starts_afresh(plan_file):
    store(plan_file, (GOOD[:3], 2, 2), (GOOD[:3], 2, 2))
    assert today(plan_file).startswith("4 reps")
    plan_file.write_text(PLAN.replace("reps = 3", "reps = 2"))
    assert today(plan_file) == "2 reps: the routine's starting target"
    plan_file.write_text(PLAN.replace("per_week = 5", "per_week = 3"))  # not its exercises: the same routine
    assert today(plan_file).startswith("4 reps")


def test_plan_prints_each_target_and_why_and_json(plan_file):
    store(plan_file, (GOOD[:3], 2, 2), (GOOD[:3], 2, 2))
    result = CliRunner().invoke(app, ["plan", "--routine", str(plan_file)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Bridges" in result.output and "2 sessions of this routine so far" in result.output
    assert ("Glute bridge: 4 reps: 2 sessions in a row at 3 reps with 80% or more good form, pain not up"
            in result.output)
    result = CliRunner().invoke(app, ["plan", "--routine", str(plan_file), "--json"])
    assert result.exit_code == 0
    said = json.loads(result.output)
    assert said["routine"] == "Bridges"
    assert said["exercises"] == [{"id": "glute_bridge", "reps": 4, "sets": 1, "change": "up",
                                  "reason": "4 reps: 2 sessions in a row at 3 reps with 80% or more good form, "
                                  "pain not up"}]
    bad = CliRunner().invoke(app, ["plan", "--routine", str(plan_file.with_name("nope.toml"))])
    assert bad.exit_code == 1 and "routine not found" in bad.output


def test_the_bundled_routine_grows_as_the_guide_says():
    steps = {s.spec.id: s for s in load_routine().steps}
    lunge, press = steps["deep_lunge_hip_flexor"], steps["table_top_leg_press"]
    assert (lunge.hold_s, lunge.progress.add_hold_s, lunge.progress.max_hold_s) == (20, 5, 60)
    assert press.hold_s == 5 and press.progress.add_hold_s > 0
    assert press.spec.cue("hold_too_short").below == 5
    assert all(s.progress.back_on_pain for s in steps.values()) and load_routine().per_week == 5
    longer = lunge.retarget(None, 25.0, 1, "up from 20 s", "Hold for at least {seconds} seconds")
    assert longer.spec.cycle.target_s == 25 and longer.spec.cue("hold_too_short").below == 25
    assert longer.target_text() == "25 s per side (up from 20 s)"


@pytest.mark.parametrize(("edit", "where", "expected"), [
    ("[exercises.progress]\nevery = 0\nadd_reps = 1", "exercises[0].progress.every", "a whole number above 0"),
    ("[exercises.progress]\nevery = 2", "exercises[0].progress.add_reps", "a step to grow by"),
    ("[exercises.progress]\nevery = 2\nadd_hold_s = 5", "exercises[0].progress.add_hold_s", "no such option here"),
    ("[exercises.progress]\nevery = 2\nadd_reps = 1\nmax_reps = 2", "exercises[0].progress.max_reps",
     "a number of at least the target (3)"),
    ("[exercises.progress]\nevery = 2\nadd_reps = 1\ngood_share = 80", "exercises[0].progress.good_share",
     "a share above 0 and at most 1"),
    ("[exercises.progress]\nevery = 2\nadd_reps = 1\nback_on_pain = 0", "exercises[0].progress.back_on_pain",
     "a whole number of pain points"),
    ("[exercises.progress]\nevery = 2\nadd_reps = 1\nonce = 1", "exercises[0].progress.once", "no such option"),
    ("[exercises.limits]\nhips_too_lo = 155", "exercises[0].limits.hips_too_lo", "a cue of glute_bridge"),
    ("[exercises.limits]\nhips_too_low = 400", "exercises[0].limits.hips_too_low",
     "a value from 0 to 360 (what the shoulder-hip-knee can read), got 400"),
    ("[exercises.limits]\nhips_too_low = 195", "exercises[0].limits.hips_too_low", "below under above"),
    ("[exercises.limits]\nhips_too_low = \"low\"", "exercises[0].limits.hips_too_low", "a number"),
    ("[exercises.limits]\nwrong_view = 0.5", "exercises[0].limits.wrong_view", "a cue with a threshold"),
    ("hold_s = 3", "exercises[0].hold_s", "no such option here (cat_cow asks for no hold"),
])
def test_a_progress_or_limits_error_names_the_file_and_key(tmp_path, edit, where, expected):
    path = tmp_path / "plan.toml"
    exercise = "cat_cow" if edit == "hold_s = 3" else "glute_bridge"  # cat-cow has no hold to time
    path.write_text(f'[[exercises]]\nid = "{exercise}"\nreps = 3\n{edit}\n')
    with pytest.raises(FormcheckError) as caught:
        load_routine(path)
    assert str(caught.value).startswith(f"{path}: {where}: expected {expected}")


def test_a_patient_limit_changes_the_verdict_and_is_recorded(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text('[[exercises]]\nid = "glute_bridge"\nreps = 3\n[exercises.limits]\nhips_too_low = 145\n')
    step = load_routine(path).steps[0]
    assert step.spec.cue("hips_too_low").below == 145 and load_spec("glute_bridge").cue("hips_too_low").below == 165
    faults = {}
    for name, spec in (("spec", load_spec("glute_bridge")), ("limits", step.spec)):
        session = Session(spec, (640, 480))
        for t, lift, top in bridge_reps(["good", "low"]):
            session.update(bridge_pose(t, lift, top))
        session.finish()
        report = build_report(session, VideoInfo("x.mp4", 30.0, session.frames, session.last_t, 640, 480), "m",
                              True).as_dict()
        faults[name] = [r["faults"] for r in report["reps"]]
    assert faults == {"spec": [[], ["hips_too_low"]], "limits": [[], []]}  # 30 degrees short: 150 > 145
    assert step.target()["limits"] == {"hips_too_low": {"below": 145.0}}
    assert with_limits(step.spec, {}) is step.spec


def test_the_progress_page_includes_routine_sessions_with_their_pain(plan_file, tmp_path):
    store(plan_file, (GOOD[:3], 2, 2), (GOOD[:3], 4, 1))
    page = tmp_path / "progress.html"
    result = CliRunner().invoke(app, ["report", "--history", "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "2 sessions from" in html and "Glute bridge: 2 sessions" in html
    assert "<td>routine</td>" in html and "<td>4</td><td>1</td>" in html  # pain before, after


def test_a_hold_short_on_one_side_is_said_by_that_side():
    from formcheck.coach.progression import outcome
    from tests.helpers import lunge_report

    segment = lunge_report([(6.0, 1.0, 2.0), (21.0, 1.0, 2.0)])
    step = {"exercise": "deep_lunge_hip_flexor", "set": 1, "target": {"holds_per_side": 1, "hold_s": 10.0, "sets": 1},
            "done": {"holds_per_side": {"left": 0, "right": 1}, "best_hold_s": {"left": 5.6, "right": 20.8}},
            "met": False, "ended_by": "source ended"}
    session = history.StoredSession(1, "2026-03-01T09:00:00+00:00", "routine", "plan", None,
                                    {"routine": {"steps": [step]}, "segments": [segment]}, 2, 2, None, None)
    said = outcome(session, "deep_lunge_hip_flexor")
    assert (said.met, said.did) == (False, "best hold 6 of 10 s on the shorter side")


@pytest.mark.slow
def test_real_routine_runs_hold_the_target_on_poor_form_and_an_edited_file_starts_fresh(tmp_path):
    """Real runs on committed clips (MediaPipe, lite model): a good run, then one with two faulty reps of
    three (the target holds, the run of good sessions is broken), then a good one (one in a row again)."""
    import os
    import subprocess
    import sys

    from tests.helpers import SAMPLES

    plan = tmp_path / "bridges.toml"
    plan.write_text('name = "Bridges"\nwarm_up_s = 0.2\n' + BRIDGES_THAT_GROW)
    said = []
    for clip in ("bridge_fast_good", "bridge_mixed", "bridge_fast_good"):
        done = subprocess.run([sys.executable, "-m", "formcheck", "routine", "--routine", str(plan), "--source",
                               str(SAMPLES / f"{clip}.mp4"), "--no-voice", "--no-window", "--no-realtime", "--model",
                               "lite", "--pain-before", "2", "--pain-after", "2", "--json", str(tmp_path / "r.json")],
                              capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                              env={**os.environ, "COLUMNS": "200"})
        assert done.returncode == 0, done.stderr
        said.append(today(plan))
    assert said == ["3 reps: 1 of 2 sessions in a row at 3 reps with 80% or more good form",
                    "3 reps: last time 33% good form (80% needed to go up)",
                    "3 reps: 1 of 2 sessions in a row at 3 reps with 80% or more good form"]
    assert [s.report["routine"]["steps"][0]["target"]["reps"] for s in history.list_sessions()] == [3, 3, 3]
    plan.write_text(plan.read_text().replace("add_reps = 1", "add_reps = 2"))  # an edited exercise list
    assert today(plan) == "3 reps: the routine's starting target"
