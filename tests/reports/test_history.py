"""The session history: storage, migrations, failure paths, and the `formcheck history` command."""

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.cli.main import app
from formcheck.reports import history
from tests.helpers import bridge_report, lunge_report

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def cli(*args) -> subprocess.CompletedProcess:
    """A separate process: what is kept must outlive the run that kept it."""
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})


def stderr_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_sessions_are_kept_across_runs(history_home):
    bridge, series = bridge_report(["good", "low", "good"])
    lunge = lunge_report([(21.0, 1.0, 2.0), (15.0, 0.0, 25.0)])
    first = history.save_session(bridge, "analyze", series=series)
    second = history.save_session(lunge, "live", pain_before=5, pain_after=3)
    assert (history_home / "history.sqlite3").is_file()
    result = cli("history", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [s["id"] for s in listed] == [first, second]
    assert [(s["kind"], s["exercise"], s["rep_count"], s["good_reps"]) for s in listed] == [
        ("analyze", "glute_bridge", 3, 2), ("live", "deep_lunge_hip_flexor", 0, 0)]
    assert listed[0]["good_form_share"] == pytest.approx(2 / 3, abs=0.001)
    assert listed[1]["side_totals"] == lunge["side_totals"]
    assert (listed[1]["pain_before"], listed[1]["pain_after"]) == (5, 3)
    assert listed[0]["report"] == bridge  # the whole report, as it was
    assert history.get(first).series == series


def test_a_version_1_database_opens_and_migrates(history_home):
    history_home.mkdir()
    path = history_home / "history.sqlite3"
    conn = sqlite3.connect(path)
    for statement in history.MIGRATIONS[0]:  # what the first formcheck with a history wrote
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    report, _ = bridge_report(["good"])
    conn.execute("INSERT INTO sessions (saved_at, kind, name, source, report) VALUES (?, ?, ?, ?, ?)",
                 ("2026-01-02T10:00:00+01:00", "analyze", "glute_bridge", "old.mp4", json.dumps(report)))
    conn.commit()
    conn.close()

    [old] = history.list_sessions()
    assert (old.saved_at, old.name, old.report, old.pain_before, old.series) == (
        "2026-01-02T10:00:00+01:00", "glute_bridge", report, None, None)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION > 1
    new = history.save_session(report, "routine", name="back_pain", pain_before=6)
    assert history.set_pain(new, after=4)
    assert [(s.kind, s.pain_before, s.pain_after) for s in history.list_sessions()] == [
        ("analyze", None, None), ("routine", 6, 4)]


def test_a_database_from_a_newer_formcheck_is_refused_in_one_line(history_home, capsys):
    history_home.mkdir()
    with sqlite3.connect(history_home / "history.sqlite3") as conn:
        conn.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 1}")
    assert history.save_session(bridge_report(["good"])[0], "analyze") is None
    [line] = stderr_lines(capsys)
    assert "newer than this formcheck knows" in line


def test_a_corrupt_database_gives_one_line_and_no_id(history_home, capsys):
    history_home.mkdir()
    (history_home / "history.sqlite3").write_bytes(b"not a database at all\n" * 200)
    assert history.save_session(bridge_report(["good"])[0], "analyze") is None
    assert stderr_lines(capsys) == [
        f"formcheck: session not saved to history: history database {history_home / 'history.sqlite3'} "
        "is damaged (not a readable SQLite file); move it away to start afresh"]


def test_a_locked_database_gives_one_line_and_no_id(history_home, capsys, monkeypatch):
    history.list_sessions()  # create it
    monkeypatch.setattr(history, "LOCK_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(history_home / "history.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert history.save_session(bridge_report(["good"])[0], "analyze") is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert stderr_lines(capsys) == [
        f"formcheck: session not saved to history: history database {history_home / 'history.sqlite3'} "
        "is locked by another program"]


def test_an_unusable_history_folder_gives_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way\n")
    monkeypatch.setenv("FORMCHECK_HOME", str(blocker / "formcheck"))
    assert history.save_session(bridge_report(["good"])[0], "analyze") is None
    assert stderr_lines(capsys) == [
        f"formcheck: session not saved to history: cannot use history folder {blocker / 'formcheck'}: "
        "Not a directory"]
    result = invoke("history")
    assert result.exit_code == 1
    assert "cannot use history folder" in result.output


def test_history_lists_filters_and_exports(history_home):
    bridge, _ = bridge_report(["good", "low"])
    lunge = lunge_report([(21.0, 1.0, 2.0), (15.0, 0.0, 25.0)])
    history.save_session(bridge, "analyze", saved_at="2026-03-01T09:00:00+00:00")
    history.save_session(lunge, "live", saved_at="2026-03-05T09:00:00+00:00", pain_before=4, pain_after=2)
    history.save_session(bridge, "analyze", saved_at="2026-03-09T09:00:00+00:00")

    table = cli("history")
    assert table.returncode == 0
    held = lunge["side_totals"]
    assert 20.5 < held["left"] < 22.0 and 14.5 < held["right"] < 16.0  # of 21 and 15 s
    for text in ("2026-03-01 09:00", "Glute bridge", "50%",
                 f"L {held['left']:.1f}, R {held['right']:.1f}", "Deep lunge hip-flexor stretch", "4 -> 2"):
        assert text in table.stdout

    rows = list(csv.DictReader(io.StringIO(invoke("history", "--csv").stdout)))
    assert [r["exercise"] for r in rows] == ["glute_bridge", "deep_lunge_hip_flexor", "glute_bridge"]
    assert (rows[1]["left_s"], rows[1]["right_s"]) == (
        str(lunge["side_totals"]["left"]), str(lunge["side_totals"]["right"]))
    assert (rows[0]["rep_count"], rows[0]["good_reps"], rows[0]["good_form_share"]) == ("2", "1", "0.5")
    assert (rows[1]["pain_before"], rows[1]["pain_after"], rows[0]["pain_before"]) == ("4", "2", "")

    only = json.loads(invoke("history", "--json", "--exercise", "glute_bridge", "--since", "2026-03-02").stdout)
    assert [s["saved_at"][:10] for s in only] == ["2026-03-09"]
    assert json.loads(invoke("history", "--json", "--since", "2026-04-01").stdout) == []

    bad = invoke("history", "--since", "March")
    assert bad.exit_code == 1
    assert "--since: expected a date YYYY-MM-DD, got 'March'" in bad.output


def test_history_show_prints_the_summary_again():
    bridge, _ = bridge_report(["good", "low"])
    session_id = history.save_session(bridge, "analyze", pain_before=3)
    result = invoke("history", "show", session_id)
    assert result.exit_code == 0, result.output
    assert "Reps: 2   good form: 1" in result.output
    said = " ".join(result.output.split())
    assert "Lift your hips until shoulders, hips and knees are in one line" in said
    assert "Pain before: 3, after: -" in said
    missing = invoke("history", "show", 99)
    assert missing.exit_code == 1
    assert "no session 99 in" in missing.output


def test_history_delete_removes_one_session():
    report, _ = bridge_report(["good"])
    keep, gone = history.save_session(report, "analyze"), history.save_session(report, "analyze")
    result = invoke("history", "delete", gone)
    assert result.exit_code == 0
    assert f"Deleted session {gone}." in result.output
    assert [s.id for s in history.list_sessions()] == [keep]
    again = invoke("history", "delete", gone)
    assert again.exit_code == 1
    assert f"no session {gone} in" in again.output


@pytest.mark.parametrize("stored", ["{broken", '{"schema": "formcheck.report/1", "rep_count": "two"}', "[]"])
def test_a_damaged_row_is_one_line_the_rest_stays_usable_and_it_can_be_deleted(stored, tmp_path):
    report, _ = bridge_report(["good", "low"])
    sound, damaged = history.save_session(report, "analyze"), history.save_session(report, "analyze")
    with sqlite3.connect(history.db_path()) as conn:
        conn.execute("UPDATE sessions SET report = ? WHERE id = ?", (stored, damaged))
    said = f"session {damaged} is damaged (its stored report does not read as a report); " \
           f"`formcheck history delete {damaged}` removes it"
    listed = invoke("history")
    assert listed.exit_code == 0 and f"note: {said}" in " ".join(listed.output.split())
    assert [s.id for s in history.list_sessions()] == [sound]
    shown = invoke("history", "show", damaged)
    assert shown.exit_code == 1 and " ".join(shown.output.split()) == f"error: {said}"
    assert invoke("history", "show", sound).exit_code == 0
    assert invoke("report", "--history", "--html", tmp_path / "p.html").exit_code == 0
    assert invoke("history", "delete", damaged).exit_code == 0
    listed = invoke("history")
    assert listed.exit_code == 0 and "damaged" not in listed.output


def test_ids_out_of_sqlites_range_are_no_session():
    for command in (["history", "show"], ["history", "delete"], ["report", "--html", "x.html"]):
        result = invoke(*command, 2**63)
        assert result.exit_code == 1, result.output
        assert "no session 9223372036854775808: session ids are whole numbers from 1" in " ".join(result.output.split())


def test_pain_ratings_are_whole_numbers_0_to_10():
    report, _ = bridge_report(["good"])
    with pytest.raises(ValueError, match="0..10"):
        history.save_session(report, "analyze", pain_before=11)
    session_id = history.save_session(report, "analyze")
    with pytest.raises(ValueError, match="0..10"):
        history.set_pain(session_id, after=-1)
    assert history.set_pain(session_id, before=0)
    assert not history.set_pain(session_id + 1, before=2)


def test_history_location_follows_formcheck_home(history_home, monkeypatch):
    assert history.db_path() == history_home / "history.sqlite3"
    monkeypatch.delenv("FORMCHECK_HOME")
    import platformdirs

    assert history.history_dir() == Path(platformdirs.user_data_dir("formcheck"))


def test_history_names_a_routine_session_by_its_routine_name(tmp_path):
    from formcheck.coach.routine import load_routine
    from tests.helpers import stored_routine

    plan = tmp_path / "novak_2026.toml"
    plan.write_text('name = "Mrs Novak, low back"\n[[exercises]]\nid = "glute_bridge"\nreps = 2\n')
    stored_routine(load_routine(plan), [["good", "good"]], (3, 2))
    history.save_session(bridge_report(["good"])[0], "analyze")
    table = cli("history")
    assert table.returncode == 0, table.stderr
    [routine_row, analyze_row] = [line for line in table.stdout.splitlines() if line[:1].isdigit()]
    assert "Mrs Novak, low back" in routine_row and "novak_2026" not in routine_row and "3 -> 2" in routine_row
    assert "Glute bridge" in analyze_row and "glute_bridge" not in analyze_row
