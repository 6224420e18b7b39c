import streamlit as st

st.title("unrolling")
