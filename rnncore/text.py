"""Characters in, next character out: the text lab's encoding, its NumPy forward pass, top-k and sampling.

Karpathy's "hello" example (The Unreasonable Effectiveness of Recurrent Neural Networks, 2015, and
min-char-rnn.py): trained to predict the next character of "hello", a network must answer "l" after
the first "l" and "o" after the second. The input is the same letter both times, so a model that sees
only the current character splits its answer between "l" and "o"; a recurrent model can answer both,
because its state remembers what came before.

A text becomes a vocabulary of its distinct characters sorted by code point, integer ids, one-hot inputs X and
next-character targets y: X[t] is one_hot(text[t]) and y[t] is the id of text[t + 1], so a text of n
characters gives n - 1 steps. The models (trained in rnncore.tf.chars_model) are

    recurrent:  h[t] = cell(X[t], h[t-1])          p[t] = softmax(h[t] @ Wy + by)      h[-1] = 0
    stateless:                                     p[t] = softmax(X[t] @ Wy + by)

and `forward` here is the reference: it runs the trained weights in NumPy (float64) and reproduces the
Keras predictions to rnncore.config.AGREEMENT (tested), so a page shows rnncore's own numbers. The cells
are rnncore's own, stepped by rnncore.loop: Keras 3's SimpleRNN is rnncore.cell's basic cell (tanh), its
LSTM (gates i, f, c, o) and GRU (gates z, r, h, reset_after=True) are rnncore.gates' cells. Since X[t] is
one-hot, X[t] @ Wx is exactly the row Wx[id of text[t]].

Text that enters is checked by `check_text`: a str of 2..MAX_TEXT_CHARS characters, each printable,
at most MAX_VOCAB distinct. "Printable" means `str.isprintable()` or a newline: letters, digits,
punctuation, symbols (emoji included) and the space of any script; refused are control characters
(tab, carriage return, NUL, ...), format characters (zero-width joiner, right-to-left marks), other
separators and lone surrogates, which a page cannot show one per cell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnncore import gates
from rnncore.cell import basic_cell
from rnncore.loop import run_loop
from rnncore.validate import check_int

PRESETS = {
    "hello": "hello",
    "hello hello": "hello hello",
    "mississippi": "mississippi",
    # Traditional nursery rhyme (Sarah Josepha Hale, 1830), in the public domain.
    "verse": "Mary had a little lamb,\nIts fleece was white as snow;\n"
             "And everywhere that Mary went\nThe lamb was sure to go.",
}
MIN_TEXT_CHARS = 2      # one step: a character and the one after it
MAX_TEXT_CHARS = 2000   # with chars_model's caps, the text lab's longest run (see there)
MAX_VOCAB = 200         # distinct characters: keeps the stateless layer (vocab, vocab) under 40,000 weights
MAX_SAMPLE_CHARS = 500  # characters generated per sample
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 5.0  # 0.05: almost always the likeliest; 5: logits / 5, far flatter
# blocks of `units` columns in Wx, Wh, b: one per gate of rnncore.gates' cells
GATES = {"SimpleRNN": 1, "LSTM": len(gates.GATES["lstm"]), "GRU": len(gates.GATES["gru"])}


def check_text(text, name: str = "text", min_chars: int = MIN_TEXT_CHARS) -> str:
    """`text` if it is min_chars..MAX_TEXT_CHARS printable characters (see the module docstring), at most
    MAX_VOCAB of them distinct; else ValueError naming the problem and the limit."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a string of {min_chars}..{MAX_TEXT_CHARS} printable "
                         f"characters, got {type(text).__name__}")
    if not min_chars <= len(text) <= MAX_TEXT_CHARS:
        raise ValueError(f"{name} must have {min_chars}..{MAX_TEXT_CHARS} characters, got {len(text)}")
    for position, char in enumerate(text):
        if not (char.isprintable() or char == "\n"):
            raise ValueError(f"{name} must hold only printable characters or newlines; character "
                             f"{position} is {char!r} (U+{ord(char):04X})")
    if len(set(text)) > MAX_VOCAB:
        raise ValueError(f"{name} may hold at most {MAX_VOCAB} distinct characters, got {len(set(text))}")
    return text


@dataclass(frozen=True)
class Encoded:
    text: str
    vocab: tuple      # the distinct characters, sorted: id i is vocab[i]
    ids: np.ndarray   # (chars,) int32: the id of every character
    X: np.ndarray     # (steps, vocab) float32: one_hot(ids[t]) for t < steps = chars - 1
    y: np.ndarray     # (steps,) int32: ids[t + 1], the character to predict at step t


def encode(text) -> Encoded:
    """The text as ids, one-hot inputs and next-character targets; checks the text first."""
    text = check_text(text)
    vocab = tuple(sorted(set(text)))
    id_of = {char: i for i, char in enumerate(vocab)}
    ids = np.array([id_of[char] for char in text], np.int32)
    X = np.eye(len(vocab), dtype=np.float32)[ids[:-1]]  # (steps, vocab)
    return Encoded(text, vocab, ids, X, ids[1:].copy())


def decode(ids, vocab) -> str:
    return "".join(vocab[i] for i in ids)


@dataclass(frozen=True)
class CharRNNWeights:
    cell: str        # "SimpleRNN", "LSTM" or "GRU"
    Wx: np.ndarray   # (vocab, gates * units) input -> gates
    Wh: np.ndarray   # (units, gates * units) previous state -> gates: the recurrence
    b: np.ndarray    # (gates * units,); GRU: (2, 3 * units), the input and the recurrent bias
    Wy: np.ndarray   # (units, vocab) state -> next-character logits
    by: np.ndarray   # (vocab,)

    @property
    def units(self) -> int:
        return self.Wh.shape[0]

    def __post_init__(self):
        if self.cell not in GATES:
            raise ValueError(f"cell must be one of {tuple(GATES)}, got {self.cell!r}")


@dataclass(frozen=True)
class StatelessWeights:
    Wy: np.ndarray   # (vocab, vocab) current character -> next-character logits
    by: np.ndarray   # (vocab,)


@dataclass(frozen=True)
class Forward:
    probs: np.ndarray   # (steps, vocab) p[t]: probability of every next character after text[:t + 1]
    hidden: np.ndarray  # (steps, units) h[t] after reading text[t] (LSTM: its output h, not its memory c);
                        # (steps, 0) for the stateless model


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def recurrent_cell(w: CharRNNWeights):
    """The recurrent layer's cell as rnncore.loop steps it: Keras 3's SimpleRNN (tanh) is rnncore.cell's
    basic cell, its LSTM and GRU are rnncore.gates' cells (the same layout of Wx, Wh, b)."""
    if w.cell == "SimpleRNN":
        return basic_cell(w.Wx, w.Wh, w.b, "tanh")
    return gates.CELLS[w.cell.lower()](w.Wx, w.Wh, w.b)


def _as_float64(w: CharRNNWeights) -> CharRNNWeights:
    return CharRNNWeights(w.cell, *(np.asarray(a, np.float64) for a in (w.Wx, w.Wh, w.b, w.Wy, w.by)))


def zero_state(w: CharRNNWeights) -> tuple:
    """The states before the first character, each (1, units): (h,), or (h, c) for LSTM."""
    return tuple(np.zeros((1, w.units)) for _ in range(2 if w.cell == "LSTM" else 1))


def _one_hot(ids, w: CharRNNWeights) -> np.ndarray:
    """(1, steps, vocab) float64: X[t] = one_hot(ids[t]); X[t] @ Wx is exactly the row Wx[ids[t]]."""
    ids = np.asarray(ids, int)
    X = np.zeros((1, len(ids), w.Wx.shape[0]))
    X[0, np.arange(len(ids)), ids] = 1.0
    return X


def forward(w: CharRNNWeights, ids) -> Forward:
    """The recurrent model over `ids` from a zero state: p[t] and h[t] for every character read."""
    w = _as_float64(w)
    hidden = run_loop(recurrent_cell(w), _one_hot(ids, w), zero_state(w)).outputs[0]  # (steps, units)
    return Forward(_softmax(hidden @ w.Wy + w.by), hidden)


def forward_stateless(w: StatelessWeights, ids) -> Forward:
    """The baseline: p[t] from text[t] alone, so equal characters always get equal predictions."""
    logits = np.asarray(w.Wy, np.float64)[np.asarray(ids)] + np.asarray(w.by, np.float64)  # (steps, vocab)
    return Forward(_softmax(logits), np.zeros((len(logits), 0)))


def top_next(probs: np.ndarray, vocab, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The k likeliest next characters per step, likeliest first (ties in vocabulary order):
    chars (steps, k) str and their probabilities (steps, k)."""
    check_int("k", k, 1, len(vocab))
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]  # (steps, k) ids
    return np.array(vocab)[order], np.take_along_axis(probs, order, axis=1)


def check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer, np.floating)) \
            or not math.isfinite(temperature) or not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise ValueError(f"temperature must be a number in {MIN_TEMPERATURE}..{MAX_TEMPERATURE}, "
                         f"got {temperature!r}")
    return float(temperature)


def sample(w: CharRNNWeights, vocab, prompt: str, length: int = 200, temperature: float = 1.0,
           seed: int = 0) -> str:
    """`length` new characters after `prompt`, each drawn from softmax(logits / temperature).

    The state reads the prompt first; each drawn character is then fed back in. Low temperatures
    sharpen the distribution towards the likeliest character, high ones flatten it towards uniform.
    The same arguments give the same text (NumPy's PCG64 seeded with `seed`).
    """
    prompt = check_text(prompt, "prompt", min_chars=1)
    unknown = sorted(set(prompt) - set(vocab))
    if unknown:
        raise ValueError(f"prompt may use only the training text's characters {''.join(vocab)!r}; "
                         f"not in it: {''.join(unknown)!r}")
    check_int("length", length, 1, MAX_SAMPLE_CHARS)
    temperature = check_temperature(temperature)
    check_int("seed", seed, 0, 2**32 - 1)
    w, id_of, rng = _as_float64(w), {char: i for i, char in enumerate(vocab)}, np.random.default_rng(seed)
    step, state = recurrent_cell(w), zero_state(w)
    for char in prompt[:-1]:
        _, state, _ = step(_one_hot([id_of[char]], w)[:, 0], state)
    char_id, drawn = id_of[prompt[-1]], []
    for _ in range(length):
        h, state, _ = step(_one_hot([char_id], w)[:, 0], state)      # (1, units)
        p = _softmax((h[0] @ w.Wy + w.by) / temperature)  # (vocab,)
        char_id = int(rng.choice(len(vocab), p=p))
        drawn.append(char_id)
    return decode(drawn, vocab)
