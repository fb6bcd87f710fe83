"""The special tokens every kerasseq vocabulary starts with, and their ids.

A module of its own, with no dependencies, so that the backend-neutral core
(`kerasseq.models`, `kerasseq.samplers`) can name padding and `[UNK]`
without importing the TensorFlow text pipeline (`kerasseq.text`).
"""

PAD_TOKEN = ""
OOV_TOKEN = "[UNK]"
#: A translation target's start and end tokens (ids 2 and 3).
START_TOKEN = "[START]"
END_TOKEN = "[END]"
PAD_ID = 0
OOV_ID = 1
