"""Live sources: the newest frame only (a slow consumer never works through a backlog), a file
played at its own pace or frame by frame with none dropped, failures handed to the consumer."""

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.video.live_sources import CameraSource, Captured, FileSource, LatestFrame, RealtimeFileSource
from formcheck.video.writer import VideoWriter
from tests.helpers import truncated


def clip(path: Path, n: int) -> Path:
    """n frames at 30 fps, frame i with grey level 10 + 5 i (so it can be told apart; i < 48)."""
    writer = VideoWriter(path, (96, 64), 30.0)
    for i in range(n):
        writer.write(np.full((64, 96, 3), 10 + 5 * (i % 48), np.uint8), i / 30)
    assert writer.close() is None
    return path


def index(item: Captured) -> int:
    return round((float(np.median(item.rgb)) - 10) / 5)


def frame(i: int) -> Captured:
    return Captured(t=i / 30, wall=None, rgb=np.zeros((2, 2, 3), np.uint8))


def test_the_mailbox_hands_over_the_newest_frame_and_counts_the_rest_dropped():
    box = LatestFrame()
    for i in range(5):
        box.put(frame(i))
    assert box.get(timeout=0.1).t == pytest.approx(4 / 30)
    assert (box.dropped, box.delivered) == (4, 1)
    assert box.get(timeout=0.01) is None  # taken: empty until the next one


def test_the_mailbox_wakes_a_waiting_consumer_at_once():
    box = LatestFrame()
    threading.Timer(0.05, box.put, args=(frame(1),)).start()
    started = time.monotonic()
    assert box.get(timeout=10).t == pytest.approx(1 / 30)
    assert time.monotonic() - started < 5  # woken by the frame, not by the timeout


def run(source, take=lambda item: None) -> list[Captured]:
    source.start()
    items = []
    try:
        for item in source.captured(threading.Event()):
            items.append(item)
            take(item)
    finally:
        source.stop()
    return items


def test_a_file_frame_by_frame_drops_none_for_a_slow_consumer(tmp_path):
    source = FileSource(clip(tmp_path / "c.mp4", 8))
    items = run(source, take=lambda item: time.sleep(0.05))  # slower than 30 fps: analysis work
    assert [index(i) for i in items] == list(range(8))
    assert [round(i.t, 3) for i in items] == [round(k / 30, 3) for k in range(8)]
    assert source.frames.dropped == 0
    assert (source.width, source.height) == (96, 64) and source.fps == pytest.approx(30.0, abs=0.1)


@pytest.mark.slow  # real time
def test_a_file_in_real_time_comes_at_its_own_pace_never_early(tmp_path):
    items = run(RealtimeFileSource(clip(tmp_path / "c.mp4", 15)))
    assert items[0].t == 0.0
    for item in items:
        assert item.wall - items[0].wall >= item.t - items[0].t - 0.005  # a frame is not handed out before its time
    assert items[-1].wall - items[0].wall >= 0.4  # 15 frames at 30 fps


@pytest.mark.slow  # real time
def test_a_file_in_real_time_leaves_a_consumer_that_fell_behind_only_the_newest_frame(tmp_path):
    source = RealtimeFileSource(clip(tmp_path / "c.mp4", 10))
    source.start()
    deadline = time.monotonic() + 30
    while not source.frames.closed and time.monotonic() < deadline:  # nobody takes while it plays
        time.sleep(0.01)
    items = list(source.captured(threading.Event()))
    source.stop()
    assert [index(i) for i in items] == [9]
    assert source.frames.dropped == 9


def test_a_truncated_file_hands_its_failure_to_the_consumer(tmp_path):
    source = FileSource(truncated(tmp_path))
    with pytest.raises(FormcheckError, match=r"truncated\.mp4: decoding stopped at .* looks truncated or damaged"):
        run(source)
    assert source.frames.delivered > 0  # what decoded was delivered first


@pytest.mark.slow  # real time
def test_stopping_ends_the_source_early(tmp_path):
    source = RealtimeFileSource(clip(tmp_path / "long.mp4", 150))  # five seconds
    stop = threading.Event()
    source.start()
    started = time.monotonic()
    for _ in source.captured(stop):
        stop.set()
    source.stop()
    assert not source._thread.is_alive()
    assert time.monotonic() - started < 3


def test_a_missing_camera_is_one_clear_message():
    with pytest.raises(FormcheckError, match=r"^camera 9 could not be opened \(is it connected"):
        CameraSource(9)
