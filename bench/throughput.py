"""Analysis throughput beside the pose model's own inference speed, measured in one run.

    python bench/throughput.py [VIDEO] [--exercise ID] [--repeats N] [--long-s 60]

For each model (lite, full): pure inference (frames decoded to memory first, then only
PoseLandmarker.detect_for_video, one after another), `analyze` in this process without and with
`--video`, and `formcheck analyze` as a whole process (imports, model load, report) without and with
`--video`. Each is run N times, interleaved; medians are printed with the ratio to pure inference.
Without VIDEO the bundled 640x480 bridge clip is looped into a `--long-s` clip first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from formcheck.analysis.analyze import analyze_video
from formcheck.pose.landmarker import PoseEstimator
from formcheck.spec.specs import load_spec
from formcheck.video.files import VideoFile

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = ROOT / "sample_videos" / "bridge_640x480.mp4"


def looped_clip(source: Path, seconds: float, out: Path) -> Path:
    """`source` played again and again for `seconds`, as one H.264 file with rising timestamps."""
    import av

    video = VideoFile(source)
    frames = [rgb for _, rgb in video.frames()]
    fps = video.info.fps
    video.close()
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for i in range(round(seconds * fps)):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frames[i % len(frames)], format="rgb24")))
        container.mux(stream.encode())
    return out


def process_fps(path: Path, exercise: str, model: str, frames: int, with_video: bool) -> float:
    """`formcheck analyze` as a user runs it: a whole process, start to exit."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "formcheck", "analyze", str(path), "-e", exercise, "--model", model,
                "--no-save", "--json", str(Path(tmp) / "r.json")]
        if with_video:
            args += ["--video", str(Path(tmp) / "annotated.mp4")]
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env={**os.environ, "FORMCHECK_HOME": tmp})
        return frames / (time.perf_counter() - started)


def pure_inference_fps(frames: list, model: str) -> float:
    with PoseEstimator(model) as estimator:
        started = time.perf_counter()
        for t, rgb in frames:
            estimator.detect(rgb, t)
        return len(frames) / (time.perf_counter() - started)


def analyze_fps(path: Path, exercise: str, model: str, with_video: bool) -> float:
    spec = load_spec(exercise)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "annotated.mp4" if with_video else None
        started = time.perf_counter()
        result = analyze_video(path, spec, model, out)
        elapsed = time.perf_counter() - started
    return result.session.frames / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path, nargs="?")
    parser.add_argument("--long-s", type=float, default=60.0)
    parser.add_argument("--exercise", default="glute_bridge")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="*", default=["lite", "full"])
    args = parser.parse_args()
    work = tempfile.TemporaryDirectory()
    args.video = args.video or looped_clip(DEFAULT_CLIP, args.long_s, Path(work.name) / "long.mp4")
    video = VideoFile(args.video)
    frames = list(video.frames())
    video.close()
    info = video.info
    print(f"clip: {args.video.name}, {len(frames)} frames, {info.width}x{info.height}, {info.fps:.0f} fps; "
          f"medians of {args.repeats} runs, interleaved")
    columns = ["analyze", "+ --video", "process", "process + --video"]
    print(f"{'model':6} {'inference fps':>14} " + " ".join(f"{c:>17} {'ratio':>6}" for c in columns))
    for model in args.models:
        runs: dict[str, list[float]] = {c: [] for c in ["inference", *columns]}
        for _ in range(args.repeats):  # interleaved, so machine noise hits all alike
            runs["inference"].append(pure_inference_fps(frames, model))
            runs["analyze"].append(analyze_fps(args.video, args.exercise, model, with_video=False))
            runs["+ --video"].append(analyze_fps(args.video, args.exercise, model, with_video=True))
            runs["process"].append(process_fps(args.video, args.exercise, model, len(frames), with_video=False))
            runs["process + --video"].append(process_fps(args.video, args.exercise, model, len(frames), True))
        med = {c: statistics.median(v) for c, v in runs.items()}
        p = med["inference"]
        print(f"{model:6} {p:14.1f} " + " ".join(f"{med[c]:17.1f} {med[c] / p:6.2f}" for c in columns))
    work.cleanup()


if __name__ == "__main__":
    main()
