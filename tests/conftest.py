import os
import sys
from pathlib import Path

# Before anything imports TensorFlow: the lesson's BasicRNNCell needs legacy Keras.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
