"""`formcheck batch`: jobs from inputs and manifests, resuming, and real runs on committed clips."""

import csv
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

from formcheck.batch.jobs import MANIFEST_NAME, Job, jobs_from_inputs
from formcheck.batch.manifest import Manifest, Options, _input_key, file_sha256
from formcheck.cli.main import app
from formcheck.errors import FormcheckError
from tests.helpers import ROOT, SAMPLES, alive, child_pids, cmdline, started, trimmed

runner = CliRunner()


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_batch(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "formcheck", "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def summary(out: Path) -> dict[str, dict]:
    with (out / "summary.csv").open(newline="") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


# ---- fast: no MediaPipe ----------------------------------------------------------------------


def test_folders_are_searched_for_videos_and_the_tree_is_mirrored(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "archive/p1/a.mp4")
    touch(tmp_path / "archive/p1/notes.txt")
    touch(tmp_path / "archive/p2/deep/b.MOV")
    touch(tmp_path / "more/c.mp4")
    touch(tmp_path / "more/d.mkv")
    touch(tmp_path / "more/c.mov")
    jobs = jobs_from_inputs(["archive", "more/*.mp4", "archive/p1/a.mp4", "more/c.mov"], "glute_bridge")
    assert sorted((j.rel, str(j.source)) for j in jobs) == [
        ("archive/p1/a", "archive/p1/a.mp4"), ("archive/p2/deep/b", "archive/p2/deep/b.MOV"),
        ("more/c.mov", "more/c.mov"), ("more/c.mp4", "more/c.mp4")]


def test_bad_inputs_fail_before_any_work(tmp_path):
    clip = str(SAMPLES / "bridge_cut_off.mp4")
    cases = [
        ([str(tmp_path / "nope"), "--exercise", "glute_bridge"], f"no such file or folder: {tmp_path / 'nope'}"),
        ([clip, "--exercise", "squat"], "unknown exercise 'squat'"),
        ([clip], "give INPUTS and --exercise ID|auto, or --manifest FILE.csv"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["batch", "--out", str(tmp_path / "out"), *args])
        assert result.exit_code == 1, args
        assert message in " ".join(result.output.split()), result.output
    assert not (tmp_path / "out").exists()


def test_manifest_lines_are_checked(tmp_path):
    touch(tmp_path / "a.mp4")
    manifest = touch(tmp_path / "list.csv", "path,exercise,patient\na.mp4,glute_bridge,P1\na.mp4,squat,P2\n")
    result = runner.invoke(app, ["batch", "--manifest", str(manifest), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{manifest} line 3: unknown exercise 'squat'" in " ".join(result.output.split())


def test_a_result_is_reused_only_for_the_same_input_spec_and_model(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "exercise_specs", specs)
    monkeypatch.setenv("FORMCHECK_SPECS_DIR", str(specs))
    out = tmp_path / "out"
    out.mkdir()
    video = touch(tmp_path / "a.mp4", "frames")
    job, options = Job(source=video, rel="a", exercise="glute_bridge"), Options(model="lite")
    key = _input_key(job, options, file_sha256(video))
    touch(out / "a.json", "{}")
    from formcheck.batch.manifest import spec_version

    row = {"reps": 1, "good_reps": 1, "holds": 0, "left_s": "", "right_s": "", "pose_coverage": 1.0, "frames": 9,
           "faults": {}}
    Manifest(out).record("a", {**key, "exercise": "glute_bridge", "status": "ok",
                               "spec_version": spec_version("glute_bridge"), "row": row})
    manifest = Manifest(out)  # read back from the file
    assert manifest.is_done(job, options, key, out)
    assert not manifest.is_done(job, Options(model="full"), _input_key(job, Options(model="full"), key["input_sha256"]),
                                out)
    assert not manifest.is_done(job, options, _input_key(job, options, "another content"), out)
    assert not manifest.is_done(job, Options(model="lite", csv=True), key, out)  # the CSV was never written
    spec = specs / "glute_bridge.toml"
    spec.write_text(spec.read_text() + "\n# tuned\n")
    assert not manifest.is_done(job, options, key, out)


def test_manifest_needs_path_and_exercise(tmp_path):
    from formcheck.batch.jobs import jobs_from_manifest

    manifest = touch(tmp_path / "list.csv", "a.mp4\n")
    with pytest.raises(FormcheckError, match=r"line 1: expected path,exercise\[,patient\], got a.mp4"):
        jobs_from_manifest(manifest)


# ---- slow: real MediaPipe on committed clips (the lite model keeps them short) ---------------

GOOD = {"in/a/bridge_cut_off.mp4": "bridge_cut_off", "in/b/bridge_end_on.mp4": "bridge_end_on"}
BAD = "in/b/notes.mp4"


@pytest.fixture(scope="module")
def first_batch(tmp_path_factory):
    """Two good clips and a text file named .mp4, batched once for the tests below."""
    root = tmp_path_factory.mktemp("batch")
    for rel, name in GOOD.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / f"{name}.mp4", root / rel)
    touch(root / BAD, "these are not frames\n" * 50)
    result = run_batch(root, "in", "--exercise", "glute_bridge", "--out", "out", "--model", "lite", "--workers", "2",
                       "--html")
    return root, result


@pytest.mark.slow
def test_batch_reports_are_those_of_analyze(first_batch, monkeypatch):
    root, _ = first_batch
    monkeypatch.chdir(root)
    for rel in GOOD:
        result = runner.invoke(app, ["analyze", rel, "--exercise", "glute_bridge", "--model", "lite",
                                     "--json", "analyzed.json"])
        assert result.exit_code == 0, result.output
        batched = json.loads((root / "out" / Path(rel).relative_to("in").with_suffix(".json")).read_text())
        assert batched == json.loads((root / "analyzed.json").read_text())


@pytest.mark.slow
def test_a_bad_file_is_listed_with_its_reason_and_the_rest_is_done(first_batch):
    root, result = first_batch
    assert result.returncode == 1
    assert "2 analysed, 0 skipped (already done), 1 failed" in " ".join(result.stdout.split())
    rows = summary(root / "out")
    assert rows[BAD]["status"] == "failed"
    assert rows[BAD]["reason"].startswith(f"{BAD} is not a readable video (")
    assert f"failed: {BAD}: {rows[BAD]['reason']}" in " ".join(result.stderr.split())
    assert not (root / "out/b/notes.json").exists()


@pytest.mark.slow
def test_summary_rows_index_and_pages_follow_the_reports(first_batch):
    root, _ = first_batch
    rows = summary(root / "out")
    index = (root / "out/index.html").read_text()
    for rel in GOOD:
        row = rows[rel]
        report = json.loads((root / "out" / row["report"]).read_text())
        assert row["status"] == "ok" and row["exercise"] == "glute_bridge"
        assert int(row["reps"]) == report["rep_count"] and int(row["good_reps"]) == report["good_reps"]
        assert int(row["frames"]) == report["frames_analyzed"]
        assert float(row["pose_coverage"]) == report["pose_coverage"]
        faults = [cue for rep in report["reps"] for cue in rep["faults"]]
        for column, count in row.items():
            if column.startswith("fault_"):
                assert int(count) == faults.count(column.removeprefix("fault_"))
        page = row["report"].removesuffix(".json") + ".html"
        assert f'href="{page}"' in index
        assert f"<p>{report['rep_count']} reps, {report['good_reps']} with good form.</p>" in (
            root / "out" / page).read_text()


@pytest.mark.slow
def test_a_rerun_skips_what_is_done(first_batch, tmp_path):
    root, _ = first_batch
    shutil.copytree(root / "in", tmp_path / "in")
    shutil.copytree(root / "out", tmp_path / "out")
    reports = sorted((tmp_path / "out").rglob("bridge_*.json"))
    before = [p.stat().st_mtime_ns for p in reports]
    result = run_batch(tmp_path, "in", "--exercise", "glute_bridge", "--out", "out", "--model", "lite")
    assert result.returncode == 1  # the bad file is tried again, and fails again
    assert "0 analysed, 2 skipped (already done), 1 failed" in " ".join(result.stdout.split())
    assert [p.stat().st_mtime_ns for p in reports] == before


@pytest.mark.slow
def test_the_manifest_form_names_exercise_and_patient(first_batch, tmp_path):
    root, _ = first_batch
    shutil.copytree(root / "in", tmp_path / "in")
    shutil.copytree(root / "out", tmp_path / "out")
    touch(tmp_path / "list.csv",
          "in/a/bridge_cut_off.mp4,glute_bridge,P001\nin/b/bridge_end_on.mp4,glute_bridge,P002\n")
    result = run_batch(tmp_path, "--manifest", "list.csv", "--out", "out", "--model", "lite")
    assert result.returncode == 0, result.stderr
    assert "0 analysed, 2 skipped (already done), 0 failed" in " ".join(result.stdout.split())
    patients = {Path(p).name: row["patient"] for p, row in summary(tmp_path / "out").items()}
    assert patients == {"bridge_cut_off.mp4": "P001", "bridge_end_on.mp4": "P002"}


@pytest.mark.slow
def test_saved_results_go_into_the_history_with_their_patients(tmp_path):
    from formcheck.reports import history

    (tmp_path / "in").mkdir()
    for name in ("bridge_cut_off", "bridge_end_on"):
        shutil.copy(SAMPLES / f"{name}.mp4", tmp_path / "in" / f"{name}.mp4")
    touch(tmp_path / "list.csv", "in/bridge_cut_off.mp4,glute_bridge,P001\nin/bridge_end_on.mp4,glute_bridge,P002\n")
    result = run_batch(tmp_path, "--manifest", "list.csv", "--out", "out", "--model", "lite", "--save")
    assert result.returncode == 0, result.stderr
    stored = history.list_sessions("glute_bridge")
    assert sorted((s.kind, s.patient, Path(s.source).name) for s in stored) == [
        ("batch", "P001", "bridge_cut_off.mp4"), ("batch", "P002", "bridge_end_on.mp4")]
    reports = {Path(s.source).name: s.report for s in stored}
    on_disk = json.loads((tmp_path / "out" / "bridge_cut_off.json").read_text())
    assert reports["bridge_cut_off.mp4"]["reps"] == on_disk["reps"]


@pytest.mark.slow
def test_a_sighup_to_the_whole_process_group_still_writes_the_summary(tmp_path):
    """A closed terminal hangs up the batch and its workers at once: the driver ends its workers,
    writes the summary of what it has and says how to go on."""
    (tmp_path / "in").mkdir()
    for i in range(6):
        shutil.copy(SAMPLES / "bridge_cut_off.mp4", tmp_path / "in" / f"clip{i}.mp4")
    batch = subprocess.Popen([sys.executable, "-m", "formcheck", "batch", "in", "--exercise", "glute_bridge", "--out",
                              "out", "--model", "lite", "--workers", "2"], cwd=tmp_path, start_new_session=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    manifest = tmp_path / "out" / MANIFEST_NAME
    deadline = time.monotonic() + 300
    while not manifest.exists() and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.2)
    workers = child_pids(batch.pid)
    os.killpg(batch.pid, signal.SIGHUP)
    stdout, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 129, stderr  # 128 + SIGHUP
    assert "(stopped: rerun to go on)" in stdout and "Traceback" not in stderr
    rows = summary(tmp_path / "out")
    assert len(rows) == 6 and 1 <= sum(row["status"] == "ok" for row in rows.values()) < 6
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers)


@pytest.mark.slow
def test_a_killed_batch_resumes_without_redoing_finished_files(tmp_path):
    for i, name in enumerate(["bridge_cut_off", "bridge_end_on", "bridge_end_on"], 1):
        (tmp_path / "in").mkdir(exist_ok=True)
        shutil.copy(SAMPLES / f"{name}.mp4", tmp_path / "in" / f"clip{i}.mp4")
    args = [sys.executable, "-m", "formcheck", "batch", "in", "--exercise", "glute_bridge", "--out", "out",
            "--model", "lite", "--workers", "1"]
    batch = subprocess.Popen(args, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manifest = tmp_path / "out" / MANIFEST_NAME
    deadline = time.monotonic() + 300
    while not manifest.exists() and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.2)
    batch.send_signal(signal.SIGTERM)
    stdout, _ = batch.communicate(timeout=60)
    assert batch.returncode == 143  # 128 + SIGTERM, as analyze says it
    assert "(stopped: rerun to go on)" in stdout
    done = json.loads(manifest.read_text())["files"]
    assert 1 <= len(done) < 3
    mtimes = {rel: (tmp_path / "out" / f"{rel}.json").stat().st_mtime_ns for rel in done}
    result = run_batch(tmp_path, "in", "--exercise", "glute_bridge", "--out", "out", "--model", "lite")
    assert result.returncode == 0, result.stderr
    assert f"{3 - len(done)} analysed, {len(done)} skipped (already done), 0 failed" in " ".join(result.stdout.split())
    assert {rel: (tmp_path / "out" / f"{rel}.json").stat().st_mtime_ns for rel in done} == mtimes
    assert all(row["status"] == "ok" for row in summary(tmp_path / "out").values())


@pytest.mark.slow
def test_ray_local_recognises_the_exercise_and_gives_the_same_report(first_batch, tmp_path):
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'formcheck[ray]')")
    root, _ = first_batch
    clip = "in/a/bridge_cut_off.mp4"
    result = run_batch(root, clip, "--exercise", "auto", "--out", str(tmp_path / "out"), "--model", "lite",
                       "--ray", "local", "--workers", "1")
    assert result.returncode == 0, result.stderr
    row = summary(tmp_path / "out")[clip]
    assert row["exercise"] == "glute_bridge"
    report = json.loads((tmp_path / "out" / row["report"]).read_text())
    assert report == json.loads((root / "out/a/bridge_cut_off.json").read_text())


# ---- hostile archives and endings --------------------------------------------------------------


def test_what_cannot_be_read_in_a_folder_is_listed_and_the_rest_found(tmp_path):
    touch(tmp_path / "in/a.mp4")
    touch(tmp_path / "in/deep/b.mp4")
    (tmp_path / "in/gone.mp4").symlink_to(tmp_path / "nowhere.mp4")
    os.mkfifo(tmp_path / "in/pipe.mp4")
    (tmp_path / "in/empty.mp4").write_bytes(b"")
    (tmp_path / "in/loop").symlink_to(tmp_path / "in")  # a link back up the tree
    deep = tmp_path / "in"
    for _ in range(300):
        deep = deep / "d"
        deep.mkdir()
    touch(deep / "c.mp4")
    jobs = {j.rel.rsplit("/", 1)[-1]: j for j in jobs_from_inputs([str(tmp_path / "in")], "glute_bridge")}
    assert sorted(jobs) == ["a", "b", "c", "empty", "gone", "pipe"]
    assert {k: j.problem for k, j in jobs.items() if j.problem} == {
        "empty": "the file is empty", "gone": "a link to nothing (its target is missing)",
        "pipe": "not a regular file (a FIFO or device?)"}


@pytest.mark.parametrize("name", ["index", "batch-manifest", "INDEX"])
def test_inputs_named_like_the_batch_files_keep_their_own_outputs(tmp_path, name):
    touch(tmp_path / f"in/{name}.mp4")
    touch(tmp_path / "in/other.mp4")
    rels = sorted(j.rel for j in jobs_from_inputs([str(tmp_path / "in")], "glute_bridge"))
    assert rels == sorted([f"{name}.mp4", "other"])


def batch_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "formcheck", "batch", *args]


def clips_in(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        shutil.copy(SAMPLES / ("bridge_cut_off.mp4" if i % 2 else "bridge_end_on.mp4"), folder / f"clip{i}.mp4")


def wait_for_workers(pid: int, n: int, timeout: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [c for c in child_pids(pid) if "spawn_main" in cmdline(c)]
        if len(workers) >= n:
            return workers
        time.sleep(0.1)
    raise AssertionError(f"no {n} workers within {timeout} s")


def batch_with_workers(tmp_path: Path, clips: int, workers: int) -> tuple[subprocess.Popen, list[int]]:
    """A batch over `clips` committed clips, started, once its workers are up."""
    clips_in(tmp_path / "in", clips)
    batch = started(batch_cmd("in", "-e", "glute_bridge", "--out", "out", "--model", "lite", "--workers",
                              str(workers)), cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    return batch, wait_for_workers(batch.pid, workers)


@pytest.mark.slow
def test_a_worker_killed_mid_file_costs_nothing(tmp_path):
    batch, workers = batch_with_workers(tmp_path, 3, 2)
    time.sleep(3)  # into the analysis
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = batch.communicate(timeout=600)
    assert batch.returncode == 0, stderr
    assert "3 analysed, 0 skipped (already done), 0 failed" in " ".join(stdout.split())
    assert "Traceback" not in stderr
    assert all(row["status"] == "ok" for row in summary(tmp_path / "out").values())


@pytest.mark.slow
def test_workers_of_a_batch_killed_with_sigkill_end_too(tmp_path):
    batch, workers = batch_with_workers(tmp_path, 2, 2)
    batch.kill()
    batch.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [w for w in workers if alive(w)]


@pytest.mark.slow
def test_a_second_batch_on_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    first, _ = batch_with_workers(tmp_path, 2, 1)
    second = run_batch(tmp_path, "in", "-e", "glute_bridge", "--out", "out", "--model", "lite")
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"error: another formcheck batch (process {first.pid}) is writing to out; "
        "wait for it to end or choose another --out"]
    _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    assert len(json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())["files"]) == 2


@pytest.mark.slow
def test_fifty_clips_survive_a_killed_worker_and_a_killed_batch(tmp_path):
    """Every clip ends with one report or one reason and the manifest is whole, after a worker
    killed at random and the batch itself killed with SIGKILL and run again."""
    import random

    pieces = [trimmed(tmp_path, SAMPLES / f"{name}.mp4", start + 1.2, start)
              for name in ("bridge_end_on", "bridge_cut_off") for start in (0.0, 2.0)]
    (tmp_path / "in").mkdir()
    for i in range(50):
        shutil.copy(pieces[i % len(pieces)], tmp_path / "in" / f"p{i // 10}_clip{i:02d}.mp4")
    rng = random.Random(7)
    args = batch_cmd("in", "-e", "glute_bridge", "--out", "out", "--model", "lite", "--workers", "2")
    batch = started(args, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    workers = wait_for_workers(batch.pid, 2)
    time.sleep(rng.uniform(3, 6))
    os.kill(rng.choice(workers), signal.SIGKILL)
    manifest = tmp_path / "out" / MANIFEST_NAME
    deadline = time.monotonic() + 300
    while (not manifest.exists() or len(json.loads(manifest.read_text())["files"]) < 15) and batch.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    batch.kill()
    batch.communicate(timeout=60)
    assert 15 <= len(json.loads(manifest.read_text())["files"]) < 50  # stopped half way
    rerun = run_batch(tmp_path, *args[4:])
    assert rerun.returncode in (0, 1), rerun.stderr
    assert "Traceback" not in rerun.stderr
    files = json.loads(manifest.read_text())["files"]
    assert len(files) == 50
    rows = summary(tmp_path / "out")
    assert len(rows) == 50
    for rel, entry in files.items():
        report = tmp_path / "out" / f"{rel}.json"
        if entry["status"] == "ok":
            assert json.loads(report.read_text())["frames_analyzed"] > 0
        else:
            assert entry["reason"] and not report.exists()
    assert sum(e["status"] == "ok" for e in files.values()) >= 49  # at most the file in the killed worker's hands


@pytest.mark.slow
def test_an_output_that_cannot_be_written_fails_its_file_and_the_batch_goes_on(tmp_path):
    clips_in(tmp_path / "in", 2)
    (tmp_path / "out/clip0.json").mkdir(parents=True)  # as a full disk would, the report cannot be written
    result = run_batch(tmp_path, "in", "-e", "glute_bridge", "--out", "out", "--model", "lite", "--workers", "1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    rows = summary(tmp_path / "out")
    assert rows["in/clip0.mp4"]["status"] == "failed"
    assert rows["in/clip0.mp4"]["reason"] == "cannot write its results in out: Is a directory"
    assert rows["in/clip1.mp4"]["status"] == "ok"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    (tmp_path / "out/clip0.json").rmdir()
    (tmp_path / "out/summary.csv").unlink()
    (tmp_path / "out/summary.csv").mkdir()  # now the summary cannot be written
    result = run_batch(tmp_path, "in", "-e", "glute_bridge", "--out", "out", "--model", "lite", "--workers", "1")
    assert result.returncode == 1
    assert "1 analysed, 1 skipped (already done), 0 failed. Could not write out/summary.csv: Is a directory (the " \
           "reports stand)" in " ".join(result.stdout.split())
    assert json.loads((tmp_path / "out/clip0.json").read_text())["frames_analyzed"] > 0


def test_a_name_that_is_not_utf8_is_listed_in_the_summary_and_the_index(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / os.fsdecode(b"\xfcbung.mp4")).write_text("not frames\n" * 20)  # Latin-1, from an old stick
    touch(tmp_path / "in/ok.mp4", "not frames either\n" * 20)
    result = run_batch(tmp_path, "in", "-e", "glute_bridge", "--out", "out", "--model", "lite", "--workers", "1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    rows = summary(tmp_path / "out")
    assert sorted(rows) == ["in/\\xfcbung.mp4", "in/ok.mp4"]
    assert rows["in/\\xfcbung.mp4"]["status"] == "failed"
    assert "failed: in/\\xfcbung.mp4: " in result.stderr
    assert "in/\\xfcbung.mp4" in (tmp_path / "out/index.html").read_text(encoding="utf-8")
