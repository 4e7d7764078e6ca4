"""The prescription on the progress page: each exercise's routine target per session beside what was done,
its steps up and back with their reasons, and the sessions done each week against `per_week`; over
histories of routine sessions stored as `formcheck routine` stores them (real reports on generated
landmarks)."""

import re
from datetime import date
from html import unescape

from typer.testing import CliRunner

from formcheck.cli.main import app
from formcheck.coach.routine import load_routine
from formcheck.reports import history
from formcheck.reports.charts import MAX_LABELS, session_axis, session_labels
from formcheck.reports.html import figure
from formcheck.reports.prescription import Week, adherence, pain_points, prescription, weekly
from formcheck.reports.progress import per_exercise, progress_plots, progress_rows
from formcheck.spec.specs import load_spec
from tests.helpers import BRIDGES_THAT_GROW, bridge_report, fetched, lunge_report, stored_routine

PLAN = 'name = "Mrs Novak, low back"\nper_week = 3\n' + BRIDGES_THAT_GROW
GOOD = ["good"] * 5
UP = "4 reps: 2 sessions in a row at 3 reps with 80% or more good form, pain not up"
BACK = "back to 3 reps: pain rose from 2 to 5 last time"


def weeks_of_sessions(tmp_path):
    """Two good sessions and one with pain rising in the week of 2 March, none the next, one the week after;
    an analyze session of the bridge between them."""
    path = tmp_path / "novak.toml"
    path.write_text(PLAN)
    for day, tops, pain in (("02", GOOD[:3], (2, 2)), ("04", GOOD[:3], (2, 1)), ("06", GOOD[:4], (2, 5)),
                            ("17", GOOD[:3], (2, 2))):
        stored_routine(load_routine(path), [tops], pain, saved_at=f"2026-03-{day}T09:00:00+00:00")
        if day == "04":
            history.save_session(bridge_report(["good", "low"])[0], "analyze", saved_at="2026-03-05T10:00:00+00:00")
    return history.list_sessions()


def bridge_rows(sessions):
    return progress_rows([s for s in per_exercise(sessions) if s.name == "glute_bridge"], load_spec("glute_bridge"))


def test_targets_over_time_rise_and_step_back_with_their_reasons(tmp_path):
    rows = bridge_rows(weeks_of_sessions(tmp_path))
    [panel], changes = prescription(rows, load_spec("glute_bridge"))
    assert panel.target == [3, 3, None, 4, 3]  # the analyze session in its place, with no target
    assert panel.done == {"reps done in a set": [(0, 3), (1, 3), (3, 4), (4, 3)]}
    assert [(c.mark, c.at, c.when, c.reason) for c in changes] == [
        ("\u25b21", 3, "2026-03-06 09:00", UP), ("\u25bc2", 4, "2026-03-17 09:00", BACK)]


def test_sessions_a_week_against_per_week(tmp_path):
    weeks = weekly(weeks_of_sessions(tmp_path))
    assert weeks == {"Mrs Novak, low back": [Week(monday=date(2026, 3, 2), done=3, asked=3),
                                             Week(monday=date(2026, 3, 9), done=0, asked=3),
                                             Week(monday=date(2026, 3, 16), done=1, asked=3)]}


def test_the_progress_page_shows_targets_changes_and_adherence(tmp_path):
    weeks_of_sessions(tmp_path)
    page = tmp_path / "progress.html"
    result = CliRunner().invoke(app, ["report", "--history", "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = unescape(page.read_text())
    assert "Mrs Novak, low back: sessions a week" in html
    assert "4 sessions in 3 weeks, 1.3 a week; 1 of 3 weeks as many as asked (3 a week)." in html
    bridge = html[html.index("Glute bridge: 5 sessions"):]
    assert "The routine's target at each session, and what was done" in bridge
    assert f"<b>\u25b21</b> 2026-03-06 09:00: {UP}" in bridge and f"<b>\u25bc2</b> 2026-03-17 09:00: {BACK}" in bridge
    assert fetched(html) == []


def test_a_hold_is_prescribed_in_seconds_with_each_side_s_best_hold():
    step = {"exercise": "deep_lunge_hip_flexor", "set": 1, "target": {"holds_per_side": 1, "hold_s": 25.0, "sets": 1},
            "done": {"holds_per_side": {"left": 1, "right": 0}, "best_hold_s": {"left": 25.0, "right": 18.5}},
            "met": False, "ended_by": "source ended"}
    plan = {"id": "deep_lunge_hip_flexor", "hold_s": 25.0, "sets": 1, "change": "up", "reason": "25 s: ..."}
    routine = {"name": "Lunges", "steps": [step], "plan": [plan]}
    session = history.StoredSession(1, "2026-03-01T09:00:00+00:00", "routine", "lunges", None, {
        "routine": routine, "segments": [lunge_report([(26.0, 1.0, 2.0), (19.0, 1.0, 2.0)])]}, 2, 2, None, None)
    spec = load_spec("deep_lunge_hip_flexor")
    [panel], [change] = prescription(progress_rows(per_exercise([session]), spec), spec)
    assert (panel.ylabel, panel.target_label, panel.target) == ("seconds", "target (s per side)", [25.0])
    assert panel.done == {"best good-form hold, left leg": [(0, 25.0)], "best good-form hold, right leg": [(0, 18.5)]}
    assert change.change == "up"


def test_sessions_are_labelled_apart_and_only_some_labels_are_drawn():
    labels = session_labels(["2026-12-01 21:41", "2026-12-01 21:41", "2026-12-02 08:00"])
    assert labels == ["12-01\n21:41 #1", "12-01\n21:41 #2", "12-02\n08:00"]
    fig, ax = figure()
    many = session_labels([f"2026-03-{d:02d} 09:00" for d in range(1, 21)])
    session_axis(ax, many)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert len(shown) == 20 and 0 < sum(bool(t) for t in shown) <= MAX_LABELS
    assert shown[-1] == many[-1]  # the latest session is always named


def svg_texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_counts_have_whole_number_ticks(tmp_path):
    rows = bridge_rows(weeks_of_sessions(tmp_path))
    plots = dict(progress_plots(rows, load_spec("glute_bridge")))
    for caption in ("Reps per session", "Pain before and after"):
        numbers = [t for t in svg_texts(plots[caption]) if re.fullmatch(r"-?[\d.]+", t)]
        assert numbers and all(re.fullmatch(r"\d+", t) for t in numbers), (caption, numbers)


def test_a_routine_without_per_week_shows_the_sessions_alone(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text('[[exercises]]\nid = "glute_bridge"\nreps = 2\n')
    stored_routine(load_routine(path), [["good", "good"]], saved_at="2026-03-03T09:00:00+00:00")
    stored_routine(load_routine(path), [["good", "good"]], saved_at="2026-03-12T09:00:00+00:00")
    [(name, weeks)] = weekly(history.list_sessions()).items()
    assert name == "plain" and [(w.done, w.asked) for w in weeks] == [(1, None), (1, None)]
    [said] = adherence(history.list_sessions())
    assert said["said"] == "2 sessions in 2 weeks, 1.0 a week"
    assert "sessions asked for" not in said["plot"] and "sessions done" in said["plot"]


def test_a_set_s_reps_are_counted_as_its_report_counts_them():
    """The routine moved on at its second rep while a third was finishing: the set's report counts three,
    as the summary and the reps plot do, and so does the targets plot."""
    segment = bridge_report(["good", "good", "good"])[0]
    step = {"exercise": "glute_bridge", "set": 1, "target": {"reps": 2, "sets": 1}, "done": {"reps": 2}, "met": True,
            "ended_by": "target"}
    session = history.StoredSession(1, "2026-03-01T09:00:00+00:00", "routine", "r", None, {
        "routine": {"name": "R", "steps": [step]}, "segments": [segment]}, None, None, None, None)
    rows = bridge_rows([session])
    [panel], _ = prescription(rows, load_spec("glute_bridge"))
    assert panel.done == {"reps done in a set": [(0, 3)]} and rows[0]["rep_count"] == 3


def test_pain_at_each_routine_session_and_each_stop_for_pain(tmp_path):
    path = tmp_path / "novak.toml"
    path.write_text(PLAN)
    stored_routine(load_routine(path), [GOOD[:3]], (2, 3), saved_at="2026-03-02T09:00:00+00:00")
    stored_routine(load_routine(path), [GOOD[:3]], (3, None), stop_for_pain=0, saved_at="2026-03-04T09:00:00+00:00")
    assert pain_points(history.list_sessions()) == {"pain before": [(0, 2), (1, 3)], "pain after": [(0, 3)],
                                                    "stopped for pain": [(1, 6)]}
    [routine] = adherence(history.list_sessions())
    assert "stopped for pain" in routine["pain"] and "pain (0-10)" in routine["pain"]
