"""Class session: predict first, then reveal together. Everyone's answers live in the database."""
import streamlit as st

from dashboard import notices
from dashboard.sections import class_panel as panel
from dashboard.sections import classroom as section
from dashboard.state.classroom import ClassroomError


st.title("Class session")
notices.show_url_notices("class")
code, student = st.query_params.get("code"), st.query_params.get("student")
secret = section.take_secret(code)  # the secret leaves the address bar here, if it was in it

if panel.ENDED in st.session_state:
    every_answer, summary = st.session_state[panel.ENDED]
    st.success("The session has ended: its code and links no longer work. Here are its answers and its summary.",
               icon=":material/flag:")
    row = st.container(horizontal=True, gap="small")
    row.download_button("Download every answer (CSV)", every_answer, mime="text/csv",
                        file_name="recurrence-lab_class.csv", on_click="ignore", key="class_download_ended")
    row.download_button("Download the summary (CSV)", summary, mime="text/csv",
                        file_name="recurrence-lab_class_summary.csv", on_click="ignore",
                        key="class_download_ended_summary")
    if st.button("Start another session", key="class_again"):
        del st.session_state[panel.ENDED]
        st.query_params.clear()
        st.rerun()
elif code and secret:
    try:
        section.room().check_instructor(code, secret)
    except ClassroomError as reason:
        st.warning(f"This instructor panel cannot be used: {reason}.", icon=":material/block:")
        section.start_or_join()
    else:
        st.markdown("Your private panel: keep it on your own screen. Ask a question; your students answer on "
                    "their own screens, each alone, before anyone sees the answer. The count grows as they "
                    "answer; *Reveal* shows everyone the truth beside the class's answers; *Send the class to "
                    "this experiment* opens it on every student's screen.")
        panel.instructor(code, secret)
elif code and student:
    st.markdown("Answer on your own first: the truth and the class's answers appear when your instructor "
                "reveals them.")
    section.nickname_line()
    section.student(code, student)
elif code:
    st.markdown("Press *Join* to take part in this class session.")
    section.start_or_join(code)
else:
    st.markdown(
        "Students who first commit to a prediction understand a demonstration better than students who only "
        "watch it (Crouch, Fagen, Callan and Mazur, 2004). Here an instructor asks the class a question about "
        "an experiment of this lab; each student answers on a phone or a laptop; then everyone sees the true "
        "answer, computed by the lab, beside the class's answers, and opens the experiment to see why.")
    section.start_or_join()
