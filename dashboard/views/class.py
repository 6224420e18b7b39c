"""Class session: predict first, then reveal together. Everyone's answers live in the database."""
import streamlit as st

from dashboard import notices
from dashboard.sections import classroom as sections
from dashboard.state.classroom import ClassroomError


st.title("Class session")
notices.show_url_notices("class")
code, secret, student = (st.query_params.get(key) for key in ("code", "secret", "student"))

if sections.ENDED in st.session_state:
    st.success("The session has ended: its code and links no longer work. Here are its answers.",
               icon=":material/flag:")
    st.download_button("Download the answers (CSV)", st.session_state[sections.ENDED], mime="text/csv",
                       file_name="recurrence-lab_class.csv", on_click="ignore", key="class_download_ended")
    if st.button("Start another session", key="class_again"):
        del st.session_state[sections.ENDED]
        st.query_params.clear()
        st.rerun()
elif code and secret:
    try:
        sections.room().check_instructor(code, secret)
    except ClassroomError as reason:
        st.warning(f"This instructor link cannot be used: {reason}.", icon=":material/block:")
        sections.start_or_join()
    else:
        st.markdown("You are the instructor. Ask a question; your students answer on their own screens, each "
                    "alone, before anyone sees the answer. The count below grows as they answer; *Reveal* "
                    "shows everyone the truth beside the class's answers, then the experiment itself.")
        sections.instructor(code, secret)
elif code and student:
    st.markdown("Answer on your own first: the truth and the class's answers appear when your instructor "
                "reveals them.")
    sections.nickname_box()
    sections.student(code, student)
elif code:
    st.markdown("Press *Join* to take part in this class session.")
    st.session_state.setdefault("class_join_code", code)
    sections.start_or_join()
else:
    st.markdown(
        "Students who first commit to a prediction understand a demonstration better than students who only "
        "watch it (Crouch, Fagen, Callan and Mazur, 2004). Here an instructor asks the class a question about "
        "an experiment of this lab; each student answers on a phone or a laptop; then everyone sees the true "
        "answer, computed by the lab, beside the class's answers, and opens the experiment to see why.")
    sections.start_or_join()
