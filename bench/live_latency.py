"""Live mode on a video played in real time: processed frames per second, dropped frames and
capture-to-display latency, for each model, measured in one run.

    python bench/live_latency.py [VIDEO] [--models lite full] [--window]

Headless by default (--window shows the live window; it needs a display).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from formcheck.coach.live import LiveOptions, run_live
from formcheck.video.live_sources import RealtimeFileSource

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = ROOT / "sample_videos" / "bridge_640x480.mp4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path, nargs="?", default=DEFAULT_CLIP)
    parser.add_argument("--exercise", default="glute_bridge")
    parser.add_argument("--models", nargs="*", default=["lite", "full"])
    parser.add_argument("--window", action="store_true")
    args = parser.parse_args()
    print(f"clip: {args.video.name}; real-time playback; window: {'yes' if args.window else 'no'}")
    print(f"{'model':6} {'source fps':>10} {'processed fps':>13} {'dropped':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'reps':>5}")
    for model in args.models:
        probe = RealtimeFileSource(args.video)
        fps = probe.fps
        options = LiveOptions(args.exercise, model, voice=False, window=args.window)
        report = run_live(lambda: RealtimeFileSource(args.video), options)
        live = report["live"]
        print(f"{model:6} {fps:10.1f} {live['processed_fps']:13.1f} {live['dropped_frames']:8d} "
              f"{live['latency_ms_p50']:7.1f} {live['latency_ms_p95']:7.1f} {report['rep_count']:5d}")


if __name__ == "__main__":
    main()
