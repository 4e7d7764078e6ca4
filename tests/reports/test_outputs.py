"""Output files: written whole or not at all, a symlink kept, a FIFO written through, `-` to
standard output, and the plan refusing outputs that would clash before any work starts."""

import os
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from formcheck import atomic
from formcheck.errors import FormcheckError
from formcheck.reports.outputs import Output, check_writable, plan_outputs, write_each, write_text

OLD, NEW = '{"rep_count": 1}\n', '{"rep_count": 2}\n'


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def mount_tmpfs(tmp_path):
    """mount_tmpfs(options) -> a fresh tmpfs folder; skipped where this machine cannot mount."""
    mounted = []

    def mount(options: str) -> Path:
        folder = tmp_path / f"tmpfs{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip(f"mounting a tmpfs needs root here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_file_is_replaced_whole_and_keeps_its_mode(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(OLD)
    path.chmod(0o600)
    write_text(path, NEW)
    assert path.read_text() == NEW
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask(tmp_path):
    path = tmp_path / "new.json"
    write_text(path, NEW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~atomic._UMASK


@pytest.mark.parametrize("interrupt", [OSError(5, "Input/output error"), KeyboardInterrupt()])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch, interrupt):
    """An I/O error or Ctrl-C while the text is on its way: the reader sees the old report whole."""
    path = tmp_path / "r.json"
    path.write_text(OLD)

    def fail(*args):
        raise interrupt
    monkeypatch.setattr(atomic.os, "chmod", fail)  # after the text is written to the temp file
    with pytest.raises(type(interrupt)):
        write_text(path, NEW)
    assert path.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_a_full_disk_leaves_no_partial_file(mount_tmpfs):
    disk = mount_tmpfs("size=64k")
    path = disk / "r.json"
    path.write_text(OLD)
    with pytest.raises(OSError) as failure:
        write_text(path, "x" * 200_000)
    assert failure.value.errno == 28  # ENOSPC
    assert path.read_text() == OLD
    assert leftovers(disk) == [] and sorted(p.name for p in disk.iterdir()) == ["r.json"]


def test_a_read_only_folder_is_refused_before_the_work(mount_tmpfs):
    folder = mount_tmpfs("ro,size=64k")
    with pytest.raises(FormcheckError) as refused:
        check_writable(folder / "r.json")
    assert str(refused.value) == f"cannot write {folder / 'r.json'}: Read-only file system"
    with pytest.raises(OSError):
        write_text(folder / "r.json", NEW)
    assert list(folder.iterdir()) == []


def test_a_folder_that_disappears_fails_that_output_alone(tmp_path):
    kept, gone = tmp_path / "kept", tmp_path / "gone"
    kept.mkdir()
    gone.mkdir()
    planned = plan_outputs(None, [output("--json", kept / "r.json"), output("--csv", gone / "m.csv")])
    shutil.rmtree(gone)  # removed while the video was analysed
    failed = write_each([(planned[0], NEW), (planned[1], "t\n0.0\n")])
    assert failed == {planned[1]: "No such file or directory"}
    assert (kept / "r.json").read_text() == NEW
    assert not gone.exists()


def test_a_symlink_stays_a_symlink_and_its_target_is_written(tmp_path):
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text(OLD)
    link = tmp_path / "r.json"
    link.symlink_to(target)
    write_text(link, NEW)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == NEW
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_a_link_into_a_missing_folder_names_that_folder(tmp_path):
    link = tmp_path / "r.json"
    link.symlink_to(tmp_path / "gone" / "r.json")
    with pytest.raises(FormcheckError) as refused:
        check_writable(link)
    assert str(refused.value) == f"cannot write {link}: folder {tmp_path / 'gone'} does not exist"


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    write_text(fifo, NEW)
    reader.join(timeout=10)
    assert received == [NEW]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_report_in_dev_shm_is_an_ordinary_file_replaced_whole():
    """/dev/shm holds ordinary files (in memory): a report there is replaced, not appended to."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        pytest.skip("no /dev/shm here")
    path = shm / f"formcheck-test-{os.getpid()}.json"
    try:
        check_writable(path)
        write_text(path, OLD)
        write_text(path, NEW)
        assert path.read_text() == NEW
    finally:
        path.unlink(missing_ok=True)


def test_a_dash_is_standard_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_text(Path("-"), NEW)
    assert capsys.readouterr().out == NEW
    assert list(tmp_path.iterdir()) == []  # no file called "-"


def output(flag: str, path) -> Output:
    return Output(flag, flag.strip("-"), Path(path))


def test_the_plan_keeps_the_outputs_asked_for(tmp_path):
    asked = [output("--json", tmp_path / "r.json"), output("--csv", "-"), Output("--video", "video", None)]
    assert plan_outputs(tmp_path / "in.mp4", asked) == asked[:2]
    assert list(tmp_path.iterdir()) == []  # checking writes nothing


@pytest.mark.parametrize(("how", "message"), [
    ("same", "--json {v} is the input video and would be overwritten; choose another file name"),
    ("symlink", "--json {o} is the input video and would be overwritten; choose another file name"),
    ("hard link", "--json {o} is the input video and would be overwritten; choose another file name"),
])
def test_an_output_that_is_the_input_is_refused(tmp_path, how, message):
    video = tmp_path / "in.mp4"
    video.write_bytes(b"video")
    out = video if how == "same" else tmp_path / "out.json"
    if how == "symlink":
        out.symlink_to(video)
    elif how == "hard link":
        os.link(video, out)
    with pytest.raises(FormcheckError) as refused:
        plan_outputs(video, [output("--json", out)])
    assert str(refused.value) == message.format(v=video, o=out)
    assert video.read_bytes() == b"video"


def test_two_outputs_on_one_file_are_refused_but_dev_null_twice_is_fine(tmp_path):
    with pytest.raises(FormcheckError, match=r"^--json and --csv both name .*r\.json; give each its own file$"):
        plan_outputs(None, [output("--json", tmp_path / "r.json"), output("--csv", tmp_path / "sub/../r.json")])
    with pytest.raises(FormcheckError, match="^--json - and --csv -: only one output can go to standard output$"):
        plan_outputs(None, [output("--json", "-"), output("--csv", "-")])
    assert len(plan_outputs(None, [output("--json", os.devnull), output("--csv", os.devnull)])) == 2


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: p.mkdir(), "it is a folder"),
    (lambda p: None, "folder {parent} does not exist"),
])
def test_an_output_that_cannot_be_created_is_refused(tmp_path, make, reason):
    path = tmp_path / "out" if reason == "it is a folder" else tmp_path / "missing" / "r.json"
    make(path)
    with pytest.raises(FormcheckError) as refused:
        check_writable(path)
    assert str(refused.value) == f"cannot write {path}: " + reason.format(parent=path.parent)
