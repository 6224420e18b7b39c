"""Predict-first questions: what a student answers before seeing an experiment, and its true answer.

Students who first commit to a prediction learn more from a demonstration than students who only watch it
(Crouch, Fagen, Callan and Mazur, Am. J. Phys. 72, 2004). Each `Question` names the page whose
experiment answers it and that experiment's exact settings (the page's URL keys), and computes its
truth with rnncore for exactly those settings: no answer is typed in. A question is a number or a choice.

Pages ask them alone (dashboard/sections/predict.py); a class session asks them together
(dashboard/state/classroom.py stores the answers, the truth comes from here). To add one: append a `Question`
to `QUESTIONS` with a truth function of its own below. Truth functions may import TensorFlow (lazily);
callers cache them, rnncore does not.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

import numpy as np

MAX_ABS_NUMBER = 1e12  # a number answer past this is refused (the class store uses the same bound)


@dataclass(frozen=True)
class Question:
    id: str                        # "<page>.<name>"
    page: str                      # url_path of the page whose experiment answers it
    objective: int                 # the lesson objective it serves: 1 recurrence, 2 memory and state, 3 TensorFlow
    prompt: str
    truth_of: Callable[[], object] = field(repr=False)  # rnncore computes it, for exactly `settings`
    explanation: str = ""          # one line, shown beside the truth
    choices: tuple[str, ...] = ()  # empty: the answer is a number
    settings: dict = field(default_factory=dict)  # the page's URL settings of the experiment
    tolerance: float = 0.0         # number questions: relative error still counted right

    @property
    def kind(self) -> str:
        return "choice" if self.choices else "number"

    @property
    def query(self) -> dict[str, str]:
        """The settings as URL parameters (booleans as true/false, as the pages' links write them)."""
        return {key: str(value).lower() if isinstance(value, bool) else str(value)
                for key, value in self.settings.items()}

    @property
    def link(self) -> str:
        """The experiment's relative link: its page with the question's settings."""
        return self.page + (f"?{urlencode(self.query)}" if self.settings else "")

    def truth(self):
        """The true answer (a float for a number question, one of `choices` for a choice)."""
        value = self.truth_of()
        if self.choices:
            if value not in self.choices:
                raise RuntimeError(f"question {self.id}: the truth {value!r} is not one of its choices")
            return value
        return float(value)

    def parse(self, raw) -> float | str:
        """A student's answer as this question takes it; ValueError with a short reason otherwise."""
        if self.choices:
            if raw not in self.choices:
                raise ValueError(f"choose one of: {', '.join(self.choices)}")
            return raw
        if isinstance(raw, bool):
            raise ValueError("the answer is a number")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError("the answer is a number") from None
        if not math.isfinite(value) or abs(value) > MAX_ABS_NUMBER:
            raise ValueError(f"give a finite number within ±{MAX_ABS_NUMBER:g}")
        return value

    def is_right(self, answer, truth) -> bool:
        return is_right(answer, truth, self.tolerance)


def is_right(answer, truth, tolerance: float = 0.0) -> bool:
    """A choice: the same text. A number: within `tolerance` (relative) of the truth; 0 means exactly."""
    if isinstance(truth, str) or isinstance(answer, str):
        return answer == truth
    return abs(float(answer) - float(truth)) <= tolerance * max(abs(float(truth)), 1e-12)


# --- truths, each for its question's settings ------------------------------------------------------------

_LESSON = {"inputs": 3, "neurons": 5, "seed": 42, "scale": 1.0, "activation": "tanh"}


def _lesson_run(lengths=None):
    from rnncore.config import init_weights
    from rnncore.manual import run_manual
    from rnncore.lesson.book import LESSON_X

    return run_manual(LESSON_X, init_weights(3, 5, 42), sequence_length=lengths)


def _zero_input_output() -> str:
    return "No: it is not zero" if np.any(_lesson_run().outputs[1, 1] != 0) else "Yes: all zero"


def _weight_count() -> int:
    from rnncore.config import init_weights

    w = init_weights(3, 5, 42)
    return w.Wx.size + w.Wy.size + w.b.size  # the same at any number of steps: the steps share them


def _static_ops() -> int:
    from rnncore.config import init_weights
    from rnncore.tf.graphs import measure

    return measure("static", 100, init_weights(), run=False).op_count


def _dynamic_ops() -> int:
    from rnncore.config import init_weights
    from rnncore.tf.graphs import measure

    return measure("dynamic", 100, init_weights(), run=False).op_count


FINAL_STATE_CHOICES = ("its output at t = 0", "its output at t = 1", "zeros")


def _final_state_with_lengths() -> str:
    run = _lesson_run(lengths=[2, 1, 2, 2])
    state, outputs = run.state[1], run.outputs[1]
    for choice, candidate in zip(FINAL_STATE_CHOICES, (outputs[0], outputs[1], np.zeros_like(state))):
        if np.array_equal(state, candidate):
            return choice
    raise RuntimeError("the final state is none of the choices")


def _pulse_after_29(radius: float) -> str:
    from rnncore import memory

    w = memory.memory_weights(5, 42, radius, "linear")
    norms = memory.state_norms(memory.impulse_response(w, memory.input_pattern(30, "pulse", 1.0, 42)))
    return "above" if norms[29] > norms[0] else "below"


def _fade_step() -> int:
    from rnncore import memory

    w = memory.memory_weights(5, 42, 0.8, "linear")
    step = memory.fade_step(memory.state_norms(memory.impulse_response(w, memory.input_pattern(30, "pulse", 1.0, 42))))
    return -1 if step is None else step


def _pulse_visible_after(forget_bias: float, steps: int) -> str:
    from rnncore import gates

    return "yes" if gates.pulse_kept(forget_bias, steps) else "no"


LARGEST_STEP_CHOICES = ("t = 1, the first step that adds anything", "a step in the middle", "t = 19, the last step")


def _largest_dWy_step() -> str:
    """The BPTT page's network at 20 steps: the lesson's batch at t = 0, 1, zeros after (its input table's
    default), seeded weights; the loss on the last output."""
    from rnncore import bptt
    from rnncore.config import init_weights
    from rnncore.lesson.book import LESSON_X

    X = np.zeros((4, 20, 3), np.float32)                # (batch, steps, inputs)
    X[:, :2] = LESSON_X
    step = bptt.backprop(X, init_weights(3, 5, 42)).largest_dWy_step
    return LARGEST_STEP_CHOICES[0] if step == 1 else LARGEST_STEP_CHOICES[2] if step == 19 else LARGEST_STEP_CHOICES[1]


AFTER_L_CHOICES = ('"l", almost surely', '"o", almost surely', '"l" or "o", about half each',
                   'any of the four letters, about a quarter each')
_HELLO = {"text": "hello", "text_cell": "SimpleRNN", "text_units": 16, "text_epochs": 100, "text_seed": 42}


def _stateless_after_l() -> str:
    """What the stateless model, trained on "hello" with the page's defaults, predicts after the first "l"."""
    from rnncore import text
    from rnncore.tf import chars_model
    run = chars_model.train(_HELLO["text"], _HELLO["text_cell"], _HELLO["text_units"], _HELLO["text_epochs"],
                            _HELLO["text_seed"])
    p = text.forward_stateless(run.stateless, text.encode(run.text).ids[:-1]).probs[2]  # (vocab,) after "hel"
    p_l, p_o = p[run.vocab.index("l")], p[run.vocab.index("o")]
    if max(p_l, p_o) > 0.9:
        return AFTER_L_CHOICES[0 if p_l > p_o else 1]
    if abs(p_l - 0.5) < 0.1 and abs(p_o - 0.5) < 0.1:
        return AFTER_L_CHOICES[2]
    return AFTER_L_CHOICES[3]


def _lstm_weight_count() -> int:
    from rnncore import gates

    w = gates.init_weights("lstm", 1, 16, 0)
    return w.kernel.size + w.recurrent_kernel.size + w.bias.size


QUESTIONS: dict[str, Question] = {q.id: q for q in (
    Question("by_hand.zero_input", "by_hand", 1,
             "In the lesson's batch, example 1's input at t = 1 is all zeros, and b = 0. Is its output Y[1] zero?",
             _zero_input_output,
             "Y[1] = tanh(X[1]·Wx + Y[0]·Wy + b): with X[1] = 0 and b = 0 what is left is Y[0]·Wy, the network's "
             "memory of t = 0.",
             choices=("Yes: all zero", "No: it is not zero"), settings={**_LESSON, "steps": 2}),
    Question("by_hand.weight_count", "by_hand", 1,
             "The lesson's layer (3 inputs, 5 neurons) unrolled over 20 steps: how many weights does it have?",
             _weight_count,
             "Wx (3×5) + Wy (5×5) + b (5) = 45, whatever the number of steps: every step shares the same weights.",
             settings={**_LESSON, "steps": 20}),
    Question("unrolling.static_ops", "unrolling", 3,
             "How many operations will static_rnn's forward graph have at 100 steps (3 inputs, 5 neurons)?",
             _static_ops,
             "static_rnn copies the cell once per step: the graph grows by a fixed number of operations per step.",
             settings={"unr_max_steps": 100, "unr_tf1": True, "unr_metric": "Operations"}, tolerance=0.1),
    Question("unrolling.dynamic_ops", "unrolling", 3,
             "And dynamic_rnn's forward graph, at 100 steps?",
             _dynamic_ops,
             "dynamic_rnn builds one cell inside a while_loop: the same graph at 2 steps or 200.",
             settings={"unr_max_steps": 100, "unr_tf1": True, "unr_metric": "Operations"}, tolerance=0.1),
    Question("lengths.final_state", "lengths", 3,
             "Example 1 has length 1 in a batch of 2 steps. Told the lengths, what is its final state?",
             _final_state_with_lengths,
             "Past a sequence's length the state is copied through, so the final state is the last valid output.",
             choices=FINAL_STATE_CHOICES,
             settings={**_LESSON, "steps": 2, "batch": 4, "len0": 2, "len1": 1, "len2": 2, "len3": 2}),
    Question("memory.exploding", "memory", 2,
             "A linear cell whose Wy has spectral radius 1.1 gets one pulse at t = 0. Is ‖Y[29]‖ above or "
             "below ‖Y[0]‖?",
             lambda: _pulse_after_29(1.1),
             "Each step multiplies the state by Wy: above a radius of 1 the pulse grows, roughly like 1.1^t.",
             choices=("above", "below"),
             settings={"activation": "linear", "mem_radius": 1.1, "mem_pattern": "pulse", "mem_steps": 30,
                       "neurons": 5, "seed": 42}),
    Question("memory.fading", "memory", 2,
             "Spectral radius 0.8, linear: at which step t does the pulse first fall below 1% of ‖Y[0]‖? "
             "(-1: never within 30 steps)",
             _fade_step,
             "The state shrinks by roughly the radius per step (0.8^t < 0.01 from t = 21); Wy's other eigenvalues "
             "and directions move the exact step.",
             settings={"activation": "linear", "mem_radius": 0.8, "mem_pattern": "pulse", "mem_steps": 30,
                       "neurons": 5, "seed": 42}, tolerance=0.15),
    Question("keras_lab.lstm_weights", "keras_lab", 3,
             "The Keras lab's LSTM layer has 16 units and reads one value per step. How many weights (kernel, "
             "recurrent kernel and biases) does it hold?",
             _lstm_weight_count,
             "Four gates (input, forget, candidate, output), each with its own kernel, recurrent kernel and bias: "
             "4 × (1 + 16 + 1) × 16 = 4 times a SimpleRNN of the same size.",
             settings={"lab_units": 16}),
    Question("gated.pulse_20", "gated", 2,
             "An LSTM's forget-gate bias is 1 (Keras' default) and nothing new is written after t = 0. Will at "
             "least 1% of the value written at t = 0 still be in the cell after 20 steps?",
             lambda: _pulse_visible_after(1.0, 20),
             "The forget gate keeps σ(1) = 0.73 per step: 0.73^20 = 0.2%, so the value has faded. A bias of 5 "
             "keeps 0.993 per step, 87% after 20 steps.",
             choices=("yes", "no"), settings={"gate_forget_bias": 1.0, "gate_pulse_steps": 20}),
    Question("bptt.largest_dWy", "bptt", 2,
             "The lesson's network over 20 steps, a loss on the last output. Walking back, every step adds a "
             "contribution to the one shared Wy. Which step's contribution is the largest?",
             _largest_dWy_step,
             "The error shrinks at every step back (tanh's slope times Wy): the last step's contribution is "
             "tens of thousands of times the early steps'. Training barely hears the distant past.",
             choices=LARGEST_STEP_CHOICES, settings={**_LESSON, "steps": 20, "batch": 4, "weights": "seeded"}),
    Question("text_lab.stateless_after_l", "text_lab", 2,
             'Both models train on "hello". The stateless one sees only the current character. After the first '
             '"l" the next character is "l"; after the second it is "o". What will the stateless model predict '
             'after "l"?',
             _stateless_after_l,
             'Both "l"s look the same to it, so it gives one answer for both: its best is half "l", half "o". '
             "The RNN's state tells the two apart, so it can be sure both times.",
             choices=AFTER_L_CHOICES, settings=_HELLO),
)}


def for_page(page: str) -> list[Question]:
    return [q for q in QUESTIONS.values() if q.page == page]
