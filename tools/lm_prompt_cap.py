"""How much of a long prompt a language model's continuation depends on,
and what the SavedModel's prompt cap (`--max-prompt-tokens`) saves.

1. Context: `--rows` prompts of `--length` tokens from the model's corpus
   (`config.json`'s `--data`), each continued greedily by `--new` tokens
   from the whole prompt and from its last N tokens only, for several N.
   Prints, per N, the share of continuations equal to the whole prompt's
   and the mean total-variation distance between the next-token
   distributions.
2. Time: exports the SavedModel twice into `--out`, with the default cap and
   uncapped, and times `serving_default` (the export's 200 new tokens) on
   one 10,000-character prompt of the corpus: median (min-max) of
   `--repeats` calls after two warm-ups, in this process, on the CPU.

    .venv/bin/python tools/lm_prompt_cap.py saved_models/lm --out /tmp/lm_cap
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench_export import timed  # noqa: E402  (tools/ is on the path)
from kerasseq import data  # noqa: E402
from kerasseq.export import ExportOptions  # noqa: E402
from kerasseq.export import export_trained  # noqa: E402
from kerasseq.export import load_trained_model  # noqa: E402
from kerasseq.export.verify import softmax  # noqa: E402
from kerasseq.models.language_model import generate_ids  # noqa: E402
from kerasseq.samplers import get_sampler  # noqa: E402

CAPS = (25, 50, 100, 200, 300, 400, 500, 800, 1600)
PROMPT_CHARACTERS = 10_000


def prompts(source, text, rows, length, seed=0):
    """`rows` prompts of exactly `length` tokens, int32 `(rows, length)`."""
    rng = np.random.default_rng(seed)
    ids = source.tokenizer.encode([text])[0].numpy()
    starts = rng.integers(0, len(ids) - length, size=rows)
    return np.stack([ids[start:start + length] for start in starts]).astype(np.int32)


def next_token_probabilities(model, ids):
    logits = np.asarray(model.predict(ids, verbose=0, batch_size=len(ids)))
    return softmax(logits[:, -1])


def context_study(source, text, rows, length, new):
    ids = prompts(source, text, rows, length)
    greedy = get_sampler("greedy")
    whole = np.asarray(generate_ids(source.model, ids, new, greedy))
    whole_next = next_token_probabilities(source.model, ids)
    print(f"{rows} prompts of {length} tokens, greedy continuations of {new} tokens")
    print("last N tokens  same continuation  mean TV distance, next token")
    for cap in CAPS:
        if cap >= length:
            break
        cut = np.asarray(generate_ids(source.model, ids[:, -cap:], new, greedy))
        same = np.mean((cut == whole).all(axis=1))
        distance = 0.5 * np.abs(
            next_token_probabilities(source.model, ids[:, -cap:]) - whole_next
        ).sum(axis=-1).mean()
        print(f"{cap:13d}  {same:17.0%}  {distance:.1e}")


def time_prompt(source, text, out, repeats):
    prompt = tf.constant([text[len(text) // 2:len(text) // 2 + PROMPT_CHARACTERS]])
    for name, cap in (("default cap", None), ("uncapped", 10**9)):
        directory = os.path.join(out, name.replace(" ", "_"))
        export_trained(source, directory, ["saved_model"],
                       options=ExportOptions(max_prompt_tokens=cap),
                       print_fn=lambda line: None)
        serving = tf.saved_model.load(os.path.join(directory, "saved_model"))
        run = serving.signatures["serving_default"]
        truncated = bool(run(text=prompt)["truncated"].numpy()[0])
        median, low, high = timed(lambda: run(text=prompt), repeats)
        print(f"{name}: a {PROMPT_CHARACTERS:,}-character prompt, serving_default "
              f"{median:.3f} s ({low:.3f}-{high:.3f}), truncated={truncated}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="a directory of `kerasseq train lm`")
    parser.add_argument("--out", required=True, help="where the exports are written")
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--length", type=int, default=4000)
    parser.add_argument("--new", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    source = load_trained_model(args.model_dir)
    options = source.config.options
    text = data.load_text(options.data, cache_dir=options.cache_dir,
                          data_dir=options.data_dir)
    print(f"{args.model_dir}: {source.config.model.label}, seq_len {options.seq_len}")
    context_study(source, text, args.rows, args.length, args.new)
    time_prompt(source, text, args.out, args.repeats)


if __name__ == "__main__":
    main()
