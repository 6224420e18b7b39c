"""Notebook code for the text lab: Keras 3 code that trains the same two models on the same text.

The code is rnncore.tf.chars_model's recipe written out with nothing from Recurrence Lab: the same
vocabulary and one-hot encoding (rnncore.text), the same layers, initializer seeds, Adam learning rate
and one full-batch step per epoch. It prints, for every position of the text, each model's likeliest
next character and its probability, and leaves `rnn_probs` and `stateless_probs` (steps, vocab) behind.
Run on the same machine it gives the page's numbers; elsewhere, float rounding may move them a little.
"""
from __future__ import annotations

from rnncore.tf.chars_model import LEARNING_RATE, check_cell
from rnncore.text import check_text
from rnncore.validate import check_int


def code_parts(text: str, cell: str, units: int, epochs: int, seed: int) -> dict[str, str]:
    """The code in four parts, in order: "data", "models", "train", "predict" (notebook cells)."""
    check_text(text)
    check_cell(cell)
    check_int("units", units, 1, 10_000)
    check_int("epochs", epochs, 1, 100_000)
    check_int("seed", seed, 0, 2**31 - 1)
    data = f'''\
text = {text!r}
cell, units, epochs, seed = {cell!r}, {units}, {epochs}, {seed}

vocab = sorted(set(text))                       # the distinct characters: id i is vocab[i]
ids = np.array([vocab.index(char) for char in text])
X = np.eye(len(vocab), dtype=np.float32)[ids[:-1]][np.newaxis]  # (1, steps, vocab): one-hot characters read
y = ids[1:][np.newaxis]                         # (1, steps): the character that comes next
'''
    models = f'''\
keras.utils.set_random_seed(seed)
init = keras.initializers
rnn = keras.Sequential([
    keras.Input((None, len(vocab))),
    getattr(keras.layers, cell)(units, return_sequences=True,  # h[t] = cell(X[t], h[t-1]), h[-1] = 0
                                kernel_initializer=init.GlorotUniform(seed=seed),
                                recurrent_initializer=init.Orthogonal(seed=seed + 1)),
    keras.layers.Dense(len(vocab), activation="softmax", kernel_initializer=init.GlorotUniform(seed=seed + 2)),
])
stateless = keras.Sequential([                  # the baseline: the current character alone
    keras.Input((None, len(vocab))),
    keras.layers.Dense(len(vocab), activation="softmax", kernel_initializer=init.GlorotUniform(seed=seed + 3)),
])
for model in (rnn, stateless):
    model.compile(optimizer=keras.optimizers.Adam({LEARNING_RATE}), loss="sparse_categorical_crossentropy",
                  jit_compile=False)  # as Recurrence Lab trains: no XLA, the same float rounding
'''
    train = '''\
for epoch in range(1, epochs + 1):              # one Adam step per epoch on the whole text
    rnn_loss = float(rnn.train_on_batch(X, y))
    stateless_loss = float(stateless.train_on_batch(X, y))
print(f"after {epochs} epochs: loss RNN {rnn_loss:.4f}, stateless {stateless_loss:.4f} (nats per character)")
'''
    predict = '''\
rnn_probs = rnn.predict_on_batch(X)[0]          # (steps, vocab): p[t] after reading text[:t + 1]
stateless_probs = stateless.predict_on_batch(X)[0]
for t in range(len(text) - 1):
    guess, plain = rnn_probs[t].argmax(), stateless_probs[t].argmax()
    print(f"{t:4d} read {text[t]!r:6} next {text[t + 1]!r:6} "
          f"RNN {vocab[guess]!r:6} {rnn_probs[t, guess]:.3f}   "
          f"stateless {vocab[plain]!r:6} {stateless_probs[t, plain]:.3f}")
'''
    return {"data": data, "models": models, "train": train, "predict": predict}


def notebook_code(text: str, cell: str, units: int, epochs: int, seed: int) -> str:
    """Runnable Python (Keras 3 on TensorFlow) that trains both models on `text` and prints their guesses."""
    parts = code_parts(text, cell, units, epochs, seed)
    header = (f"# Recurrence Lab, text lab: predict the next character of a text with a {cell} and with no state at all.\n"
              "import os\n"
              'os.environ.setdefault("KERAS_BACKEND", "tensorflow")\n'
              "import numpy as np\n"
              "import keras\n\n")
    return header + "\n".join(parts[name] for name in ("data", "models", "train", "predict"))
