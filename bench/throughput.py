"""Analysis throughput beside the pose model's own inference speed, measured in one run.

    python bench/throughput.py [VIDEO] [--exercise ID] [--repeats N]

For each model (lite, full): pure inference (frames decoded to memory first, then only
PoseLandmarker.detect_for_video), `analyze` without `--video`, and `analyze` with `--video`.
Each is run N times; medians are printed with the ratio to pure inference.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from formcheck.analysis.pipeline import analyze_video
from formcheck.pose.landmarker import PoseEstimator
from formcheck.spec.specs import load_spec
from formcheck.video.files import VideoFile

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = ROOT / "sample_videos" / "bridge_fast_good.mp4"


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
    parser.add_argument("video", type=Path, nargs="?", default=DEFAULT_CLIP)
    parser.add_argument("--exercise", default="glute_bridge")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="*", default=["lite", "full"])
    args = parser.parse_args()
    video = VideoFile(args.video)
    frames = list(video.frames())
    video.close()
    info = video.info
    print(f"clip: {args.video.name}, {len(frames)} frames, {info.width}x{info.height}, {info.fps:.0f} fps; "
          f"medians of {args.repeats} runs, interleaved")
    print(f"{'model':6} {'inference fps':>14} {'analyze fps':>12} {'ratio':>6} {'with --video':>13} {'ratio':>6}")
    for model in args.models:
        pure, plain, video_fps = [], [], []
        for _ in range(args.repeats):  # interleaved, so machine noise hits all three alike
            pure.append(pure_inference_fps(frames, model))
            plain.append(analyze_fps(args.video, args.exercise, model, with_video=False))
            video_fps.append(analyze_fps(args.video, args.exercise, model, with_video=True))
        p, a, v = (statistics.median(x) for x in (pure, plain, video_fps))
        print(f"{model:6} {p:14.1f} {a:12.1f} {a / p:6.0%} {v:13.1f} {v / p:6.0%}")


if __name__ == "__main__":
    main()
