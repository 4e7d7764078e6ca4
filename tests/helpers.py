"""Shared test helpers: the committed clips and their labels, reports built from generated landmarks,
and what an HTML page would fetch. Test modules import these; no test imports another test module."""

import copy
import functools
import json
import os
import re
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
TEST_SPECS = Path(__file__).resolve().parent / "specs"
# Anything a page could fetch: src/href attributes, CSS url() and @import.
FETCHES = re.compile(r"""(?:\bsrc|\bhref)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*)|@import\s+["']([^"']*)""")


def labels(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def fetched(html: str) -> list[str]:
    """What the page would load from outside itself (inline data and in-page #links are not)."""
    found = [next(g for g in m.groups() if g is not None) for m in FETCHES.finditer(html)]
    return [u for u in found if not u.startswith(("data:", "#"))]


def bridge_report(tops: list[str], path: str = "gone/bridge.mp4") -> tuple[dict, dict]:
    """A real report and measure series from the engine on generated bridge landmarks (no video)."""
    return copy.deepcopy(_bridge_report(tuple(tops), path))


@functools.cache
def _bridge_report(tops: tuple[str, ...], path: str) -> tuple[dict, dict]:
    from formcheck.analysis.session import Session
    from formcheck.reports.report import build_report, measure_series
    from formcheck.spec.specs import load_spec
    from formcheck.video.files import VideoInfo
    from tests.builders import bridge_pose, bridge_reps

    session = Session(load_spec("glute_bridge"), (640, 480))
    for t, lift, top in bridge_reps(list(tops)):
        session.update(bridge_pose(t, lift, top))
    session.finish()
    info = VideoInfo(path, 30.0, session.frames, round(session.last_t, 3), 640, 480)
    return build_report(session, info, "pose_landmarker_full", True).as_dict(), measure_series(session)


def lunge_report(holds: list[tuple[float, float, float]]) -> dict:
    """A real report from the engine on generated lunge measures: (seconds, front_leg, torso lean) a hold."""
    return copy.deepcopy(_lunge_report(tuple(holds)))


@functools.cache
def _lunge_report(holds: tuple[tuple[float, float, float], ...]) -> dict:
    from formcheck.analysis.session import Session
    from formcheck.pose.landmarker import PoseFrame
    from formcheck.reports.report import build_report
    from formcheck.spec.specs import load_spec
    from formcheck.video.files import VideoInfo
    from tests.builders import eased

    fps = 30.0
    base = {"visible": 1.0, "side_spread": 0.1, "front_knee": 90.0, "torso_lean": 2.0, "front_shin": 26.0}
    stream = []
    for seconds, leg, lean in holds:
        for span, thigh in ((2.5, (3.0, 32.0)), (seconds, (32.0, 32.0)), (2.0, (32.0, 3.0)), (2.0, (3.0, 3.0))):
            n = round(span * fps)
            held = thigh[0] == thigh[1] == 32.0
            stream += [base | {"front_leg": leg, "torso_lean": lean if held else 2.0,
                               "rear_thigh": thigh[0] + (thigh[1] - thigh[0]) * eased(i / n)} for i in range(n)]
    # The session's own measures are replaced by this stream: the frames carry no landmarks.
    session = Session(load_spec("deep_lunge_hip_flexor"), (640, 480))
    values = iter(stream)
    session.measures = lambda frame, size: next(values)
    for i in range(len(stream)):
        session.update(PoseFrame.empty(i / fps))
    session.finish()
    info = VideoInfo("gone/lunge.mp4", fps, session.frames, round(session.last_t, 3), 640, 480)
    return build_report(session, info, "pose_landmarker_full", True).as_dict()


# A routine's glute bridges that grow by one rep after two good sessions in a row, up to 5.
BRIDGES_THAT_GROW = """
[[exercises]]
id = "glute_bridge"
reps = 3
[exercises.progress]
every = 2
good_share = 0.8
add_reps = 1
max_reps = 5
back_on_pain = 2
"""


def stored_routine(routine, tops: list[list[str]], pain: tuple[int | None, int | None] = (None, None),
                   stop_for_pain: int | None = None, saved_at: str | None = None) -> int | None:
    """A routine session stored as `formcheck routine` stores one: today's plan from the history applied,
    then per step of `routine` (glute bridges only) one set whose reps are a real report on generated
    landmarks (`tops`: each rep's top); `stop_for_pain`: that step stopped by p (the routine went on)."""
    from formcheck.coach.progression import annotate, apply, todays_plan
    from formcheck.reports import history
    from formcheck.reports.report import SCHEMA

    plan = todays_plan(routine, history.list_sessions(routine.id))
    today = apply(routine, plan)
    steps, segments, during = [], [], []
    for i, (step, step_tops) in enumerate(zip(today.steps, tops, strict=True)):
        segment = bridge_report(step_tops)[0]
        stopped = i == stop_for_pain
        met = not stopped and segment["rep_count"] >= step.reps
        steps.append({"exercise": step.spec.id, "set": 1, "target": step.target(),
                      "done": {"reps": segment["rep_count"]}, "met": met,
                      "ended_by": "pain" if stopped else "target" if met else "source ended"})
        segments.append(segment)
        if stopped:
            during.append({"exercise": step.spec.id, "set": 1, "rating": 6, "then": "skip"})
    report = {"schema": SCHEMA, "complete": True, "exercise": None, "source": {"path": "clips"},
              "rep_count": sum(s["rep_count"] for s in segments), "good_reps": sum(s["good_reps"] for s in segments),
              "reps": [], "holds": [], "warnings": [], "side_totals": {}, "pose_coverage": 1.0, "segments": segments,
              "routine": {"id": routine.id, "name": routine.name, "path": str(routine.path), "steps": steps,
                          "rests": [], "ended_by": "done",
                          "pain": {"before": pain[0], "after": pain[1], "during": during}}}
    annotate(report, today, plan)
    return history.save_session(report, "routine", name=routine.id, pain_before=pain[0], pain_after=pain[1],
                                saved_at=saved_at)


def boxes(data: bytes) -> dict[str, int]:
    """Top-level MP4 boxes: name -> offset."""
    found, i = {}, 0
    while i < len(data):
        found[data[i + 4:i + 8].decode("latin-1")] = i
        i += int.from_bytes(data[i:i + 4], "big")
    return found


def header_only(tmp_path: Path, src: Path = SAMPLES / "bridge_cut_off.mp4") -> Path:
    data = src.read_bytes()
    path = tmp_path / "header_only.mp4"
    path.write_bytes(data[:boxes(data)["mdat"]])
    return path


def truncated(tmp_path: Path, src: Path = SAMPLES / "bridge_cut_off.mp4") -> Path:
    data = src.read_bytes()
    assert boxes(data)["moov"] < boxes(data)["mdat"]  # faststart: the index is whole, the frames are not
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[:len(data) // 2])
    return path


def started(cmd: list[str], env: dict | None = None, **kw) -> subprocess.Popen:
    """A command in its own process, its stdout unbuffered so that `wait_for_line` sees lines as printed."""
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}, **kw)


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 120) -> list[str]:
    """Reads `proc`'s stdout until a line holding `text` (returns the lines so far); fails on timeout or exit."""
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if text in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        raise AssertionError(f"no line with {text!r} within {timeout} s; got {lines}")
    return lines


def trimmed(tmp_path: Path, src: Path, end_s: float, start_s: float = 0.0) -> Path:
    """The frames of `src` from `start_s` to `end_s` as a clip of their own: a recording that began
    or ended there (re-encoded with PyAV, at the source's frame rate)."""
    import av

    path = tmp_path / f"{src.stem}_{start_s:g}-{end_s:g}.mp4"
    with av.open(str(src)) as source, av.open(str(path), "w") as out:
        video = source.streams.video[0]
        stream = out.add_stream("libx264", rate=round(video.average_rate))
        stream.width, stream.height, stream.pix_fmt = video.width, video.height, "yuv420p"
        for frame in source.decode(video):
            if frame.time is None or frame.time < start_s:
                continue
            if frame.time >= end_s:
                break
            copy = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            out.mux(stream.encode(copy))
        out.mux(stream.encode())
    return path


def child_pids(pid: int) -> list[int]:
    """The processes a process started (Linux /proc), its workers among them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def video_in_progress(folder: Path) -> int:
    """Bytes of the annotated video being written (under its temporary name until it is whole)."""
    return max((p.stat().st_size for p in folder.glob(".formcheck-*.mp4")), default=0)


def transport_stream(path: Path, src: Path, size: tuple[int, int] | None = None) -> Path:
    """`src` re-encoded as an MPEG transport stream (as cameras and AVCHD write them), scaled to
    `size`: pieces joined with `cat` restart their timestamps where they meet."""
    import av
    import cv2

    with av.open(str(src)) as source, av.open(str(path), "w", format="mpegts") as out:
        video = source.streams.video[0]
        stream = out.add_stream("libx264", rate=round(video.average_rate))
        stream.width, stream.height = size or (video.width, video.height)
        stream.pix_fmt = "yuv420p"
        for frame in source.decode(video):
            rgb = frame.to_ndarray(format="rgb24")
            if size:
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
    return path


def speech_track(path: Path, words: list[tuple[float, str]], total_s: float, voice: str = "en-us") -> Path:
    """A 16 kHz WAV file with espeak-ng saying each (t_s, words) at its time, silence between."""
    import io
    import wave

    import av
    import numpy as np

    rate = 16000
    track = np.zeros(int(total_s * rate), np.int16)
    for t_s, text in words:
        wav = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], check=True, capture_output=True).stdout
        with av.open(io.BytesIO(wav)) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            pcm = np.concatenate([o.to_ndarray().ravel() for f in container.decode(audio=0)
                                  for o in resampler.resample(f)])
        start = int(t_s * rate)
        track[start:start + len(pcm)] = pcm[:len(track) - start]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(track.tobytes())
    return path


def screen_env(display: str) -> dict[str, str]:
    """The environment for a window on the virtual screen. Qt's shared-memory images can arrive
    black on an X server in another IPC namespace (containers); plain X requests always arrive."""
    return {**os.environ, "DISPLAY": display, "QT_X11_NO_MITSHM": "1"}
