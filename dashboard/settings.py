"""Every setting of every page, declared once as data: its URL key, label, type, range and default.

Options and caps come from `rnncore` (activations, memory patterns, tasks, the Keras lab's caps), so the
UI's limits cannot drift from the library's; a page may narrow a range (a slider of 2..100 steps where
rnncore allows 200) but never widen it. No Streamlit here: widgets are made from these declarations
in `dashboard/controls.py`, and bound to the URL (`bind="query-params"`), so a copied link reproduces
an experiment; the seed is a setting like any other. A URL value that is malformed, out of range,
repeated or unknown is dropped by Streamlit and the default used; `dashboard/notices.py` says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from rnncore import gates, memory, text

from rnncore.tf import chars_model, training

from rnncore.lesson import tasks
from rnncore.caps import ACTIVATIONS, MAX_STEPS


@dataclass(frozen=True)
class Setting:
    key: str                 # URL query parameter and session-state key
    label: str
    default: object
    low: float | None = None   # numeric settings: inclusive range
    high: float | None = None
    step: float | None = None
    options: tuple = ()      # choice settings
    help: str = ""
    max_chars: int | None = None  # text settings (a str default, no options): longest value a link carries
    pages: tuple = ()        # url_paths of the pages that read it (dashboard/registry.py); a link to another
                             # page with this key gets a notice there

    @property
    def is_text(self) -> bool:
        return isinstance(self.default, str) and not self.options

    def parse(self, raw: str):
        """The value a URL string stands for; ValueError with a short reason when it is not allowed."""
        if self.options:
            if raw not in self.options:
                raise ValueError(f"must be one of {', '.join(map(str, self.options))}")
            return raw
        if self.is_text:  # free text: the text lab's training text, checked by rnncore
            if len(raw) > self.max_chars:
                raise ValueError(f"is {len(raw)} characters long; a link carries at most {self.max_chars}")
            return text.check_text(raw, "it")
        if isinstance(self.default, bool):
            if raw.lower() not in ("true", "false"):
                raise ValueError("must be true or false")
            return raw.lower() == "true"
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise ValueError(f"must be between {self.low:g} and {self.high:g}")
        if isinstance(self.default, int):
            if value != int(value):
                raise NotWhole(int(value))
            return int(value)
        return value


class NotWhole(ValueError):
    """A fraction for a whole-number setting: Streamlit's slider keeps its whole part."""

    def __init__(self, used: int):
        super().__init__(f"is not a whole number; using {used}")
        self.used = used


def _settings(*settings: Setting, pages: tuple) -> dict[str, Setting]:
    """The settings by key; each without pages of its own is read by `pages`."""
    return {s.key: s if s.pages else replace(s, pages=pages) for s in settings}


LAYER_PAGES = ("by_hand", "lengths", "bptt")  # the pages that run the lesson's layer
BY_HAND_PAGES = ("by_hand", "bptt")   # the pages that run the by-hand page's layer and fill in its equation


SETTINGS = _settings(
    # the recurrent layer, shared by the pages that run one
    Setting("seed", "Seed", 42, 0, 9999, 1, help="The weights are drawn from this seed: same seed, same numbers.",
            pages=(*LAYER_PAGES, "memory", "gated")),
    Setting("inputs", "Inputs per step", 3, 1, 8, 1),
    Setting("neurons", "Neurons", 5, 1, 16, 1, pages=(*LAYER_PAGES, "memory")),
    Setting("steps", "Time steps", 2, 1, 20, 1),
    Setting("batch", "Examples in the batch", 4, 1, 8, 1),
    Setting("scale", "Weight scale", 1.0, 0.1, 3.0, 0.1,
            help="Weights are drawn from Normal(0, scale²). Larger weights saturate tanh sooner."),
    Setting("activation", "Activation", "tanh", options=ACTIVATIONS, pages=(*LAYER_PAGES, "memory")),
    # which number the filled-in equation shows
    Setting("example", "Example", 0, 0, 7, 1, pages=BY_HAND_PAGES),
    Setting("step", "Time step", 1, 0, 19, 1, pages=BY_HAND_PAGES),
    Setting("neuron", "Neuron", 0, 0, 15, 1, pages=BY_HAND_PAGES),
    pages=LAYER_PAGES)

# The length of each example's sequence; the defaults 2, 1, 2, 2 are the book's for the lesson's batch.
SETTINGS |= _settings(*(  # sequence lengths page
    Setting(f"len{i}", f"Length of example {i}", length, 0, 20, 1,
            help="How many steps of this example are real data; the rest of its row is padding.")
    for i, length in enumerate((2, 1, 2, 2, 2, 1, 2, 2))), pages=("lengths",))

SETTINGS |= _settings(  # static vs dynamic unrolling page
    Setting("unr_max_steps", "Largest step count", 50, 2, 200, 1,
            help="The sweep measures about 5 step counts from 1 up to this, spaced evenly on a log scale."),
    Setting("unr_tf1", "TF1: static_rnn vs dynamic_rnn", True),
    Setting("unr_tf2", "TF2: tf.function, Python loop vs tf.range", False,
            help="Tracing an unrolled tf.function takes longer with every step: see the build time measure."),
    Setting("unr_keras", "Keras: SimpleRNN unroll=True vs False", False,
            help="Building an unrolled Keras layer takes longer with every step: see the build time measure."),
    Setting("unr_log", "Log scales", False,
            help="Both axes on log scales: a graph growing in proportion to the steps is a straight rising "
                 "line, a graph of fixed size is flat."),
    Setting("unr_metric", "Measure", "Operations", options=("Operations", "GraphDef bytes", "Build time",
                                                            "First run time", "Later run time", "Tensor bytes")),
    Setting("unr_draw_steps", "Steps in the drawing", 2, 1, 5, 1,
            help="The real graphs, grouped by name scope: one box per copy of the cell, or one loop."),
    pages=("unrolling",))

SETTINGS |= _settings(  # memory and state page
    Setting("mem_radius", "Spectral radius of Wy", 0.9, 0.0, min(2.0, memory.MAX_RADIUS), 0.05,
            help="Wy is rescaled so that its largest |eigenvalue| is this: below 1 the past fades, above 1 "
                 "it grows (or, with tanh, saturates). 0 means Wy = 0: no memory at all."),
    Setting("mem_steps", "Time steps", 30, 2, min(100, MAX_STEPS), 1),
    Setting("mem_pattern", "Input", "pulse", options=memory.PATTERNS,
            help="pulse: one input at t = 0, then zeros; steady: the same input at every step; noise: a "
                 "random input at every step (drawn from the seed)."),
    Setting("mem_amplitude", "Input size", 1.0, 0.1, min(5.0, memory.MAX_AMPLITUDE), 0.1,
            help="The value fed to every input (the noise's standard deviation). Large inputs saturate tanh."),
    Setting("mem_log", "Log scale", True, help="A state that fades like rho^t is a straight line on a log axis."),
    Setting("mem_history", "Steps of history", 5, 1, min(30, memory.MAX_HISTORY), 1,
            help="How many steps come before the shared last input."),
    Setting("mem_credit", "Compute the gradients (TensorFlow)", False,
            help="Runs tf.GradientTape; the first time loads TensorFlow, which takes a few seconds."),
    pages=("memory",))

SETTINGS |= _settings(  # recurrence by hand page
    Setting("tf1_check", "Check against the lesson's TF1 graph", True,
            help="Builds and runs the TF1 placeholder graph for every new setting, which takes longer the more "
                 "steps it has. Turn off for quick what-ifs; the NumPy numbers stay."),
    pages=("by_hand",))

SETTINGS |= _settings(  # Keras lab page (caps: rnncore.lesson.tasks and rnncore.tf.training)
    Setting("lab_task", "Task", "sine", options=tuple(tasks.TASKS),
            help="sine: predict the next value of a noisy two-sine series. recall: give back, at the last "
                 "step, the value seen k steps earlier."),
    Setting("lab_steps", "Sine: values read per series", 50, 5, tasks.MAX_TASK_STEPS, 5,
            help="The model reads this many values and predicts the next one (the book uses 50)."),
    Setting("lab_k", "Recall: k steps back", 10, 1, tasks.MAX_DELAY, 1, pages=("keras_lab", "gated"),
            help="Each sequence is k + 1 random values; the target at the last step is the first one."),
    Setting("lab_examples", "Series (training + validation)", 1000, 100, tasks.MAX_EXAMPLES, 100,
            help="80% are used for training, the last 20% only to measure the validation error."),
    Setting("lab_simple", "SimpleRNN", True),
    Setting("lab_lstm", "LSTM", True),
    Setting("lab_gru", "GRU", True),
    Setting("lab_units", "Units per layer", 16, 1, training.MAX_UNITS, 1),
    Setting("lab_epochs", "Epochs", 10, 1, training.MAX_EPOCHS, 1),
    Setting("lab_seed", "Seed", 42, 0, 9999, 1,
            help="Draws the data, the initial weights and the batch order: same settings, same run."),
    pages=("keras_lab",))

SETTINGS |= _settings(  # gated cells page (caps: rnncore.gates); the recall task's k is the Keras lab's lab_k
    Setting("gate_units", "Units per layer", 3, 1, 8, 1,
            help="The same number of units in the SimpleRNN, the LSTM and the GRU."),
    Setting("gate_steps", "Time steps", 12, 2, 40, 1),
    Setting("gate_pattern", "Input", "noise", options=memory.PATTERNS,
            help="pulse: 1 into every input at t = 0, then zeros; steady: 1 at every step; noise: a random "
                 "input at every step (drawn from the seed)."),
    Setting("gate_forget_bias", "LSTM forget-gate bias", 1.0, -gates.MAX_FORGET_BIAS, gates.MAX_FORGET_BIAS, 0.5,
            help="Keras' unit_forget_bias starts it at 1: the forget gate then lets sigma(1) = 0.73 of the cell "
                 "through per step. Used by the LSTM above and by the pulse experiment."),
    Setting("gate_pulse_steps", "Steps after the pulse", 30, 5, 100, 1),
    Setting("gate_log", "Log scale", True, help="A value kept at a fraction f per step falls on a straight "
                                                "line on a log axis."),
    Setting("gate_hold_value", "Value written at t = 0", 0.8, -3.0, 3.0, 0.1,
            help="The cell stores tanh(value): the candidate g = tanh(value) passes a wide-open input gate."),
    Setting("gate_keras", "Check with Keras", False,
            help="Runs keras.layers.LSTM and GRU with the same weights; the first time loads TensorFlow "
                 "(a few seconds)."),
    pages=("gated",))

SETTINGS |= _settings(  # backpropagation through time page (its layer: the by-hand page's settings)
    Setting("bptt_log", "Log scale", True,
            help="A contribution that shrinks by the same factor at each step back is a straight line."),
    Setting("bptt_tape", "Check with tf.GradientTape", False,
            help="Computes the same gradients with TensorFlow; the first time loads TensorFlow (a few seconds)."),
    pages=("bptt",))

SETTINGS |= _settings(  # text lab page (caps: rnncore.text and rnncore.tf.chars_model)
    # 300 characters: up to ~2.7 kB once percent-encoded (9 bytes for a 3-byte character), well within the
    # 8 kB request line nginx and most proxies accept; longer texts are typed, not linked
    Setting("text", "Training text", "hello", max_chars=300,
            help=f"{text.MIN_TEXT_CHARS} to {text.MAX_TEXT_CHARS} printable characters (letters, digits, "
                 "punctuation, spaces, emoji and new lines; no tabs or control characters)."),
    Setting("text_cell", "Cell", "SimpleRNN", options=training.CELLS),
    Setting("text_units", "Units", chars_model.UNITS, 1, chars_model.MAX_UNITS, 1,
            help="Neurons in the recurrent layer: the size of its state h[t]."),
    Setting("text_epochs", "Epochs", chars_model.EPOCHS, 1, chars_model.MAX_EPOCHS, 1,
            help="One epoch is one Adam step on the whole text (one sequence, one batch)."),
    Setting("text_seed", "Seed", 42, 0, 9999, 1, help="Draws the initial weights of both models."),
    Setting("text_neuron", "Neuron", 0, 0, chars_model.MAX_UNITS - 1, 1),
    Setting("text_temperature", "Temperature", 1.0, text.MIN_TEMPERATURE, 2.0, 0.05,
            help="Divides the logits before the softmax: below 1 the likeliest character wins more often, "
                 "above 1 the choice is closer to uniform."),
    Setting("text_sample_chars", "Characters to sample", 100, 10, text.MAX_SAMPLE_CHARS, 10),
    Setting("text_sample_seed", "Sampling seed", 0, 0, 9999, 1,
            help="Draws the sampled characters: same seed, same text."),
    pages=("text_lab",))

SETTINGS |= _settings(  # presets and links: where a run's weights come from (dashboard/experiment.py)
    Setting("weights", "Weights", "seeded", options=("seeded", "book"),
            help="seeded: drawn from the seed, times the scale. book: the exact weights of Hands-On ML "
                 "ch. 14's manual RNN (3 inputs, 5 neurons), times the scale; the seed is not used."),
    pages=BY_HAND_PAGES)


def page_keys(page: str) -> tuple[str, ...]:
    """The settings `page` (a url_path of dashboard/registry.py) reads, in the order declared here."""
    return tuple(key for key, s in SETTINGS.items() if page in s.pages)


# Keys that may appear in a URL without being a widget's setting.
URL_EXTRAS = ("preset", "presenter",
              "x",  # x: the by-hand page's edited input table (dashboard/inputs_table.py checks it)
              "code", "secret", "student")  # a class session's link (dashboard.state.classroom checks them)
