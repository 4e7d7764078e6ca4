"""The routine session's HTML page judges each set against the routine's target (the page of a stored
routine session, its cards and its stops for pain: tests/coach/test_routine.py)."""

from html import unescape

from formcheck.reports.routine_page import routine_html
from formcheck.spec.specs import load_spec
from tests.helpers import lunge_report


def test_a_hold_is_judged_against_the_routine_s_seconds():
    segment = lunge_report([(26.0, 1.0, 2.0), (19.0, 1.0, 2.0)])
    step = {"exercise": "deep_lunge_hip_flexor", "set": 1, "target": {"holds_per_side": 1, "hold_s": 25.0, "sets": 1},
            "done": {"holds_per_side": {"left": 1, "right": 0}, "best_hold_s": {"left": 25.0, "right": 18.5}},
            "met": False, "ended_by": "source ended"}
    report = {"rep_count": 0, "good_reps": 0, "pose_coverage": 1.0, "segments": [segment],
              "routine": {"name": "Lunges", "path": "lunges.toml", "steps": [step], "ended_by": "done",
                          "pain": {"before": 2, "after": 2, "during": []}}}
    spec = load_spec("deep_lunge_hip_flexor")
    assert spec.cycle.target_s != 25
    html = unescape(routine_html(report, {spec.id: spec}))
    assert "target 1 x 25 s" in html and "(target 25 s per side)" in html
    assert html.count("<b>Hold ") == 2
