"""Accessibility in headless Chromium against the live dashboard (one server for the whole module):

- axe-core (axe-playwright-python) over every page at a desk (1400 px) and at a phone's 390 px, its counts
  printed; no critical or serious violation at all (none comes from Streamlit's own widgets on these
  pages either: the README's accessibility statement lists what axe reports below that), no skipped
  heading level and no two chart regions of the same name;
- every chart inside its container, at each chart's settings swept from the default to the largest;
- every chart has a text alternative: an ARIA label from its description, its numbers one click away;
- a deuteranopia simulation of the pages with the most colours (docs/screenshots/deuteranopia_*.png);
- a keyboard-only path: a slider move, a predict-first question, a class answer.

Run with `-s` to see axe's counts.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dashboard import registry
from dashboard.settings import SETTINGS
from dashboard.state import store
from dashboard.state.classroom import Classroom
from rnncore.lesson.questions import QUESTIONS
from tests.browser.live import LiveApp, wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# every page of the registry, the default one at / (its own path shows "Page not found")
PAGES = {page.url_path: "" if page is registry.DEFAULT else page.url_path for page in registry.PAGES}
DESK, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}
BLOCKING = ("critical", "serious")
# moderate, but ours to get right: a page's outline skips no level; no two chart regions share a name
ALSO_REFUSED = ("heading-order", "landmark-unique")
def _max(key: str) -> int:
    return int(SETTINGS[key].high)


# Each chart's settings over its range: the default, the values the issue found broken, the largest.
SWEEPS = {
    "by_hand": ("", f"steps={_max('steps')}&neurons={_max('neurons')}&batch={_max('batch')}&tf1_check=false"),
    "lengths": (f"steps={_max('steps')}&batch={_max('batch')}",),
    "memory": (f"mem_steps={_max('mem_steps')}&neurons={_max('neurons')}",),
    "gated": ("gate_steps=15", "gate_steps=17", "gate_steps=25",
              f"gate_steps={_max('gate_steps')}&gate_units={_max('gate_units')}"),
    "bptt": ("steps=10", f"steps={_max('steps')}&neurons={_max('neurons')}"),
}


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def _blocking(page, name: str, where: str) -> list[str]:
    """Run axe, print its counts by impact, and return the critical and serious violations."""
    violations = axe_violations(page)
    counts = Counter(v["impact"] for v in violations for _ in v["nodes"])
    print(f"axe {name} at {where}: " + (", ".join(f"{n} {impact}" for impact, n in sorted(counts.items()))
                                        or "no violations"))
    return [f"{v['id']} ({v['impact']}): {v['help']}; " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
            for v in violations if v["impact"] in BLOCKING or v["id"] in ALSO_REFUSED]


@pytest.fixture(scope="module")
def desk(browser):
    context = browser.new_context(viewport=DESK)
    context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation_at_a_desk_or_on_a_phone(app, desk, name):
    """One page load per page: axe at the desk's width, then the window narrowed to a phone's, axe again."""
    page = desk
    page.set_viewport_size(DESK)
    app.open(page, PAGES[name])
    app.assert_clean(page)
    found = _blocking(page, name, "1400 px")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(800)  # charts re-lay out to the new width
    found += _blocking(page, name, "390 px")
    assert not found, "\n".join(found)


_FIT = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].map(chart => {
    const drawn = chart.querySelector("svg.marks, canvas");
    const frame = chart.closest("[data-testid='stColumn']") || chart.closest("[data-testid='stMainBlockContainer']");
    const d = drawn.getBoundingClientRect(), f = frame.getBoundingClientRect();
    return {label: chart.getAttribute("aria-label"), left: d.left - f.left, right: d.right - f.right};
})"""


@pytest.mark.parametrize("name", SWEEPS)
def test_every_chart_fits_its_container_over_its_settings(app, desk, name):
    """The drawn chart (vega-embed's svg) against its column or the page's block, at every swept setting."""
    page = desk
    page.set_viewport_size(DESK)
    for query in SWEEPS[name]:
        app.open(page, name, query)
        app.assert_clean(page)
        charts = page.evaluate(_FIT)
        assert charts, f"{name}?{query} drew no chart"
        for chart in charts:
            assert chart["label"], f"{name}?{query}: a chart without a description (ARIA label)"
            assert chart["left"] >= -1 and chart["right"] <= 1, \
                f"{name}?{query}: {chart['label']!r} overflows its container by {max(-chart['left'], chart['right']):.0f} px"


def test_every_chart_has_its_numbers_one_click_away(app, desk):
    page = desk
    page.set_viewport_size(DESK)
    app.open(page, "memory")
    charts = page.locator("[data-testid='stVegaLiteChart']")
    buttons = page.get_by_role("button", name="Numbers")
    assert buttons.count() == charts.count() > 0
    buttons.first.click()
    table = page.locator("[data-testid='stPopoverBody'] table").first
    table.wait_for(state="visible")
    header = table.locator("th").all_inner_texts()
    assert {"run", "step", "value"} <= {h.strip() for h in header}, header
    page.keyboard.press("Escape")


# Machado, Oliveira and Fernandes (2009): deuteranopia at severity 1, as an SVG colour matrix.
DEUTERANOPIA = ("0.367322 0.860646 -0.227968 0 0  0.280085 0.672501 0.047413 0 0  "
                "-0.011820 0.042940 0.968881 0 0  0 0 0 1 0")


@pytest.mark.parametrize("name, query", [("memory", ""), ("unrolling", "unr_keras=true")])
def test_deuteranopia_screenshot(app, desk, name, query):
    """The page as someone with deuteranopia sees it, for a look: docs/screenshots/deuteranopia_<page>.png."""
    page = desk
    page.set_viewport_size({"width": 1400, "height": 1300})
    app.open(page, name, query)
    page.evaluate("""(matrix) => {
        const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        svg.setAttribute("style", "position:absolute;width:0;height:0");
        svg.innerHTML = `<filter id="deuteranopia"><feColorMatrix type="matrix" values="${matrix}"/></filter>`;
        document.body.appendChild(svg);
        document.documentElement.style.filter = "url(#deuteranopia)";
    }""", DEUTERANOPIA)
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"deuteranopia_{name}.png"))
    assert page.evaluate("getComputedStyle(document.documentElement).filter").startswith("url(")


def tab_to(page, locator, max_tabs: int = 120) -> None:
    """Press Tab until `locator` (or an element inside it) has the keyboard focus."""
    handle = locator.element_handle()
    for _ in range(max_tabs):
        if page.evaluate("(el) => el === document.activeElement || el.contains(document.activeElement)", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{max_tabs} presses of Tab never reached {locator}")


def test_a_keyboard_alone_moves_a_slider_answers_a_question_and_a_class(app, browser):
    context = browser.new_context(viewport=DESK)
    context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
    try:
        page = context.new_page()
        app.open(page, "by_hand", "tf1_check=false")
        seed = SETTINGS["seed"].default
        tab_to(page, page.locator(".st-key-seed").get_by_role("slider"))
        page.keyboard.press("ArrowRight")
        page.wait_for_url(f"**seed={seed + 1}**", timeout=30_000)
        app.wait(page)

        question = QUESTIONS["by_hand.zero_input"]
        choices = page.locator(".st-key-predict_by_hand-zero_input")
        tab_to(page, choices)
        page.keyboard.press("Space")  # the focused radio option is chosen
        tab_to(page, page.locator(".st-key-predict_by_hand-zero_input_commit").get_by_role("button"))
        page.keyboard.press("Enter")
        page.get_by_text("The answer:", exact=False).first.wait_for(state="visible")
        assert any(choice in page.locator("[data-testid='stMain']").inner_text() for choice in question.choices)

        classroom = Classroom(store.make_engine(store.database_url()))
        session = classroom.start_session()
        asked = QUESTIONS["memory.exploding"]
        classroom.set_question(session.code, session.secret, asked.id, asked.settings, asked.truth(),
                               list(asked.choices))
        app.open(page, "class")
        tab_to(page, page.locator(".st-key-class_join_code input"))
        page.keyboard.type(session.code)
        page.keyboard.press("Enter")
        tab_to(page, page.locator(".st-key-class_join").get_by_role("button"))
        page.keyboard.press("Enter")
        page.get_by_text("Question 1:", exact=False).first.wait_for(state="visible")
        tab_to(page, page.locator(".st-key-class_answer_1"))
        page.keyboard.press("Space")
        tab_to(page, page.locator(".st-key-class_send_1").get_by_role("button"))
        page.keyboard.press("Enter")
        page.get_by_text("Answer received:", exact=False).first.wait_for(state="visible")
        wait_until(lambda: classroom.answer_count(session.code) == 1, what="the answer stored")
        assert classroom.reveal(session.code, session.secret).values[0] in asked.choices
    finally:
        context.close()
