import streamlit as st

st.title("lengths")
