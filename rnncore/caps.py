"""What a single run may ask for, and the bar every backend must meet: constants only.

The caps keep the worst allowed request within the memory and time budgets of a small shared server
(see README "Caps"); `rnncore.validate` refuses anything past them, and the dashboard's settings take
their ranges from here, so the UI's limits cannot drift from the library's.
"""
from rnncore.activations import ACTIVATIONS  # noqa: F401  (the names of the activation table's rows)

MAX_BATCH = 64
MAX_STEPS = 200
MAX_STATIC_LENGTH_STEPS = 100  # static_rnn with sequence_length builds two conds per step: the slowest graph
                               # to build, held to its budget by tests/test_caps.py (README "Caps")
MAX_INPUTS = 32
MAX_NEURONS = 64
MAX_ABS_INPUT = 1e6  # finite inputs larger than this make every activation saturate or overflow
MAX_WEIGHT_SCALE = 10.0

# Every TensorFlow and Keras path agrees with the NumPy reference to this (float32: absolute near zero,
# relative where relu/linear outputs grow large).
AGREEMENT = 1e-5
