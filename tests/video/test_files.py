"""Video files through PyAV: what the container says (fps, size, frames), frames in order with
their own rising timestamps, a phone's rotation tag followed, and anything else refused in one line."""

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.video.files import VideoFile, check_video_path, fingerprint, prefetch
from tests.helpers import header_only, truncated

W, H = 160, 120


def scene(i: int, w: int = W, h: int = H) -> np.ndarray:
    """Frame i: its grey level tells which frame it is; a bright block marks the top-left corner."""
    rgb = np.full((h, w, 3), 20 + 4 * i, np.uint8)
    rgb[: h // 4, : w // 4] = 250
    return rgb


def make_clip(path: Path, frames: list[np.ndarray], times_ms: list[int] | None = None,
              rotation: int | None = None) -> Path:
    """An H.264 MP4 of these RGB frames, at 30 fps or at the given timestamps (milliseconds)."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if times_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if times_ms is not None:
                frame.pts, frame.time_base = times_ms[i], Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def read(path: Path) -> tuple[VideoFile, list[tuple[float, np.ndarray]]]:
    video = VideoFile(path)
    frames = list(video.frames())
    video.close()
    return video, frames


def test_a_clip_says_its_rate_size_and_length(tmp_path):
    video, frames = read(make_clip(tmp_path / "c.mp4", [scene(i) for i in range(45)]))
    info = video.info
    assert (info.fps, info.width, info.height, info.frames) == (30.0, W, H, 45)
    assert info.duration_s == pytest.approx(1.5, abs=0.04)
    assert info.as_dict() == {"path": str(tmp_path / "c.mp4"), "fps": 30.0, "frames": 45,
                              "duration_s": round(info.duration_s, 3), "width": W, "height": H,
                              "fingerprint": fingerprint(tmp_path / "c.mp4")}
    assert video.stopped is None


def test_frames_come_in_order_with_rising_timestamps_from_zero(tmp_path):
    _, frames = read(make_clip(tmp_path / "c.mp4", [scene(i) for i in range(45)]))
    times = [t for t, _ in frames]
    assert len(frames) == 45 and times[0] == 0.0
    assert np.allclose(np.diff(times), 1 / 30, atol=1e-3)
    for i, (_, rgb) in enumerate(frames):
        assert rgb.shape == (H, W, 3) and rgb.dtype == np.uint8
        assert abs(float(np.median(rgb)) - (20 + 4 * i)) <= 3  # frame i, not another


def test_times_come_from_the_file_not_from_the_frame_count(tmp_path):
    """A phone drops frames now and then: seconds must follow the timestamps, not count frames."""
    times_ms = [0, 33, 66, 100, 300, 333, 366, 1000, 1033]
    _, frames = read(make_clip(tmp_path / "vfr.mp4", [scene(i) for i in range(len(times_ms))], times_ms))
    assert [round(t, 3) for t, _ in frames] == [ms / 1000 for ms in times_ms]
    # a file cut out of a longer one starts later than 0: its seconds count from its first frame
    late = [ms + 2500 for ms in times_ms]
    _, frames = read(make_clip(tmp_path / "late.mp4", [scene(i) for i in range(len(late))], late))
    assert [round(t, 3) for t, _ in frames] == [ms / 1000 for ms in times_ms]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_rotation_tag_is_followed(tmp_path, rotation):
    """Stored turned, tagged to be shown turned back: read as shown, upright, with its displayed size."""
    upright = scene(0)
    stored = np.ascontiguousarray(np.rot90(upright, k=-rotation // 90))  # the tag turns counter-clockwise
    path = make_clip(tmp_path / "phone.mp4", [stored] * 5, rotation=rotation)
    video, frames = read(path)
    assert (video.info.width, video.info.height) == (W, H)
    rgb = frames[0][1]
    assert rgb.shape == (H, W, 3)
    assert rgb[5, 5].min() > 200 and rgb[-5, -5].max() < 60  # the marker back in the top-left corner
    assert np.abs(rgb.astype(int) - upright).mean() < 6


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_text("not a video\n"), "{p} is not a readable video (not a video, or damaged)"),
    (lambda p: p.write_bytes(b""), "{p} is not a readable video (not a video, or damaged)"),
    (lambda p: p.mkdir(), "{p} is a folder, not a video file"),
    (lambda p: None, "video not found: {p}"),
])
def test_what_is_not_a_video_is_refused_in_one_line(tmp_path, make, message):
    path = tmp_path / "clip.mp4"
    make(path)
    with pytest.raises(FormcheckError) as refused:
        VideoFile(path)
    assert str(refused.value) == message.format(p=path)


def test_an_image_is_refused_as_an_image(tmp_path):
    import cv2

    path = tmp_path / "still.png"
    cv2.imwrite(str(path), scene(0))
    with pytest.raises(FormcheckError, match=r"^.*still\.png is an image, not a video$"):
        VideoFile(path)


def test_standard_input_is_refused_with_what_to_do():
    with pytest.raises(FormcheckError, match=r"^cannot read a video from standard input \(-\); formcheck needs "
                                             r"the video as a file"):
        check_video_path(Path("-"))


def test_a_file_with_no_frame_is_refused(tmp_path):
    path = header_only(tmp_path)
    with pytest.raises(FormcheckError) as refused:
        VideoFile(path)
    assert str(refused.value) == f"{path} has no frame that decodes (an empty or damaged video)"


def test_a_fingerprint_tells_another_recording_at_the_same_path(tmp_path):
    path = make_clip(tmp_path / "c.mp4", [scene(i) for i in range(45)])
    before = fingerprint(path)
    assert before.startswith("sha256:") and fingerprint(path) == before
    make_clip(path, [scene(i + 1) for i in range(45)])  # re-recorded to the same name
    assert fingerprint(path) != before
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(3 << 20))
    changed = bytearray(big.read_bytes())
    changed[-1] = 1  # only the last byte differs: the tail is read too
    (other := tmp_path / "other.bin").write_bytes(bytes(changed))
    assert fingerprint(big) != fingerprint(other)


def make_ts(path: Path, frames: list[np.ndarray]) -> Path:
    """An MPEG transport stream of these frames at 30 fps, as a camera writes its pieces."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for rgb in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
    return path


def test_pieces_joined_with_cat_are_read_whole_with_their_clock_carried_on(tmp_path):
    first = make_ts(tmp_path / "a.ts", [scene(i) for i in range(24)])
    second = make_ts(tmp_path / "b.ts", [scene(24 + i) for i in range(24)])
    (joined := tmp_path / "ab.ts").write_bytes(first.read_bytes() + second.read_bytes())
    video, frames = read(joined)
    times = [t for t, _ in frames]
    assert len(frames) == 48
    assert np.allclose(np.diff(times), 1 / 30, atol=2e-3)  # rising all the way: the second piece follows the first
    assert video.restarts == [pytest.approx(0.8, abs=0.01)]
    assert abs(float(np.median(frames[36][1])) - (20 + 4 * 36)) <= 3
    assert video.stopped is None


def test_frames_of_another_size_are_fitted_into_the_first_size_with_bars(tmp_path):
    first = make_ts(tmp_path / "a.ts", [scene(i) for i in range(15)])
    second = make_ts(tmp_path / "b.ts", [scene(15 + i, w=2 * W, h=H) for i in range(15)])  # twice as wide
    (joined := tmp_path / "ab.ts").write_bytes(first.read_bytes() + second.read_bytes())
    video, frames = read(joined)
    assert len(frames) == 30 and {rgb.shape for _, rgb in frames} == {(H, W, 3)}
    assert video.resized == [(pytest.approx(0.5, abs=0.01), (2 * W, H))]
    wide = frames[20][1]
    assert wide[: H // 4 - 2].max() < 5 and wide[-(H // 4 - 2):].max() < 5  # bars above and below: not stretched
    assert wide[H // 4 + 2, 2].min() > 240  # the bright corner block, now half as high


def test_a_truncated_file_gives_what_decodes_and_says_where_it_stopped(tmp_path):
    video, frames = read(truncated(tmp_path))
    assert 0 < len(frames) < video.info.frames
    assert video.stopped is not None and "looks truncated or damaged" in video.stopped
    assert video.stopped.startswith(f"decoding stopped at {frames[-1][0] + 1 / video.info.fps:.1f} s of "
                                    f"{video.info.duration_s:.1f} s")


def test_prefetch_keeps_the_order_and_hands_on_an_error():
    assert list(prefetch(iter(range(50)), size=4)) == list(range(50))

    def failing():
        yield 1
        raise OSError("disk gone")
    got = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1]
