"""Phone first (issue 21): what every page needs so that a 390 px screen works without sideways scrolling
and without the sidebar in the way. Called once per run from app.py, before the page.

- 24 px tap targets at least (WCAG 2.2, 2.5.8): Streamlit draws radio options at 22 px, checkbox and
  toggle labels at 21 px and help icons at 16 px.
- A chart or drawing wider than the screen (a faceted chart has a width of its own) scrolls inside its
  own frame, with a scrollbar that stays drawn and a shadow on the side that has more, instead of
  making the whole page scroll sideways.
- Section headings one level under the title (h2, at h3's size), so a screen reader's outline skips none.
- The sidebar closes after a student moves to another page on a narrow screen: Streamlit collapses it on
  a phone when the app opens, but leaves it open (300 of 390 px) after a tap on a page link.
"""
from __future__ import annotations

import streamlit as st

NARROW_PX = 768  # Streamlit's own "md" breakpoint: below it the sidebar overlays the page

STYLE = """<style>
/* A page's sections are h2 under its h1 title (no level skipped: WCAG 1.3.1, axe's heading-order), drawn at
   the size of Streamlit's h3 */
[data-testid="stMain"] h2 { font-size: 1.75rem; line-height: 1.2; padding-top: 0.75rem; }
[data-testid="stRadioOption"], [data-testid="stCheckbox"] label { min-height: 24px; align-items: center; }
[data-testid="stTooltipHoverTarget"] button { min-width: 24px; min-height: 24px; justify-content: center; }
[data-testid="stVegaLiteChart"], [data-testid="stGraphVizChart"] {
  max-width: 100%; overflow-x: auto; overscroll-behavior-x: contain;
  /* scroll shadows: the local layers cover the shadows at either end, so a shadow shows where more is */
  background:
    linear-gradient(to right, var(--lab-bg, #fff) 30%, transparent) left / 40px 100% no-repeat local,
    linear-gradient(to left, var(--lab-bg, #fff) 30%, transparent) right / 40px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, .25), transparent) left / 14px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, .25), transparent) right / 14px 100% no-repeat scroll;
}
[data-testid="stVegaLiteChart"]::-webkit-scrollbar, [data-testid="stGraphVizChart"]::-webkit-scrollbar { height: 8px; }
[data-testid="stVegaLiteChart"]::-webkit-scrollbar-thumb, [data-testid="stGraphVizChart"]::-webkit-scrollbar-thumb {
  background: rgba(49, 51, 63, .45); border-radius: 4px; }
</style>"""

# Runs in the page itself (st.html with JavaScript), once per page change: a narrow screen's open
# sidebar is closed with Streamlit's own collapse button, so its state stays Streamlit's.
CLOSE_SIDEBAR = """<script>
(() => {{
  if (window.innerWidth > {narrow}) return;  // {page}
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (sidebar && button && sidebar.getAttribute('data-collapsed') !== 'true'
      && sidebar.getBoundingClientRect().right > 0) button.click();
}})();
</script>"""

# A chart frame that scrolls sideways (above) must be reachable by keyboard to be scrolled (WCAG 2.1.1,
# axe's scrollable-region-focusable): every frame wider inside than outside is a focusable region, named by
# its chart's description, and gets back the attributes it had when it fits again. Watched for the life of
# the page, since reruns redraw charts without reloading it; checked once per animation frame,
# however many nodes a rerun changes (reading a frame's widths makes the browser lay the page out).
FOCUSABLE_FRAMES = """<script>
(() => {
  if (window.__labFramesWatched) return;
  window.__labFramesWatched = true;
  // A region's name must differ from the others' (axe's landmark-unique): a chart's own ARIA label (its
  // description, which Streamlit puts on the frame) stays; a frame without one is named by its place.
  const mark = () => document.querySelectorAll('[data-testid="stVegaLiteChart"], [data-testid="stGraphVizChart"]')
    .forEach((frame, i) => {
      const scrolls = frame.scrollWidth > frame.clientWidth + 1;
      if (scrolls === frame.hasAttribute('data-lab-focus')) return;  // as marked already
      if (scrolls) {
        const given = {tabindex: '0', role: 'region'};
        if (!frame.hasAttribute('aria-label')) given['aria-label'] = `Chart ${i + 1}, scrolls sideways`;
        const before = Object.fromEntries(Object.keys(given).map(name => [name, frame.getAttribute(name)]));
        frame.setAttribute('data-lab-focus', JSON.stringify(before));  // what to put back (null: none)
        Object.entries(given).forEach(([name, value]) => frame.setAttribute(name, value));
      } else {  // e.g. Vega's own role, graphics-document, comes back
        Object.entries(JSON.parse(frame.getAttribute('data-lab-focus'))).forEach(([name, value]) =>
          value === null ? frame.removeAttribute(name) : frame.setAttribute(name, value));
        frame.removeAttribute('data-lab-focus');
      }
    });
  let pending = false;
  const schedule = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; mark(); }); } };
  new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', schedule);
  mark();
})();
</script>"""


def phone_first(page_path: str) -> None:
    """The style above on every run; the sidebar closed on a narrow screen when `page_path` differs from
    the last run's page (a tap on a page link), not after a slider move in the sidebar."""
    st.html(STYLE)
    if st.session_state.get("_phone_page") != page_path:
        st.session_state["_phone_page"] = page_path
        st.sidebar.html(CLOSE_SIDEBAR.format(narrow=NARROW_PX, page=page_path) + FOCUSABLE_FRAMES,
                        unsafe_allow_javascript=True)
