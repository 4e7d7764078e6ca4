"""HTML reports: `formcheck report`, the page's content, and the page in a real browser (headless Chromium)."""

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from formcheck.cli.main import app
from formcheck.reports import history
from formcheck.reports.html import session_html
from formcheck.spec.specs import load_spec
from tests.helpers import BRIDGES_THAT_GROW, TEST_SPECS, bridge_report, fetched, lunge_report, stored_routine

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_report_of_a_stored_session(tmp_path):
    report, series = bridge_report(["good", "low", "good"])
    session_id = history.save_session(report, "analyze", series=series, pain_before=4, pain_after=2)
    page = tmp_path / "r.html"
    result = invoke("report", session_id, "--html", page)
    assert result.exit_code == 0, result.output
    assert f"Wrote HTML report: {page}\n" in result.output
    html = page.read_text()
    assert "3 reps, 2 with good form" in html
    assert "Lift your hips until shoulders, hips and knees are in one line (rep 2)" in html
    assert "Pain before: <b>4</b> / 10" in html
    plot = html[html.index('id="measure-plot"'):]
    assert "<svg" in plot and "shoulder-hip-knee" in plot  # the judged measure, by its spec label
    assert plot.count("rep ") >= 3 and "hips_too_low" not in plot  # reps shaded, the fault marked in words
    assert "Lift your hips until shoulders" in plot and "limits 165, 190 deg" in plot
    assert fetched(html) == []
    assert "data:image/jpeg" not in html  # the recording is gone: no pictures, and no failure


def test_report_of_a_json_file_and_bad_targets(tmp_path):
    report = lunge_report([(21.0, 1.0, 2.0), (15.0, 0.0, 25.0)])
    path = tmp_path / "lunge.json"
    path.write_text(json.dumps(report))
    page = tmp_path / "l.html"
    assert invoke("report", path, "--html", page).exit_code == 0
    html = page.read_text()
    cycle = load_spec("deep_lunge_hip_flexor").cycle
    said = ", ".join(f"{cycle.side_name(side)} {report['side_totals'][side]:.1f} s" for side in cycle.sides)
    assert f"2 holds: {said} (target {cycle.target_s:.0f} s per side)" in html
    assert "Bring your chest up: keep your torso upright (hold 2)" in html
    assert "per-frame measure not stored" in html  # a plain report has no series: the plot says so
    assert fetched(html) == []

    (tmp_path / "other.json").write_text('{"schema": "something/else"}')
    (tmp_path / "mistyped.json").write_text(json.dumps(report | {"rep_count": "2"}))
    (tmp_path / "no_start.json").write_text(json.dumps(report | {"holds": [{"index": 1, "end_s": 3.0}]}))
    for target_arg, message in ((tmp_path / "other.json", "cannot be read as a report: not a formcheck report "
                                                          "(formcheck.report/1)"),
                                (tmp_path / "mistyped.json", "its field 'rep_count' is missing or not int"),
                                (tmp_path / "no_start.json", "holds entry 1 has no proper 'start_s'"),
                                (tmp_path / "nope.json", "report not found"), ("12", "no session 12 in"),
                                ("99999999999999999999", "session ids are whole numbers from 1")):
        result = invoke("report", target_arg, "--html", tmp_path / "x.html")
        assert result.exit_code == 1
        assert message in result.output
    both = invoke("report", "1", "--history", "--html", tmp_path / "x.html")
    assert both.exit_code == 1 and "either a session" in both.output
    assert not (tmp_path / "x.html").exists()


def test_progress_report_across_sessions(tmp_path):
    bridges = [bridge_report(["good", "low"])[0], bridge_report(["good", "good", "good"])[0]]
    lunges = [lunge_report([(21.0, 1.0, 2.0), (15.0, 0.0, 25.0)]), lunge_report([(22.0, 1.0, 2.0), (21.0, 0.0, 2.0)])]
    for day, (bridge, lunge) in enumerate(zip(bridges, lunges, strict=True), start=1):
        history.save_session(bridge, "analyze", saved_at=f"2026-03-0{day}T09:00:00+00:00",
                             pain_before=6 - day, pain_after=4 - day)
        history.save_session(lunge, "live", saved_at=f"2026-03-0{day}T09:30:00+00:00")
    page = tmp_path / "progress.html"
    result = invoke("report", "--history", "--html", page)
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "4 sessions from 2026-03-01 to 2026-03-02" in html
    assert "Glute bridge: 2 sessions" in html and "Deep lunge hip-flexor stretch: 2 sessions" in html
    lunge_spec, bridge_spec = load_spec("deep_lunge_hip_flexor"), load_spec("glute_bridge")
    # the guide's targets, drawn from the specs: seconds per side, the shortest good hold at the top
    assert f"target per side (s): {lunge_spec.cycle.target_s:g}" in html
    shortest = next(c.below for c in bridge_spec.cues if c.measure == "hold_s")
    assert f"shortest good hold (s): {shortest:g}" in html
    first = lunges[0]["side_totals"]
    asymmetry = abs(first["left"] - first["right"]) / max(first.values())
    assert f"<td>{100 * asymmetry:.0f}%</td>" in html
    for caption in ("Reps per session", "Hold seconds per side", "Good-form share per session",
                    "Range of motion per session", "Pain before and after"):
        assert caption in html
    assert html.count("<svg") >= 8
    assert fetched(html) == []

    only = invoke("report", "--history", "--exercise", "glute_bridge", "--html", page)
    assert only.exit_code == 0
    assert "Deep lunge" not in page.read_text()
    none = invoke("report", "--history", "--exercise", "cat_cow", "--html", page)
    assert none.exit_code == 1 and "no stored sessions of cat_cow" in none.output


def test_view_warnings_and_an_unseen_body_are_said_in_words():
    spec = load_spec("glute_bridge")
    report, series = bridge_report(["good"])
    report["warnings"].append({"cue": "wrong_view", "start_s": 0.5, "end_s": 2.3, "rep": None, "hold": None,
                               "message": spec.cue("wrong_view").message})
    html = session_html(report, spec, series | {"values": [None] * len(series["t"])})
    assert "0.5-2.3 s: Turn side-on to the camera" in html
    assert "the judged joints were never seen" in html


def test_what_a_rep_could_not_judge_is_on_its_card():
    spec = load_spec("glute_bridge")
    report, series = bridge_report(["good", "near_low"])
    html = session_html(report, spec, series)
    card = html.split("<b>Rep 2</b>")[1].split("</div>")[0]
    assert re.search(r'<span class="good">good</span>.*Could not judge the shoulder-hip-knee: too close to '
                     r"its limit to be sure \(16\d deg against 165 deg\)", card, re.S)
    assert "Could not judge" not in html.split("<b>Rep 2</b>")[0].split("<b>Rep 1</b>")[1]


def test_cues_on_one_measure_left_unjudged_for_one_reason_are_one_line(capsys):
    # A high camera leaves hips_too_low and hips_too_high (both the shoulder-hip-knee) unjudged.
    from formcheck.cli.console import print_summary

    spec = load_spec("glute_bridge")
    report, series = bridge_report(["good"])
    why = spec.cue("camera_high").unjudged_reason
    cues = ("hips_too_low", "hips_too_high", "feet_too_far")
    report["reps"][0]["unjudged"] = [{"cue": c, "reason": why} for c in cues]
    card = session_html(report, spec, series).split("<b>Rep 1</b>")[1].split("</div>")[0]
    assert card.count("Could not judge the shoulder-hip-knee") == 1 and card.count("Could not judge the knee") == 1
    print_summary(report, spec)
    said = " ".join(capsys.readouterr().out.split())
    assert said.count("could not judge the shoulder-hip-knee") == 1 and said.count("could not judge the knee") == 1


def test_a_hold_exercise_without_sides_from_its_spec_alone(tmp_path):
    from formcheck.analysis.session import Session
    from formcheck.reports.progress import progress_html
    from formcheck.reports.report import build_report, measure_series
    from formcheck.video.files import VideoInfo
    from tests.builders import bridge_pose, bridge_reps

    spec = load_spec("bridge_hold", TEST_SPECS)
    session = Session(spec, (640, 480))
    for t, lift, top in bridge_reps(["good", "low"], top_s=spec.cycle.target_s + 1):
        session.update(bridge_pose(t, lift, top))
    session.finish()
    report = build_report(session, VideoInfo("gone.mp4", 30.0, session.frames, session.last_t, 640, 480),
                          "pose_landmarker_full", True).as_dict()
    assert len(report["holds"]) == 2
    html = session_html(report, spec, measure_series(session))
    assert f"2 holds, {sum(h['seconds'] for h in report['holds']):.1f} s in all" in html
    assert "Per side" not in html
    stored = history.get(history.save_session(report, "analyze"))
    progress = progress_html([stored], {spec.id: spec})
    assert "Hold seconds</figcaption>" in progress and f"target per hold (s): {spec.cycle.target_s:g}" in progress


def test_the_fetch_check_finds_what_a_page_would_load():
    assert fetched('<img src="https://cdn.example/x.png"><a href="#top">') == ["https://cdn.example/x.png"]
    assert fetched("<style>@import 'http://x/y.css'; a { background: url(data:image/png;base64,AA) }</style>") == [
        "http://x/y.css"]


# ---- in a real browser ----------------------------------------------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                  # any name the page looks up resolves to nothing: no request can leave the machine
                  "--host-resolver-rules=MAP * ~NOTFOUND")


def open_in_chromium(page: Path, work: Path, width: int = 420) -> tuple[str, Path, list[str]]:
    """The rendered DOM, a phone-width screenshot, and every URL the page itself asked the network for."""
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail("chromium is not installed (apt-get install chromium); the HTML browser test needs it")
    netlog, shot = work / f"{page.stem}.netlog.json", work / f"{page.stem}.png"
    common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}", f"--window-size={width},2400"]
    dom = subprocess.run([*common, f"--log-net-log={netlog}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    subprocess.run([*common, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    # The page's own loads carry its file:// origin; the browser's background chatter does not.
    asked = [e["params"]["url"] for e in log["events"] if e["type"] == start
             and e["params"].get("network_isolation_key", "").startswith("file://")]
    return dom, shot, asked


# A page in a frame of the given width (headless Chromium's own window is never narrower than 500 px),
# and where each of its plots lies and how tall its smallest text is drawn.
LAYOUT_PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="PAGE" style="width:WIDTHpx;height:2400px;border:0"></iframe>
<script>
document.getElementById("page").addEventListener("load", event => {
  const doc = event.target.contentDocument;
  const plots = [...doc.querySelectorAll("figure svg")].map(svg => {
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")].map(t => t.getBoundingClientRect()).filter(r => r.height > 0);
    const overlapping = [];  // text over other text, by more than a pixel each way
    texts.forEach((a, i) => texts.slice(i + 1).forEach(b => {
      if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1) overlapping.push([a.left, a.top]);
    }));
    return {left: box.left, right: box.right, smallest_text: Math.min(...texts.map(r => r.height)),
            outside: texts.filter(r => r.left < box.left - 1 || r.right > box.right + 1).length, overlapping};
  });
  const out = document.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify({width: event.target.contentWindow.innerWidth, plots});
  document.body.appendChild(out);
});
</script></body></html>"""


def layout_in_chromium(page: Path, work: Path, width: int) -> dict:
    probe = work / f"{page.stem}.probe.html"
    probe.write_text(LAYOUT_PROBE.replace("PAGE", page.name).replace("WIDTH", str(width)))
    dom = subprocess.run([shutil.which("chromium"), *CHROMIUM_FLAGS, "--allow-file-access-from-files",
                          f"--user-data-dir={work / 'profile'}", "--window-size=1000,2400", "--dump-dom",
                          probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    found = json.loads(unescape(re.search(r'<pre id="layout">(.*?)</pre>', dom, re.S).group(1)))
    assert found["width"] == width
    return found


def assert_laid_out(layout: dict, width: int) -> None:
    """Each plot whole on the screen, no text over other text or past the plot's edge, the smallest text readable."""
    for plot in layout["plots"]:
        assert 0 <= plot["left"] and plot["right"] <= width, (width, plot)
        assert plot["overlapping"] == [] and plot["outside"] == 0, (width, plot)
        assert plot["smallest_text"] >= 12, (width, plot)


def assert_drawn(shot: Path) -> None:
    with Image.open(shot) as image:
        assert image.width >= 400
        low, high = image.convert("L").getextrema()
        assert high - low > 100  # not a blank page


@pytest.mark.slow
def test_session_page_renders_in_chromium_and_loads_nothing(tmp_path):
    report, series = bridge_report(["good", "low", "good"])
    page = tmp_path / "session.html"
    page.write_text(session_html(report, load_spec("glute_bridge"), series))
    dom, shot, asked = open_in_chromium(page, tmp_path)
    assert asked == []
    assert 'id="measure-plot"' in dom and "<svg" in dom[dom.index('id="measure-plot"'):]
    assert "3 reps, 2 with good form" in dom
    assert "Lift your hips until shoulders, hips and knees are in one line (rep 2)" in dom
    assert_drawn(shot)
    many = tmp_path / "many.html"  # twelve reps and three faults: labels over the reps and in the legend
    report, series = bridge_report(["good", "low", "high", "feet_far"] * 3)
    many.write_text(session_html(report, load_spec("glute_bridge"), series))
    for width in (420, 1000):
        assert_laid_out(layout_in_chromium(page, tmp_path, width), width)
        assert_laid_out(layout_in_chromium(many, tmp_path, width), width)


@pytest.mark.slow
def test_progress_page_renders_in_chromium(tmp_path):
    from formcheck.coach.routine import load_routine

    history.save_session(bridge_report(["good", "low"])[0], "analyze", pain_before=5, pain_after=3)
    history.save_session(lunge_report([(21.0, 1.0, 2.0), (15.0, 0.0, 25.0)]), "live")
    plan = tmp_path / "bridges.toml"
    plan.write_text('name = "Bridges"\nper_week = 3\n' + BRIDGES_THAT_GROW)
    for day, pain in (("02", (2, 2)), ("04", (2, 1)), ("10", (2, 5))):
        stored_routine(load_routine(plan), [["good"] * 4], pain, saved_at=f"2026-03-{day}T09:00:00+00:00")
    page = tmp_path / "progress.html"
    assert invoke("report", "--history", "--html", page).exit_code == 0
    dom, shot, asked = open_in_chromium(page, tmp_path)
    assert asked == []
    assert dom.count("<svg") >= 9 and "Hold seconds per side" in dom and "Pain before and after" in dom
    for chart in ("adherence-plot", "routine-pain-plot", "targets-plot"):  # weeks, pain, the targets over time
        assert "<svg" in dom.split(f'class="progress-plot {chart}"')[1].split("</figure>")[0]
    assert "\u25b21</b> 2026-03-10 09:00: 4 reps" in dom
    assert_drawn(shot)
    for width in (420, 1000):  # every plot whole on the screen, its smallest text still readable
        layout = layout_in_chromium(page, tmp_path, width)
        assert len(layout["plots"]) == dom.count("<svg")
        assert_laid_out(layout, width)


@pytest.mark.slow
def test_the_browser_check_sees_a_page_that_loads_from_the_network(tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><p>x</p><img src="https://cdn.example.org/pixel.png"></body></html>')
    _, _, asked = open_in_chromium(page, tmp_path)
    assert asked == ["https://cdn.example.org/pixel.png"]
