"""The class on the projector: the join code, its QR code and link, the live count, the question and, after the
reveal, the class's answers. Read only: its address (`projector?code=K7MPQ2`) holds no secret and it has no
control, so a photo of the screen gives nobody the instructor's powers."""
from html import escape

import streamlit as st

from dashboard import notices
from dashboard.sections import classroom as section
from dashboard.state import classroom


@st.fragment(run_every=section.POLL_SECONDS)
def live(code: str) -> None:
    try:
        joined = section.room().joined_count(code)
        current = section.room().current_question(code)
        count = section.room().answer_count(code) if current else 0
    except classroom.ClassroomError as reason:
        st.warning(section.say(reason), icon=":material/block:")
        return
    if current is None:
        st.metric("Students joined", joined)
        st.info("The question appears here when the instructor asks it.", icon=":material/hourglass_top:")
        return
    question = section.QUESTIONS[current.question_id]
    st.markdown(f"## Question {current.number}\n### {question.prompt}")
    if section.tolerance_text(question):
        st.caption(section.tolerance_text(question))
    if question.choices:
        st.markdown("  ·  ".join(f"**{choice}**" for choice in question.choices))
    left, right = st.columns(2)
    left.metric("Students joined", joined)
    right.metric("Answers so far", count)
    if current.revealed:
        section.results_panel(code, current, experiment_link=False)


st.title("Class session")
notices.show_url_notices("projector")
code = str(st.query_params.get("code") or "").strip().upper()
if not classroom.CODE_PATTERN.fullmatch(code):
    st.warning("This projector link has no valid join code: open it from the instructor's panel.",
               icon=":material/block:")
    st.stop()
join_link = section.page_url(code=code)  # its host comes from the browser's own address: escaped below
words, qr = st.columns([3, 1], vertical_alignment="center")
words.html(f"<div style='font-size:1.4rem'>Join at <b>{escape(join_link.split('?')[0])}</b> with the code</div>"
           f"<div data-testid='class-join-code' style='font-size:5.5rem;font-weight:700;letter-spacing:0.4rem;"
           f"font-family:monospace;line-height:1.1'>{code}</div>"
           f"<div style='font-size:1.1rem'>or scan the QR code: {escape(join_link)}</div>")
if join_link.startswith("http"):  # the page's own address is unknown outside a browser (AppTest)
    qr.image(classroom.qr_png(join_link, scale=8), caption="Join link", width="stretch")
live(code)
