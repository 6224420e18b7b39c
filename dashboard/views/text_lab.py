"""Text lab: a character RNN trained live beside a model with no state, on a text the student types."""
import streamlit as st

from dashboard import chart_cache, experiment, notices
from dashboard.controls import select, slider
from dashboard.sections import predict
from dashboard.sections import text_lab as sections
from rnncore import text as chars
from rnncore.tf import chars_model
st.title("Text lab: why “hello” needs a state")
notices.show_url_notices("text_lab")
st.markdown(
    "Train a network to predict the **next character** of a text. After the first “l” of *hello* comes "
    "another “l”; after the second, an “o”. The input is the same letter both times, so a model that sees "
    "only the current character cannot get both right. A recurrent layer can: its state h[t] carries what "
    "it has read so far. Two models train side by side on your text: a recurrent layer, h[t] = cell(x[t], "
    "h[t−1]), then a softmax over the text's characters; and a **stateless** softmax on the current "
    "character alone.")

with st.sidebar:
    st.header("The recurrent model")
    cell = select("text_cell")
    units, epochs, seed = slider("text_units"), slider("text_epochs"), slider("text_seed")
    st.caption(f"Caps: {chars.MAX_TEXT_CHARS} characters, {chars_model.MAX_UNITS} units, "
               f"{chars_model.MAX_EPOCHS} epochs. Adam, learning rate {chars_model.LEARNING_RATE}, one step per "
               "epoch on the whole text. A default run on “hello” took 1.1 s on our two-core server (the "
               "server's first run also loads TensorFlow: about 6 s).")

st.header("1. The text")
text, problem = sections.text_box()
settings = sections.TextSettings(text, cell, units, epochs, seed)

st.header("2. Train")
row = st.container(horizontal=True, gap="small")
if row.button("Train", type="primary", key="text_train", disabled=problem is not None):
    sections.submit(settings)
status = sections.status_for(settings) if problem is None else None
if status is not None and not status.finished and row.button("Stop", key="text_stop"):
    sections.stop(settings)
result = status.result if status is not None and status.state == "done" else None
if status is not None and not status.finished:
    sections.live(settings)
elif result is not None:
    chart_cache.show(sections.loss_spec(settings.key, result))
    st.caption(f"Trained in {result.seconds:.1f} s ({len(result.vocab)} distinct characters, "
               f"{len(text) - 1} steps). A run anyone on this server trained with the same settings shows at once.")
elif status is not None and status.state == "stopped":
    if status.progress:
        chart_cache.show(chart_cache.to_spec(sections.progress_chart(status.progress)))
    st.warning("This run was stopped before its last epoch and is not kept. Press **Train** to run it in full.")
elif status is not None:
    st.error(f"Training failed: {status.error}")
elif problem is None:
    st.info("Press **Train**: both models train on this text (in about a second at the defaults).")
if result is not None or status is not None and status.progress:
    st.markdown(
        "**Reading the chart.** Cross-entropy per character (log scale): 0 is a model sure of every next "
        "character. On *hello* the stateless model cannot go below ln 2 / 2 ≈ 0.35: at the two “l”s the best "
        "it can do is half “l”, half “o”. The RNN's loss keeps falling.")

if result is not None:
    reading = sections.reading(settings.key, result)
    st.header("3. What each model predicts next")
    if predict.predict_first("text_lab.stateless_after_l"):
        counts = sections.right_counts(reading)
        steps = len(text) - 1
        first, second = st.columns(2)
        first.metric("RNN: next characters right", f"{counts['RNN']} of {steps}")
        second.metric("Stateless: next characters right", f"{counts['stateless']} of {steps}")
        st.dataframe(sections.predictions_table(reading), column_config={
            f"{m} p(next)": st.column_config.ProgressColumn(format="%.3f", min_value=0, max_value=1)
            for m in sections.MODELS})
        st.caption("p(next): the probability each model gave the character that really comes next. "
                   "Top 3: its three likeliest next characters (␣ a space, ⏎ a new line). These are "
                   "rnncore's NumPy numbers from the trained weights; they match Keras's to 1e-5.")
    else:
        st.caption("The table of both models' guesses appears once you commit a prediction (or skip).")

    st.header("4. Inside the RNN: its state over the text")
    shown_chars = min(len(text) - 1, sections.SHOWN_CHARS)
    chart_cache.show(sections.state_spec(settings.key, reading))
    st.caption(f"One row per neuron, one column per character read (the first {shown_chars} of "
               f"{len(text) - 1}), the text underneath: blue positive, red negative. Hover a box for its value.")
    neuron = slider("text_neuron", high=units - 1)
    chart_cache.show(sections.neuron_spec(settings.key, neuron, reading))
    st.markdown(
        f"The text coloured by neuron {neuron}'s output after reading each character. **Try** each neuron: "
        "on *hello* look for one that is different at the two “l”s; that difference is all the RNN needs "
        "to answer “l” once and “o” once.")

    st.header("5. Let it write")
    prompt = st.text_input("Prompt", key="text_prompt", max_chars=50, placeholder=f"{text[0]} (the text's start)")
    left, right = st.columns(2)
    temperature, length = slider("text_temperature", left), slider("text_sample_chars", right)
    sample_seed = slider("text_sample_seed", left)
    sampled, prompt_problem = sections.sample_text(result, prompt or text[0], length, temperature, sample_seed)
    if prompt_problem:
        st.warning(f"This prompt cannot be used: {prompt_problem}.", icon=":material/edit:")
    else:
        st.code((prompt or text[0]) + sampled, language=None, wrap_lines=True)
    st.caption("Each next character is drawn from softmax(logits / temperature) after the prompt and the "
               "characters drawn so far; the sampling seed makes the draw repeatable. After the text's last "
               "character the model never learnt what comes next, so there it guesses.")
    sections.export_panel(settings, reading)

st.header("What to try")
st.markdown(
    "- **hello**: after training, the RNN is sure at every step; the stateless model splits 50/50 after "
    "“l”. Fewer epochs (try 10): when does the RNN tell the two “l”s apart?\n"
    "- **mississippi**: which letters need more than one step of memory? After “s” comes “s” or “i”, and "
    "the letter before it decides: one step back is enough (the same for “p”). After “i” comes “s”, "
    "“s”, then “p”: only a state that has counted the “ss”s so far can tell. The stateless model "
    "cannot; in the table, see which rows the RNN gets right last as you raise the epochs.\n"
    "- **hello hello**: the space and the second word. Does the RNN know that the “h” after the space "
    "starts the same word again?\n"
    "- **verse**: a longer text. Sample from it at temperature 0.3 and at 1.5: real words, then noise.\n"
    "- **LSTM and GRU**: the same text, another cell. Which reaches a low loss first?")

experiment.share_link()
