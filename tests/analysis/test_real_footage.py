"""Real people, filmed (sample_videos/real, see its NOTICE): a good cat-cow gets no fault, and
recordings of other movements in the same positions count nothing and say so."""

import pytest

from formcheck.analysis.analyze import analyze_video
from formcheck.reports.report import build_report
from formcheck.spec.specs import load_spec
from tests.helpers import SAMPLES

pytestmark = pytest.mark.slow
REAL = SAMPLES / "real"


def analyze(name: str, exercise: str) -> dict:
    result = analyze_video(REAL / f"{name}.mp4", load_spec(exercise), "full")
    return build_report(result.session, result.info, result.model, result.complete).as_dict()


def test_a_real_cat_cow_is_counted_without_false_faults():
    report = analyze("polybag_kocici_hrbet", "cat_cow")
    # by eye: cat 0.5-3 s, cow 3.5-6.5 s, cat 7-10 s, cow 10.5-12.8 s; a rep is a cow and a cat,
    # and the first cat has no cow before it in the video
    assert report["rep_count"] == 2
    assert [r["faults"] for r in report["reps"]] == [[], []]
    first = report["reps"][0]
    assert [u["cue"] for u in first["unjudged"]] == ["shallow_range"]


@pytest.mark.parametrize(("name", "exercise"), [("polybag_pozice_ditete", "cat_cow"),
                                                ("polybag_podsazeni_panve", "glute_bridge")])
def test_another_movement_in_the_same_position_counts_nothing(name, exercise):
    report = analyze(name, exercise)
    assert report["rep_count"] == 0 and report["reps"] == []
    assert report["pose_coverage"] > 0.9
