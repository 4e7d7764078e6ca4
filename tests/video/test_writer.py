"""The annotated video plays back: every frame written, at its size and its time, an MP4 that a
browser can start before it has all of it; a failed write stops the video alone and says why."""

from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.video.writer import VideoWriter
from tests.helpers import boxes


def grey(i: int, w: int, h: int) -> np.ndarray:
    return np.full((h, w, 3), 10 + 5 * i, np.uint8)


def write(path: Path, size: tuple[int, int], times: list[float]) -> str | None:
    writer = VideoWriter(path, size, 30.0)
    for i, t in enumerate(times):
        writer.write(grey(i, *size), t)
    return writer.close()


def played(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(float(f.pts * f.time_base), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


@pytest.mark.parametrize("name", ["a.mp4", "a.mkv"])
def test_the_video_plays_back_with_every_frame_at_its_size_and_time(tmp_path, name):
    times = [i / 30 for i in range(40)]
    assert write(tmp_path / name, (160, 120), times) is None
    frames = played(tmp_path / name)
    assert len(frames) == 40
    assert [round(t, 3) for t, _ in frames] == [round(t, 3) for t in times]
    for i, (_, rgb) in enumerate(frames):
        assert rgb.shape == (120, 160, 3)
        assert abs(float(np.median(rgb)) - (10 + 5 * i)) <= 3  # frame i in its place


def test_an_mp4_has_its_index_first_so_a_browser_plays_it_at_once(tmp_path):
    write(tmp_path / "a.mp4", (160, 120), [i / 30 for i in range(10)])
    found = boxes((tmp_path / "a.mp4").read_bytes())
    assert found["moov"] < found["mdat"]


def test_an_odd_size_loses_one_pixel_row_and_column_not_frames(tmp_path):
    assert write(tmp_path / "odd.mp4", (161, 121), [i / 30 for i in range(5)]) is None  # yuv420p needs even sizes
    frames = played(tmp_path / "odd.mp4")
    assert len(frames) == 5 and frames[0][1].shape == (120, 160, 3)


def test_frames_with_the_same_time_are_all_kept_in_order(tmp_path):
    """A live camera can hand two frames the same millisecond: the file's times still rise."""
    times = [0.0, 0.0333, 0.0333, 0.0333, 0.1, 0.09, 0.2]
    assert write(tmp_path / "a.mp4", (160, 120), times) is None
    written = [t for t, _ in played(tmp_path / "a.mp4")]
    assert len(written) == len(times)
    assert all(b > a for a, b in zip(written, written[1:], strict=False))
    assert written[0] == 0.0 and written[-1] == pytest.approx(0.2, abs=1e-3)


def test_a_full_disk_stops_the_video_alone_and_says_why(tmp_path):
    """Writing goes on without blocking the analysis; close names the problem; a link stays a link."""
    path = tmp_path / "a.mp4"
    path.symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
    writer = VideoWriter(path, (160, 120), 30.0)
    noise = np.random.default_rng(0)
    for i in range(200):
        writer.write(noise.integers(0, 255, (120, 160, 3), dtype=np.uint8), i / 30)
    assert writer.close() == "no space left on the disk"
    assert writer.frames < 200  # frames after the failure went nowhere
    assert path.is_symlink()


def test_a_video_with_no_frame_is_removed(tmp_path):
    writer = VideoWriter(tmp_path / "a.mp4", (64, 48), 30.0)
    assert writer.close() == "no frame was analysed"
    assert list(tmp_path.iterdir()) == []
