"""The text lab's two models, trained on predicting the next character of one text (Keras 3).

- recurrent: one layer of `units` cells (SimpleRNN by default, or LSTM, GRU) reading the text one
  one-hot character per step with state, then Dense(vocab, softmax) at every step;
- stateless: Dense(vocab, softmax) on the current character's one-hot alone. It cannot know which "l"
  of "hello" it is reading, so the best it can do there is 50/50 between "l" and "o".

Both see the whole text as one batch of one sequence (full-batch training: one Adam step per epoch on
the mean cross-entropy over all steps). rnncore.text holds the encoding and the NumPy forward pass that
reproduces these models' predictions; the result carries Keras's own predictions so that agreement can
be checked (tests/test_text.py).

Reproducibility and threads, as in rnncore.tf.training (whose `training_slot` this shares: runs may overlap,
and `training.busy()` covers both): every weight is drawn by a Keras initializer with its own integer
seed, there is no shuffling, and TF's gradient-registry entries traced for the runs are removed when the
last run in progress ends, so a server running many trainings does not grow.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from rnncore.text import CharRNNWeights, StatelessWeights, encode
from rnncore.tf.training import CELLS, training_slot
from rnncore.validate import check_int

# Defaults: on "hello" the recurrent model gets every next character right well before 100 epochs for
# every seed tried (tests/test_text.py trains several); 100 epochs leave it sure and bring the stateless
# model near its 50/50 optimum (ln 2 / 2 nats per character). A default run is mostly Keras tracing, so
# 30 or 100 epochs cost about the same; `make bench` times it (target: within 5 s, TensorFlow's import
# apart).
UNITS = 16
EPOCHS = 100
LEARNING_RATE = 0.05  # Adam; one step per epoch on a tiny model, so larger than Keras's 0.001
# Caps: the worst allowed run is 2000 characters (200 distinct), 64 units, 200 epochs of a GRU (the
# slowest cell per epoch): the longest wait a student can ask the text lab for.
MAX_UNITS = 64
MAX_EPOCHS = 200


@dataclass(frozen=True)
class TextEpoch:
    epoch: int             # 1-based
    rnn_loss: float        # cross-entropy (nats per character) of the recurrent model in this epoch's step
    stateless_loss: float  # the same for the stateless model
    total: int             # epochs asked for


@dataclass(frozen=True)
class TextResult:
    text: str
    vocab: tuple                 # sorted distinct characters: id i is vocab[i]
    rnn_loss: np.ndarray         # (epochs run,) recurrent model's loss per epoch (before that epoch's update)
    stateless_loss: np.ndarray   # (epochs run,) the stateless model's
    rnn: CharRNNWeights          # trained weights (float32, as Keras holds them)
    stateless: StatelessWeights
    keras_probs: np.ndarray      # (steps, vocab) Keras's next-character probabilities after training
    keras_hidden: np.ndarray     # (steps, units) Keras's recurrent state h[t]
    keras_stateless_probs: np.ndarray  # (steps, vocab)
    stopped: bool                # should_stop() ended the run before its last epoch
    seconds: float               # wall-clock time of the training, model building included


def check_cell(cell) -> str:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    return cell


def build_models(cell: str, units: int, vocab_size: int, seed: int):
    """Fresh, compiled (recurrent, stateless) Keras models; every weight drawn from its own seed."""
    from rnncore.tf.runtime import keras, keras_lock

    keras = keras()
    init = keras.initializers
    with keras_lock:
        rnn = keras.Sequential([
            keras.Input((None, vocab_size)),  # (batch, steps, vocab) one-hot characters
            getattr(keras.layers, cell)(units, return_sequences=True,
                                        kernel_initializer=init.GlorotUniform(seed=seed),
                                        recurrent_initializer=init.Orthogonal(seed=seed + 1)),
            keras.layers.Dense(vocab_size, activation="softmax", kernel_initializer=init.GlorotUniform(seed=seed + 2)),
        ])
        stateless = keras.Sequential([
            keras.Input((None, vocab_size)),
            keras.layers.Dense(vocab_size, activation="softmax", kernel_initializer=init.GlorotUniform(seed=seed + 3)),
        ])
    for model in (rnn, stateless):
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy",
                      jit_compile=False)
    return rnn, stateless


def train(text, cell: str = "SimpleRNN", units: int = UNITS, epochs: int = EPOCHS, seed: int = 42,
          on_epoch=None, should_stop=None) -> TextResult:
    """Train both models on `text` side by side, one full-batch step each per epoch.

    `on_epoch(TextEpoch)` is called after every epoch; `should_stop()` after every epoch too, and a True
    before the last epoch ends the run (the losses so far and the weights as they are then are returned,
    `stopped=True`). Bad arguments raise ValueError before TensorFlow is imported.
    """
    encoded = encode(text)
    check_cell(cell)
    check_int("units", units, 1, MAX_UNITS)
    check_int("epochs", epochs, 1, MAX_EPOCHS)
    check_int("seed", seed, 0, 2**31 - 1)
    from rnncore.tf.runtime import keras, keras_lock

    keras = keras()
    X, y = encoded.X[np.newaxis], encoded.y[np.newaxis]  # (1, steps, vocab), (1, steps): one sequence
    rnn_loss, stateless_loss, stopped = [], [], False
    with training_slot():
        start = time.perf_counter()
        rnn, stateless = build_models(cell, units, len(encoded.vocab), seed)
        for epoch in range(1, epochs + 1):
            rnn_loss.append(float(rnn.train_on_batch(X, y)))
            stateless_loss.append(float(stateless.train_on_batch(X, y)))
            if on_epoch is not None:
                on_epoch(TextEpoch(epoch, rnn_loss[-1], stateless_loss[-1], epochs))
            if should_stop is not None and should_stop() and epoch < epochs:
                stopped = True
                break
        with keras_lock:
            probe = keras.Model(rnn.inputs, [rnn.layers[0].output, rnn.outputs[0]])  # (h, p) at every step
        # a traced predict: called eagerly, the recurrent layer runs its loop op by op (slow on a long text)
        keras_hidden, keras_probs = probe.predict_on_batch(X)
        keras_stateless_probs = stateless(X)  # eager: one matmul
        Wx, Wh, b, Wy, by = rnn.get_weights()
        weights = CharRNNWeights(cell, Wx, Wh, b, Wy, by), StatelessWeights(*stateless.get_weights())
        seconds = time.perf_counter() - start
    return TextResult(encoded.text, encoded.vocab, np.array(rnn_loss), np.array(stateless_loss), *weights,
                      np.asarray(keras_probs)[0], np.asarray(keras_hidden)[0], np.asarray(keras_stateless_probs)[0],
                      stopped, seconds)


def seconds_to_train(text: str = "hello", **settings) -> float:
    """Wall-clock seconds of one `train(text, **settings)` at the defaults (for the benchmark; the first
    call in a process also pays TensorFlow's import, so call it twice to see a warm run)."""
    start = time.perf_counter()
    train(text, **settings)
    return time.perf_counter() - start
