"""The pages of Recurrence Lab, declared once: what `st.navigation`, the overview's map, every page link
and the tests read.

A page is a row: its url_path (also the name of its script, `dashboard/views/<url_path>.py`), its title
and icon in the navigation, and the line the overview's map shows for it. The settings a page reads are
not listed here: each setting names its pages (`dashboard/settings.py`), and `Page.keys` collects them.

The script path is relative to the entry script's folder, which is how Streamlit resolves it (`st.Page`,
`st.page_link`): never from this module's `__file__`. A checkout run with a virtualenv whose `dashboard`
is another copy (`pip install -e` elsewhere) then still links its own pages.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.settings import page_keys


@dataclass(frozen=True)
class Page:
    url_path: str             # the page's address (`/by_hand`) and its script's name
    title: str                # in the navigation, on the overview's map and on links to it
    icon: str
    what: str = ""            # what the student does there, for the overview's map
    objectives: tuple = ()    # the lesson's objectives it serves (the overview numbers them 1..3)
    default: bool = False     # the page at `/`

    @property
    def script(self) -> str:
        return f"views/{self.url_path}.py"

    @property
    def keys(self) -> tuple[str, ...]:
        """The URL keys (settings) this page reads."""
        return page_keys(self.url_path)


PAGES = (
    Page("overview", "Overview", ":material/home:", default=True),
    Page("by_hand", "Recurrence by hand", ":material/edit_note:",
         "Run the lesson's hand-built network for 1 to 20 steps, edit its inputs, and see one output computed "
         "term by term; check the NumPy loop against the TF1 graph.", (1, 3)),
    Page("unrolling", "Static vs dynamic", ":material/account_tree:",
         "Watch `static_rnn`'s graph grow with every step while `dynamic_rnn`'s loop stays the same size; "
         "what `swap_memory` is for.", (3,)),
    Page("lengths", "Sequence lengths", ":material/straighten:",
         "Give each example its own length: outputs stop, the final state is the last real step, and without "
         "`sequence_length` the padding leaks in.", (2, 3)),
    Page("memory", "Memory and state", ":material/memory:",
         "Send one pulse in and watch how long the state remembers it as `Wy` grows or shrinks; why training "
         "struggles to reach far back; the same input after different histories.", (2,)),
    Page("keras_lab", "Keras lab", ":material/science:",
         "The lesson's lab inside the app: train small Keras `SimpleRNN`, `LSTM` and `GRU` models on tasks "
         "that need memory, and compare them with a naive baseline.", (2, 3)),
    Page("gated", "Gated cells", ":material/tune:",
         "Look inside LSTM and GRU: every gate at every step beside a SimpleRNN, how the forget gate's bias "
         "decides how long a value lasts, and a value held for k steps by gates set by hand.", (2, 3)),
    Page("bptt", "Backpropagation through time", ":material/undo:",
         "Walk back from a loss on the last output one step at a time, with the numbers filled in: each step "
         "adds its contribution to the one shared `Wy`, and early ones vanish or explode.", (2,)),
    Page("text_lab", "Text lab", ":material/text_fields:",
         "Type a word, train a character RNN on it in a second beside a model with no state, and see why "
         "“hello” needs a state: each model's guess at every letter, the state over the text, a neuron's "
         "colouring, sampled text.", (2, 3)),
    Page("class", "Class session", ":material/groups:",
         "Predict first, together: the instructor asks a question, every student answers on a phone, then the "
         "class sees the truth beside its own answers and opens the experiment.", (1, 2, 3)),
)
BY_PATH = {page.url_path: page for page in PAGES}
DEFAULT = next(page for page in PAGES if page.default)


def titles(url_paths) -> str:
    """Pages' titles as a phrase in the navigation's order: 'Keras lab and Gated cells'."""
    names = [page.title for page in PAGES if page.url_path in url_paths]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def st_page(url_path: str):
    """The `st.Page` of a page: what `st.navigation` registers and what a link to the page is made from.

    Its identity is its url_path (Streamlit hashes it); its script is found from the entry script's folder.
    """
    page = BY_PATH[url_path]
    return st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path, default=page.default)
