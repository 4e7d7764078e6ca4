"""`analyze` and `live` keep each run in the history, and finish their own work when the history fails."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from formcheck.cli.main import app
from formcheck.reports import history
from tests.helpers import SAMPLES, fetched, labels

pytestmark = pytest.mark.slow
runner = CliRunner()
CLIP = "bridge_fast_good"


def analyze(*extra):
    return runner.invoke(app, ["analyze", str(SAMPLES / f"{CLIP}.mp4"), "--exercise", "glute_bridge",
                               "--model", "lite", *map(str, extra)])


def test_each_analyze_run_is_kept_unless_no_save(tmp_path):
    reps = len(labels(CLIP)["reps"])
    page = tmp_path / "first.html"
    first = analyze("--html", page)
    assert first.exit_code == 0, first.output
    assert f"Saved as session 1 in {history.db_path()}\n" in first.stdout
    assert analyze("--no-save").exit_code == 0
    assert analyze().exit_code == 0

    stored = history.list_sessions()
    assert [(s.id, s.kind, s.name, s.report["rep_count"]) for s in stored] == [
        (1, "analyze", "glute_bridge", reps), (2, "analyze", "glute_bridge", reps)]
    assert stored[0].source == str((SAMPLES / f"{CLIP}.mp4").resolve())
    assert stored[0].series["measure"] == "hip_line" and len(stored[0].series["t"]) == labels(CLIP)["frame_count"]

    html = page.read_text()
    assert html.count("data:image/jpeg;base64,") == reps  # one picture of each rep's top
    assert f"{reps} reps, {reps} with good form" in html
    assert fetched(html) == []
    again = tmp_path / "again.html"
    assert runner.invoke(app, ["report", "1", "--html", str(again)]).exit_code == 0
    assert again.read_text().count("data:image/jpeg;base64,") == reps


def test_analyze_with_a_corrupt_history_still_writes_its_outputs(history_home, tmp_path):
    history_home.mkdir()
    (history_home / "history.sqlite3").write_bytes(b"\x00garbage" * 500)
    out = tmp_path / "r.json"
    result = analyze("--json", out)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["rep_count"] == len(labels(CLIP)["reps"])
    assert result.stderr.strip().splitlines() == [
        f"formcheck: session not saved to history: history database {history_home / 'history.sqlite3'} "
        "is damaged (not a readable SQLite file); move it away to start afresh"]
    assert "Saved as session" not in result.stdout


def test_live_with_a_locked_history_still_saves_its_report(history_home, tmp_path):
    history.list_sessions()  # create the database
    holder = sqlite3.connect(history_home / "history.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program is writing
    out = tmp_path / "live.json"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "formcheck", "live", "--exercise", "glute_bridge", "--source",
             str(SAMPLES / f"{CLIP}.mp4"), "--no-window", "--no-voice", "--model", "lite", "--json", str(out)],
            capture_output=True, text=True, timeout=180, env={**os.environ, "COLUMNS": "200"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["exercise"] == "glute_bridge"
    history_lines = [line for line in result.stderr.splitlines() if "history" in line]
    assert history_lines == [f"formcheck: session not saved to history: history database "
                             f"{history_home / 'history.sqlite3'} is locked by another program"]
    assert history.list_sessions() == []
    # once the lock is gone, a live run is kept as such
    again = subprocess.run(
        [sys.executable, "-m", "formcheck", "live", "--exercise", "glute_bridge", "--source",
         str(SAMPLES / f"{CLIP}.mp4"), "--no-window", "--no-voice", "--model", "lite", "--max-seconds", "3",
         "--json", str(out)], capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    assert [s.kind for s in history.list_sessions()] == ["live"]


def test_a_live_session_keeps_its_measure_so_its_page_has_the_plot(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "formcheck", "live", "--exercise", "glute_bridge", "--source",
         str(SAMPLES / f"{CLIP}.mp4"), "--no-window", "--no-voice", "--model", "lite", "--json",
         str(tmp_path / "live.json")], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    [stored] = history.list_sessions()
    assert stored.kind == "live" and stored.series["measure"] == "hip_line"
    values = [v for v in stored.series["values"] if v is not None]
    assert len(values) > 100 and max(values) > 165  # the hips came up to the line, rep after rep
    last = stored.report["reps"][-1]
    assert stored.series["t"][0] <= stored.report["reps"][0]["start_s"] and stored.series["t"][-1] >= last["end_s"]
    page = tmp_path / "live.html"
    assert runner.invoke(app, ["report", str(stored.id), "--html", str(page)]).exit_code == 0
    html = page.read_text()
    assert "per-frame measure not stored" not in html
    assert "shoulder-hip-knee" in html[html.index('id="measure-plot"'):]  # the curve's axis, by its label


def test_a_stored_report_takes_no_pictures_from_another_recording_at_its_path(tmp_path):
    """A patient re-records to the same name: the old session's page must not show the new clip."""
    clip = tmp_path / "today.mp4"
    clip.write_bytes((SAMPLES / "bridge_cut_off.mp4").read_bytes())
    done = runner.invoke(app, ["analyze", str(clip), "--exercise", "glute_bridge", "--model", "lite"])
    assert done.exit_code == 0, done.output
    [stored] = history.list_sessions()
    same = runner.invoke(app, ["report", str(stored.id), "--html", str(tmp_path / "same.html")])
    assert same.exit_code == 0, same.output
    assert "data:image/jpeg;base64," in (tmp_path / "same.html").read_text()
    clip.write_bytes((SAMPLES / "lunge_short.mp4").read_bytes())  # another exercise, same name
    other = runner.invoke(app, ["report", str(stored.id), "--html", str(tmp_path / "other.html")])
    assert other.exit_code == 0, other.output
    html = (tmp_path / "other.html").read_text()
    assert "data:image/jpeg;base64," not in html and 'id="recording-changed"' in html
    assert f"note: {clip} is no longer the recording analysed (it changed since)" in other.stderr
