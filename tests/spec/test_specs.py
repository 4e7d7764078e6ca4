import shutil
from pathlib import Path

import pytest

from formcheck.errors import FormcheckError
from formcheck.spec.specs import exercise_ids, load_spec, specs_dir


def test_every_bundled_spec_loads():
    ids = exercise_ids()
    assert "glute_bridge" in ids
    for ex in ids:
        spec = load_spec(ex)
        assert spec.id == ex
        names = [c.name for c in spec.cues]
        assert "body_not_visible" in names and "wrong_view" in names
        assert len(names) == len(set(names))


def test_glute_bridge_has_its_four_cues():
    names = {c.name for c in load_spec("glute_bridge").cues}
    assert {"hips_too_low", "hips_too_high", "no_hold_at_top", "feet_too_far"} <= names


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(FormcheckError, match=r"unknown exercise 'squat'; known exercises: .*glute_bridge"):
        load_spec("squat")


@pytest.fixture
def spec_folder(tmp_path: Path) -> Path:
    shutil.copy(specs_dir() / "_common.toml", tmp_path)
    text = (specs_dir() / "glute_bridge.toml").read_text()
    (tmp_path / "demo.toml").write_text(text.replace('id = "glute_bridge"', 'id = "demo"', 1))
    return tmp_path


def test_the_demo_copy_loads(spec_folder):
    assert load_spec("demo", spec_folder).id == "demo"


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "demo.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "height_above_line"', 'kind = "height"', r"measures\.hip_lift\.kind: expected one of"),
        ('drive = "hip_lift"', 'drive = "hips"', r"reps\.drive: expected a measure declared"),
        ("exit = 0.02", "exit = 0.5", r"reps\.exit: expected a number below enter"),
        ("enter = 0.035", 'enter = "high"', r"reps\.enter: expected a number, got 'high'"),
        ('points = ["hip", "shoulder", "ankle"]', 'points = ["hip", "shoulder"]',
         r"measures\.hip_lift\.points: expected 3 landmark names"),
        ('points = ["hip", "shoulder", "ankle"]', 'points = ["hip", "shoulder", "toe"]',
         r"measures\.hip_lift\.points: expected landmark names .*got 'toe'"),
        ('mode = "reps"', 'mode = "sets"', r"mode: expected one of reps, holds, got 'sets'"),
        ('when = "top"', 'when = "later"', r"cues\[\d+\]\.when: expected one of"),
        ('id = "demo"', 'id = "bridge"', r"id: expected 'demo', the file's name, got 'bridge'"),
        ("below = 165", "below = nan", r"cues\[\d+\]\.below: expected a finite number, got nan"),
        ('name = "hips_too_high"', 'name = "hips_too_low"', r"cues\[\d+\]\.name: expected a cue name used once"),
        ("min_rep_s = 1.0", "min_rep_s = 0", r"reps\.min_rep_s: expected a time in seconds above 0, got 0"),
        ("settle_s = 0.3", "settle_s = -1", r"reps\.settle_s: expected a time in seconds above 0"),
        ("settle_s = 0.3", "settle_s = 0.3\ntarget = 5", r"reps\.target: expected no such option here"),
        ("below = 165", 'below = 165\nstat = "vs_best"\npersist_s = 2',
         r"cues\[\d+\]\.persist_s: expected no such option here"),
        ("below = 1.0", 'below = "target_s"', r"cues\[\d+\]\.below: expected a number \('target_s' needs"),
        ('[display]', '[hold]\ndrive = "hip_lift"\n\n[display]', r"hold: expected no such option here"),
        ('label = "shoulder-hip-knee"', 'label = "shoulder-hip-knee"\nplausible = [200, 100]',
         r"measures\.hip_line\.plausible: expected two numbers \[lowest, highest\], got \[200, 100\]"),
        ("margin = 5", "margin = -1", r"cues\[\d+\]\.margin: expected a number of zero or more, got -1"),
        ("margin = 5", 'margin = "wide"', r"cues\[\d+\]\.margin: expected a number, got 'wide'"),
    ],
)
def test_spec_errors_name_file_and_key(spec_folder, old, new, message):
    _edit(spec_folder, old, new)
    with pytest.raises(FormcheckError, match=message) as info:
        load_spec("demo", spec_folder)
    assert str(spec_folder / "demo.toml") in str(info.value)


def test_missing_key_is_named(spec_folder):
    _edit(spec_folder, 'drive = "hip_lift"\n', "")
    with pytest.raises(FormcheckError, match=r"demo\.toml: reps\.drive: expected a string \(missing\)"):
        load_spec("demo", spec_folder)


def test_broken_toml_is_reported_with_the_file(spec_folder):
    (spec_folder / "demo.toml").write_text("id = \n")
    with pytest.raises(FormcheckError, match=r"demo\.toml: not valid TOML"):
        load_spec("demo", spec_folder)


def test_underscore_files_are_not_exercises(spec_folder):
    with pytest.raises(FormcheckError, match=r"unknown exercise '_common'; known exercises: demo"):
        load_spec("_common", spec_folder)


def test_a_spec_that_is_not_utf8_is_one_clear_error(spec_folder):
    (spec_folder / "demo.toml").write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(FormcheckError, match=r"demo\.toml: not UTF-8 text \(byte \d+\); save it as UTF-8"):
        load_spec("demo", spec_folder)


def test_the_hold_target_is_stated_once_and_read_by_the_cue_and_its_message():
    spec = load_spec("deep_lunge_hip_flexor")
    cue = spec.cue("hold_too_short")
    assert cue.below == spec.cycle.target_s == 20
    assert "20 seconds" in cue.message and "{" not in cue.message + spec.summary
