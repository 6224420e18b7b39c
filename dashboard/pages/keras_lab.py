import streamlit as st

st.title("keras_lab")
