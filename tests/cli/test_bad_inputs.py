"""Every bad input and every way a run can end, through the real command line (a subprocess).

Each case checks the exit code, the one line on stderr, that the input is untouched and that
what was promised exists: a strict-JSON report, a playable video. Inputs are made here: copies
of the sample clips cut short, turned, side by side, or stripped to their header.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.cli.main import app
from tests.helpers import ROOT, SAMPLES, header_only, labels, transport_stream, truncated, video_in_progress

CLIP = SAMPLES / "bridge_cut_off.mp4"  # 8 s, one rep
LONG_CLIP = SAMPLES / "bridge_mixed.mp4"
SPECS = ROOT / "exercise_specs"


def cli(*args, env: dict | None = None) -> SimpleNamespace:
    """The command line in this process: for the cases refused before any model loads."""
    result = CliRunner(env=env).invoke(app, [str(a) for a in args])
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def run(*args, env: dict | None = None, stdin=subprocess.DEVNULL, timeout: float = 300) -> subprocess.CompletedProcess:
    """The command line in its own process: signals, pipes, MediaPipe."""
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True, text=True,
                          stdin=stdin, timeout=timeout, cwd=ROOT, env=_env(env), preexec_fn=_umask)


def start(*args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "formcheck", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(env), preexec_fn=_umask)


def _umask() -> None:
    os.umask(0o022)  # the files' modes below are checked against this


def _env(extra: dict | None) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300", **(extra or {})}


def one_line(proc) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def strict_json(text: str) -> dict:
    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ---- inputs made for the tests ------------------------------------------------------------------


def copy_of(tmp_path: Path, src: Path = CLIP, name: str = "clip.mp4") -> Path:
    dst = tmp_path / name
    shutil.copyfile(src, dst)
    return dst


def reencoded(tmp_path: Path, name: str, frames, size: tuple[int, int], rotation: int | None = None) -> Path:
    path = tmp_path / name
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(30))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for rgb in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")))
        out.mux(stream.encode())
    return path


def clip_frames(src: Path = CLIP):
    with av.open(str(src)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def phone_portrait(tmp_path: Path) -> Path:
    """A portrait stream with a rotate tag that turns it back to the landscape scene."""
    return reencoded(tmp_path, "phone.mp4", (np.rot90(f, k=-1) for f in clip_frames()), (360, 480), rotation=90)


def sideways(tmp_path: Path) -> Path:
    """The camera on its side and no tag saying so."""
    return reencoded(tmp_path, "sideways.mp4", (np.rot90(f, k=-1) for f in clip_frames()), (360, 480))


def two_people(tmp_path: Path) -> Path:
    pairs = zip(clip_frames(), clip_frames(SAMPLES / "bridge_az30.mp4"), strict=False)
    return reencoded(tmp_path, "two_people.mp4", (np.hstack([a, b]) for a, b in pairs), (960, 360))


def specs_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    shutil.copytree(SPECS, folder)
    return folder


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of 64 KiB (less than an annotated clip), mounted for the test; skipped where the machine cannot mount."""
    mount = tmp_path / "small_disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


# ---- 1. an output that is the input, or two outputs on one file ---------------------------------


def _same_as_input(tmp_path: Path, video: Path, kind: str) -> Path:
    if kind == "symlink":
        (tmp_path / "link.mp4").symlink_to(video)
        return tmp_path / "link.mp4"
    if kind == "hardlink":
        os.link(video, tmp_path / "hard.mp4")
        return tmp_path / "hard.mp4"
    if kind == "dotted":
        (tmp_path / "sub").mkdir()
        return tmp_path / "sub" / ".." / video.name
    return video


@pytest.mark.parametrize("flag", ["--video", "--json", "--csv"])
@pytest.mark.parametrize("kind", ["same", "symlink", "hardlink", "dotted"])
def test_output_that_is_the_input_is_refused(tmp_path, flag, kind):
    video = copy_of(tmp_path)
    before = digest(video)
    target = _same_as_input(tmp_path, video, kind)
    proc = cli("analyze", video, "-e", "glute_bridge", flag, target)
    assert proc.returncode == 1
    assert one_line(proc) == (f"error: {flag} {target} is the input video and would be overwritten; "
                              "choose another file name")
    assert digest(video) == before


def test_two_outputs_on_one_file_are_refused(tmp_path):
    video = copy_of(tmp_path)
    out = tmp_path / "out.txt"
    (tmp_path / "alias.txt").symlink_to(out)
    proc = cli("analyze", video, "-e", "glute_bridge", "--json", out, "--csv", tmp_path / "alias.txt")
    assert proc.returncode == 1
    assert one_line(proc) == f"error: --json and --csv both name {tmp_path / 'alias.txt'}; give each its own file"
    assert not out.exists()


def test_live_report_on_the_source_is_refused(tmp_path):
    video = copy_of(tmp_path)
    before = digest(video)
    proc = cli("live", "-e", "glute_bridge", "--source", video, "--json", video, "--no-window", "--no-voice")
    assert proc.returncode == 1
    assert one_line(proc) == f"error: --json {video} is the input video and would be overwritten; choose another " \
                             "file name"
    assert digest(video) == before


# ---- 2. a write that fails: each output stands alone -------------------------------------------


def test_output_that_cannot_be_created_is_refused_up_front():
    proc = cli("analyze", CLIP, "-e", "glute_bridge", "--json", "/proc/formcheck.json")
    assert proc.returncode == 1
    assert one_line(proc) == "error: cannot write /proc/formcheck.json: No such file or directory"


@pytest.mark.slow
def test_disk_full_while_writing_the_video_keeps_the_report(tmp_path, small_disk):
    video, report, annotated = copy_of(tmp_path), tmp_path / "r.json", small_disk / "a.mp4"
    proc = run("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", report, "--video", annotated)
    assert proc.returncode == 1, proc.stderr
    assert one_line(proc) == f"error: could not write the annotated video {annotated}: no space left on the disk"
    assert not annotated.exists()  # no broken file left behind
    assert strict_json(report.read_text())["rep_count"] == len(labels("bridge_cut_off")["reps"])
    assert stat.S_IMODE(report.stat().st_mode) == 0o644  # the umask (022), not 0600
    assert "Reps: 1" in proc.stdout and f"Wrote report: {report}" in proc.stdout
    assert "Wrote annotated video" not in proc.stdout


@pytest.mark.slow
def test_disk_full_while_writing_the_report_keeps_the_video(tmp_path, small_disk):
    video, report, annotated = copy_of(tmp_path), small_disk / "r.json", tmp_path / "a.mp4"
    fill(small_disk)
    proc = run("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", report, "--video", annotated)
    assert proc.returncode == 1, proc.stderr
    assert one_line(proc) == f"error: could not write the report {report}: no space left on the disk"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no report, no temp file
    assert decoded_frames(annotated) == labels("bridge_cut_off")["frame_count"]
    assert f"Wrote annotated video: {annotated}" in proc.stdout


def idle(pid: int, seconds: float) -> bool:
    """The process used no CPU for `seconds` (it waits on something)."""
    def cpu() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    before = cpu()
    time.sleep(seconds)
    return cpu() == before


@pytest.mark.slow
def test_a_run_killed_or_failing_over_an_old_video_leaves_it_whole(tmp_path):
    video, annotated = copy_of(tmp_path, LONG_CLIP), tmp_path / "a.mp4"
    shutil.copy(SAMPLES / "bridge_end_on.mp4", annotated)
    old = annotated.read_bytes()
    proc = start("analyze", video, "-e", "glute_bridge", "--model", "lite", "--video", annotated)
    wait_for(lambda: video_in_progress(tmp_path) > 20_000)
    proc.kill()
    proc.communicate(timeout=60)
    assert annotated.read_bytes() == old
    strays = list(tmp_path.glob(".formcheck-*"))
    assert len(strays) == 1  # what a killed run cannot clean up: a dot-file beside it
    strays[0].unlink()
    proc = run("analyze", header_only(tmp_path), "-e", "glute_bridge", "--model", "lite", "--video", annotated)
    assert proc.returncode == 1  # no frame analysed: no new video, and the old one stays
    assert annotated.read_bytes() == old
    proc = run("analyze", CLIP, "-e", "glute_bridge", "--model", "lite", "--video", annotated)
    assert proc.returncode == 0, proc.stderr
    assert decoded_frames(annotated) == labels("bridge_cut_off")["frame_count"]
    assert not list(tmp_path.glob(".formcheck-*"))  # only a killed run leaves its temp file: none here


@pytest.mark.slow
def test_a_fifo_nobody_reads_ends_on_sigterm_and_the_other_outputs_stand(tmp_path):
    fifo, measures = tmp_path / "report.fifo", tmp_path / "m.csv"
    os.mkfifo(fifo)
    os.mkfifo(fifo.with_name("v.mp4"))
    proc = start("analyze", CLIP, "-e", "glute_bridge", "--model", "lite", "--json", fifo, "--csv", measures,
                 "--video", fifo.with_name("v.mp4"))
    wait_for(lambda: idle(proc.pid, 1.5))  # the analysis is over; the report waits for a reader
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=10)  # not for ever, not even the 30 s it would wait
    assert proc.returncode == 143  # what SIGTERM asks for
    assert f"error: could not write the report {fifo}: nobody read the FIFO within 30 s" in stderr.splitlines()
    assert (f"error: could not write the annotated video {fifo.with_name('v.mp4')}: an MP4 needs a file it can "
            "seek in, not a FIFO") in stderr.splitlines()
    assert "Traceback" not in stderr
    assert measures.read_text().startswith("t,pose,")


# ---- 3. SIGTERM and SIGHUP end a run as Ctrl-C does ---------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "named"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP"),
                                               (signal.SIGINT, "Ctrl-C")])
def test_stop_signal_writes_a_partial_report_and_a_playable_video(tmp_path, signum, named):
    video, report, annotated = copy_of(tmp_path, LONG_CLIP), tmp_path / "r.json", tmp_path / "a.mp4"
    proc = start("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", report, "--video", annotated)
    wait_for(lambda: video_in_progress(tmp_path) > 20_000)  # frames are being analysed
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, stderr
    assert stderr == ""
    data = strict_json(report.read_text())
    assert data["complete"] is False
    assert data["incomplete_reason"] == f"stopped early by {named}"
    assert 0 < data["frames_analyzed"] < labels("bridge_mixed")["frame_count"]
    assert decoded_frames(annotated) == data["frames_analyzed"]
    assert "stopped early" in stdout and f"Wrote annotated video: {annotated}" in stdout


@pytest.mark.slow
def test_stop_signal_in_live_mode_saves_the_report(tmp_path):
    report = tmp_path / "live.json"
    proc = start("live", "-e", "glute_bridge", "--source", LONG_CLIP, "--no-window", "--no-voice", "--model", "lite",
                 "--json", report)
    time.sleep(8)  # the model loaded, the clip playing
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    data = strict_json(report.read_text())
    assert data["live"]["ended_by"] == "SIGTERM" and data["frames_analyzed"] > 0
    assert f"Wrote report: {report}" in stdout


# ---- 4. `-`, special files and symlinks; 8. brackets in paths; 15. mkv, modes ------------------


@pytest.mark.slow
def test_json_to_stdout_csv_through_a_symlink_mkv_video_in_a_bracketed_folder(tmp_path):
    folder = tmp_path / "out [bold]x[/"
    folder.mkdir()
    video = copy_of(tmp_path)
    before = digest(video)
    csv_target, csv_link, annotated = folder / "measures.csv", tmp_path / "link.csv", folder / "a.mkv"
    csv_link.symlink_to(csv_target)
    proc = run("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", "-", "--csv", csv_link,
               "--video", annotated)
    assert proc.returncode == 0, proc.stderr
    report = strict_json(proc.stdout)  # nothing but the report on stdout
    assert report["rep_count"] == 1 and not Path(ROOT / "-").exists()
    assert "Reps: 1" in proc.stderr  # the summary went to stderr
    assert f"Wrote annotated video: {annotated}" in proc.stderr.splitlines()
    assert f"Wrote measures: {csv_link}" in proc.stderr.splitlines()
    assert "movflags" not in proc.stderr
    assert csv_link.is_symlink() and csv_target.read_text().startswith("t,")
    assert stat.S_IMODE(csv_target.stat().st_mode) == 0o644  # the umask (022), not 0600
    assert decoded_frames(annotated) == report["frames_analyzed"]
    assert digest(video) == before


@pytest.mark.slow
def test_clean_run_writes_through_dev_stdout_and_a_fifo_with_a_quiet_stderr(tmp_path):
    fifo = tmp_path / "measures.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    try:
        proc = run("analyze", CLIP, "-e", "glute_bridge", "--model", "lite", "--json", "/dev/stdout", "--csv", fifo)
    finally:
        if not Path("/dev/stdout").is_symlink():  # a regression replaced it: put it back for the rest
            Path("/dev/stdout").unlink()
            Path("/dev/stdout").symlink_to("/proc/self/fd/1")
    reader.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # not even a blank line
    data = strict_json(proc.stdout[:proc.stdout.rindex("}") + 1])  # the report, then the summary
    assert data["complete"] is True and data["notes"] == []
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # written through, not replaced
    assert received and received[0].startswith("t,")


def test_only_one_output_can_go_to_stdout():
    proc = cli("analyze", CLIP, "-e", "glute_bridge", "--json", "-", "--csv", "-")
    assert proc.returncode == 1
    assert one_line(proc) == "error: --json - and --csv -: only one output can go to standard output"


# ---- 5. rotation -------------------------------------------------------------------------------


@pytest.mark.slow
def test_phone_video_with_a_rotate_tag_is_shown_upright(tmp_path):
    video, report, annotated = phone_portrait(tmp_path), tmp_path / "r.json", tmp_path / "a.mp4"
    proc = run("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", report, "--video", annotated)
    assert proc.returncode == 0, proc.stderr
    data = strict_json(report.read_text())
    assert (data["source"]["width"], data["source"]["height"]) == (480, 360)  # as displayed, not as stored
    assert data["rep_count"] == 1
    with av.open(str(annotated)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (480, 360)
        first = next(container.decode(stream)).to_ndarray(format="rgb24")
    original = next(clip_frames())
    assert np.abs(first.astype(int) - original.astype(int)).mean() < 40  # the same scene, not cropped or stretched


@pytest.mark.slow
@pytest.mark.parametrize(("make", "note"), [(sideways, "body_rotated"), (two_people, "two_people")])
def test_clip_as_a_whole_gets_its_note(tmp_path, make, note):
    """A camera on its side with no tag (0 reps otherwise unexplained); a second person in the picture."""
    report = tmp_path / "r.json"
    proc = run("analyze", make(tmp_path), "-e", "glute_bridge", "--model", "lite", "--json", report)
    assert proc.returncode == 0, proc.stderr
    notes = strict_json(report.read_text())["notes"]
    assert [n["note"] for n in notes] == [note]
    assert notes[0]["message"] in proc.stdout


# ---- 6. truncated; 7. no frame at all ---------------------------------------------------------


@pytest.mark.slow
def test_truncated_file_is_analysed_as_far_as_it_goes_and_reported_incomplete(tmp_path):
    video, report = truncated(tmp_path), tmp_path / "r.json"
    proc = run("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", report)
    assert proc.returncode == 1
    line = one_line(proc)
    match = re.fullmatch(rf"error: {re.escape(str(video))}: decoding stopped at (\d+\.\d) s of 8\.3 s \(the file "
                         r"looks truncated or damaged\); the result covers what decoded", line)
    assert match and 2.0 < float(match[1]) < 6.0, line
    data = strict_json(report.read_text())
    assert data["complete"] is False and data["incomplete_reason"] in line
    assert 0 < data["frames_analyzed"] < labels("bridge_cut_off")["frame_count"]
    assert f"(partial result: {data['incomplete_reason']})" in proc.stdout  # the summary says so


def test_header_only_file_is_an_error(tmp_path):
    video = header_only(tmp_path)
    proc = cli("analyze", video, "-e", "glute_bridge", "--json", tmp_path / "r.json")
    assert proc.returncode == 1
    assert one_line(proc) == f"error: {video} has no frame that decodes (an empty or damaged video)"
    assert not (tmp_path / "r.json").exists()


@pytest.mark.slow
def test_ctrl_c_at_the_start_promises_only_a_video_that_exists(tmp_path):
    report, annotated = tmp_path / "r.json", tmp_path / "a.mp4"
    proc = start("analyze", CLIP, "-e", "glute_bridge", "--json", report, "--video", annotated)
    time.sleep(1.5)  # started; where it stops (before the work, while the model loads, on a frame) varies
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    frames = strict_json(report.read_text())["frames_analyzed"] if report.exists() else None
    if frames:
        assert f"Wrote annotated video: {annotated}" in stdout and decoded_frames(annotated) == frames
    else:  # nothing analysed: no video is promised, none is left
        assert not annotated.exists() and "Wrote annotated video" not in stdout
        if frames == 0:
            assert stderr.splitlines() == [f"error: could not write the annotated video {annotated}: "
                                           "no frame was analysed"]


def test_video_without_frames_is_removed_and_named(tmp_path):
    from formcheck.video.writer import VideoWriter

    path = tmp_path / "a.mp4"
    writer = VideoWriter(path, (64, 48), 30.0)
    assert writer.close() == "no frame was analysed"
    assert not path.exists()


# ---- 8. square brackets are text, not markup ----------------------------------------------------


def test_brackets_in_a_missing_path_are_printed_as_they_are(tmp_path):
    (tmp_path / "clips[").mkdir()
    video = tmp_path / "clips[" / "x].mp4"
    proc = cli("analyze", video, "-e", "glute_bridge")
    assert proc.returncode == 1
    assert one_line(proc) == f"error: video not found: {video}"


def test_spec_error_keeps_its_bracketed_hint(tmp_path):
    folder = specs_copy(tmp_path)
    spec = folder / "glute_bridge.toml"
    spec.write_text(spec.read_text().replace('drive = "hip_lift"', 'drive = "hip_lyft"'))
    proc = cli("analyze", CLIP, "-e", "glute_bridge", env={"FORMCHECK_SPECS_DIR": str(folder)})
    assert proc.returncode == 1
    assert "expected a measure declared under [measures] or built in" in one_line(proc)


# ---- 9. live with an unreachable display; 15. a missing camera -----------------------------------


def test_live_with_an_unreachable_display_says_so(tmp_path):
    proc = cli("live", "-e", "glute_bridge", "--source", CLIP, "--no-voice", "--json", tmp_path / "r.json",
               env={"DISPLAY": ":97"})
    assert proc.returncode == 1
    assert one_line(proc) == ("error: no display for the live window (cannot connect to the display :97); "
                              "use --no-window, or `formcheck analyze` for a recorded video")


def test_missing_camera_is_one_line(tmp_path):
    proc = cli("live", "-e", "glute_bridge", "--camera", "9", "--no-window", "--no-voice", "--json",
               tmp_path / "r.json")
    assert proc.returncode == 1
    assert one_line(proc).startswith("error: camera 9 could not be opened")


# ---- 10. live: no NaN, a failed source is exit 1 -----------------------------------------------


@pytest.mark.slow
def test_live_report_without_frames_is_strict_json(tmp_path):
    report = tmp_path / "live.json"
    proc = run("live", "-e", "glute_bridge", "--source", CLIP, "--no-window", "--no-voice", "--model", "lite",
               "--max-seconds", "1e-9", "--json", report)
    assert proc.returncode == 0, proc.stderr
    data = strict_json(report.read_text())
    assert data["live"]["processed_frames"] == 0 and data["live"]["latency_ms_p50"] is None


@pytest.mark.slow
def test_live_source_that_fails_is_exit_1(tmp_path):
    video, report = truncated(tmp_path), tmp_path / "live.json"
    proc = run("live", "-e", "glute_bridge", "--source", video, "--no-window", "--no-voice", "--model", "lite",
               "--json", report)
    assert proc.returncode == 1
    assert re.fullmatch(rf"error: the source failed: {re.escape(str(video))}: decoding stopped at \d+\.\d s of 8\.3 s "
                        r"\(the file looks truncated or damaged\)", one_line(proc))
    data = strict_json(report.read_text())
    assert data["complete"] is False and data["live"]["ended_by"] == "source failed"


# ---- 11. specs ----------------------------------------------------------------------------------


def _edit(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


SPEC_CASES = {
    "not utf-8": (lambda f: (f / "glute_bridge.toml").write_bytes(b"# caf\xe9\n" + (f / "glute_bridge.toml")
                                                                   .read_bytes()),
                  "{f}/glute_bridge.toml: not UTF-8 text (byte 5); save it as UTF-8"),
    "id not the file name": (lambda f: _edit(f, "glute_bridge.toml", 'id = "glute_bridge"', 'id = "bridge"'),
                             "{f}/glute_bridge.toml: id: expected 'glute_bridge', the file's name, got 'bridge'"),
    "nan threshold": (lambda f: _edit(f, "glute_bridge.toml", "below = ", "below = nan #"),
                      "{f}/glute_bridge.toml: cues[2].below: expected a finite number, got nan"),
    "duplicate cue": (lambda f: _edit(f, "glute_bridge.toml", 'name = "hips_too_low"', 'name = "wrong_view"'),
                      "{f}/glute_bridge.toml: cues[2].name: expected a cue name used once (the exercise's cues and "
                      "_common.toml's together), got 'wrong_view'"),
    "zero timing": (lambda f: _edit(f, "glute_bridge.toml", "min_rep_s = 1.0", "min_rep_s = 0"),
                    "{f}/glute_bridge.toml: reps.min_rep_s: expected a time in seconds above 0, got 0.0"),
    "negative timing": (lambda f: _edit(f, "glute_bridge.toml", "settle_s = 0.3", "settle_s = -1"),
                        "{f}/glute_bridge.toml: reps.settle_s: expected a time in seconds above 0, got -1.0"),
}


@pytest.mark.parametrize("case", SPEC_CASES)
@pytest.mark.parametrize("command", ["analyze", "exercises"])
def test_bad_spec_is_one_line(tmp_path, case, command):
    folder = specs_copy(tmp_path)
    break_it, expected = SPEC_CASES[case]
    break_it(folder)
    args = ["analyze", CLIP, "-e", "glute_bridge"] if command == "analyze" else ["exercises"]
    proc = cli(*args, env={"FORMCHECK_SPECS_DIR": str(folder)})
    assert proc.returncode == 1
    assert one_line(proc) == "error: " + expected.format(f=folder)


def test_common_is_not_an_exercise():
    proc = cli("analyze", CLIP, "-e", "_common")
    assert proc.returncode == 1
    assert one_line(proc).startswith("error: unknown exercise '_common'; known exercises: cat_cow, ")


@pytest.mark.parametrize("command", [["exercises"], ["analyze", CLIP, "-e", "glute_bridge"]])
def test_missing_specs_folder_is_an_error(tmp_path, command):
    proc = cli(*command, env={"FORMCHECK_SPECS_DIR": str(tmp_path / "nowhere")})
    assert proc.returncode == 1
    assert one_line(proc) == f"error: exercise specs folder not found: {tmp_path / 'nowhere'} (set by " \
                             "FORMCHECK_SPECS_DIR)"


# ---- 12. a model bundle whose parts do not fit -------------------------------------------------


@pytest.mark.slow
def test_model_with_invalid_content_is_one_line(tmp_path):
    import zipfile

    with zipfile.ZipFile(ROOT / "models" / "pose_landmarker_lite.task") as src:
        detector, landmarks = src.read("pose_detector.tflite"), src.read("pose_landmarks_detector.tflite")
    swapped = tmp_path / "swapped.task"
    with zipfile.ZipFile(swapped, "w") as z:
        z.writestr("pose_detector.tflite", landmarks)
        z.writestr("pose_landmarks_detector.tflite", detector)
    proc = run("analyze", CLIP, "-e", "glute_bridge", "--model", swapped)
    assert proc.returncode == 1
    line = one_line(proc)  # no "Exception ignored in PoseLandmarker.__del__" after it
    assert line.startswith(f"error: pose model {swapped} could not be loaded") and "build_models.py" in line


# ---- 13. images and pipes ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_image_is_not_a_video(tmp_path, suffix):
    image = tmp_path / f"photo{suffix}"
    with av.open(str(image), "w", format="image2") as out:
        stream = out.add_stream("png" if suffix == ".png" else "mjpeg", rate=1)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "rgb24" if suffix == ".png" else "yuvj420p"
        out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")))
        out.mux(stream.encode())
    proc = cli("analyze", image, "-e", "glute_bridge")
    assert proc.returncode == 1
    assert one_line(proc) == f"error: {image} is an image, not a video"


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_piped_video_says_it_needs_a_file(name):
    with open(CLIP, "rb") as clip:
        feeder = subprocess.Popen(["cat"], stdin=clip, stdout=subprocess.PIPE)
        proc = run("analyze", name, "-e", "glute_bridge", stdin=feeder.stdout)
        feeder.kill()
    assert proc.returncode == 1
    what = "cannot read a video from standard input (-)" if name == "-" else \
        "/dev/stdin is a pipe or device, not a file"
    assert one_line(proc) == f"error: {what}; formcheck needs the video as a file (save the stream to a file first)"


# ---- 15. FFmpeg's error numbers in words ---------------------------------------------------------


def test_not_a_video_says_what_it_means(tmp_path):
    fake = tmp_path / "noise.mp4"
    fake.write_bytes(bytes(range(256)) * 40)
    proc = cli("analyze", fake, "-e", "glute_bridge")
    assert proc.returncode == 1
    assert one_line(proc) == f"error: {fake} is not a readable video (not a video, or damaged)"


@pytest.mark.parametrize("args", [["analyze", str(CLIP), "-e", "glute_bridge", "--fps"],
                                  ["batch", str(CLIP), "-e", "glute_bridge", "--out", "never", "--fps"],
                                  ["live", "-e", "glute_bridge", "--no-window", "--max-seconds"]])
@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "-1", "0"])
def test_a_number_that_makes_no_sense_is_refused_before_any_work(args, value):
    result = CliRunner().invoke(app, [*args, value])
    assert result.exit_code == 2
    assert "Invalid value for '--" in result.output


@pytest.mark.parametrize("command", [["live", "-e", "glute_bridge", "--no-window", "--no-voice"],
                                     ["routine", "--no-window", "--no-voice"]])
@pytest.mark.parametrize("index", ["-3", "100", "99999999999999"])
def test_a_camera_index_opencv_cannot_take_is_refused_before_it_reaches_opencv(command, index):
    """-3 crashed OpenCV (SIGSEGV); a number past a C int raised its overload error."""
    result = CliRunner().invoke(app, [*command, "--camera", index])
    assert result.exit_code == 2
    assert "Invalid value for '--camera'" in result.output


@pytest.mark.slow
def test_json_to_a_closed_standard_output_is_one_line_and_the_rest_is_kept(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(CLIP), "-e", "glute_bridge", "--model",
                           "lite", "--json", "-", "--csv", str(tmp_path / "m.csv")], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=300, cwd=ROOT, env=_env(env),
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 1, proc.stderr
    assert "error: could not write the report -: standard output is closed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "m.csv").read_text().startswith("t,")
    assert "Reps: 1" in proc.stderr  # the summary goes to stderr when the report was meant for stdout


@pytest.mark.slow
def test_camera_pieces_joined_with_cat_are_analysed_whole_even_at_another_size(tmp_path):
    """Two transport-stream pieces of a 4-rep bridge, the second at half the size, joined with `cat`:
    their clock restarts where they meet; every rep of both is counted and the change is said."""
    name = "bridge_fast_good"
    first = transport_stream(tmp_path / "a.ts", SAMPLES / f"{name}.mp4")
    second = transport_stream(tmp_path / "b.ts", SAMPLES / f"{name}.mp4", size=(320, 240))
    (joined := tmp_path / "joined.ts").write_bytes(first.read_bytes() + second.read_bytes())
    proc = run("analyze", joined, "-e", "glute_bridge", "--model", "lite", "--json", tmp_path / "r.json",
               "--no-save")
    assert proc.returncode == 0, proc.stderr
    report = strict_json((tmp_path / "r.json").read_text())
    reps = len(labels(name)["reps"])
    assert (report["rep_count"], report["complete"]) == (2 * reps, True)
    assert report["source"]["duration_s"] == pytest.approx(2 * labels(name)["duration_s"], abs=0.1)
    assert [n["note"] for n in report["notes"]] == ["stream_changed", "stream_changed"]
    assert "clock starts again at 17.4 s" in proc.stdout and "size changes at 17.4 s (to 320x240)" in proc.stdout


@pytest.mark.slow
def test_a_video_name_that_is_not_utf8_is_analysed_kept_and_shown(tmp_path):
    """A Latin-1 name from an old USB stick: the report, the page and the history all say it, odd byte escaped."""
    video = tmp_path / os.fsdecode(b"\xfcbung.mp4")
    video.write_bytes(CLIP.read_bytes())
    proc = run("analyze", video, "-e", "glute_bridge", "--model", "lite", "--json", tmp_path / "r.json",
               "--html", tmp_path / "r.html", env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stderr
    report = strict_json((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["source"]["path"] == str(tmp_path / "\\xfcbung.mp4") and report["rep_count"] == 1
    assert "\\xfcbung.mp4" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Saved as session 1" in proc.stdout
    shown = run("history", "show", "1", env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert shown.returncode == 0 and "\\xfcbung.mp4" in shown.stdout
