"""Image captioning, one-to-many: a CNN encoder and an LSTM decoder with attention over the image
grid (Show, Attend and Tell) learn to describe generated scenes, and are tested on attribute
combinations they never saw.

- ``test`` and ``book``: scenes drawn by ``course_pkg.data.captioning.load_scenes`` (one or two
  coloured shapes, template captions such as "a small red circle above a large blue square"),
  with four (colour, shape) pairs held out of training. The model
  (``course_pkg.models.captioning``, ``kind="attention"`` by default) is trained with teacher
  forcing by the shared loop, decoded greedily and with beam search, and scored with sacrebleu's
  BLEU-4 and exact match (scikit-learn), on new scenes of seen pairs (``seen``) and on scenes
  holding a held-out pair (``heldout``), against a nearest-neighbour baseline (the caption of the
  training image closest in pixels) and the most frequent training caption.
- ``colab`` and ``full``: Flickr8k (``course_pkg.data.captioning.load_flickr8k``, a checksummed
  download), scored by BLEU-4 against the five human captions of each test image.

The result keeps what the book page shows: the attention maps of a few test scenes (their indices
in the test split and the greedy caption, which the page redraws from the same seed), greedy
against beam search, and the failures.

Run it with ``python -m course_pkg.recipes captioning --preset book`` or
``run_recipe("captioning", "book")``.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, compile_padded_sequence_model, fit

NAME = "captioning"

_SCENES = {"data": "scenes", "kind": "attention", "score": "general", "size": 32,
           "two_fraction": 0.8, "beam_width": 3, "length_alpha": 1.0, "clipnorm": 1.0,
           "seed": 0}
_FLICKR = {"data": "flickr8k", "kind": "attention", "score": "general", "beam_width": 3,
           "length_alpha": 1.0, "clipnorm": 1.0, "seed": 0, "max_words": 16,
           "vocab_size": 5000, "max_images": None}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI
    "test": {**_SCENES, "n_train": 256, "n_val": 32, "n_test": 32, "units": 16, "embed_dim": 8,
             "filters": [8, 8], "pools": 2, "epochs": 2, "batch_size": 64,
             "learning_rate": 5e-3},
    # live on the page: about 20 s of training on two idle CPU cores
    "book": {**_SCENES, "n_train": 6000, "n_val": 300, "n_test": 500, "units": 64,
             "embed_dim": 32, "filters": [16, 32, 32], "pools": 2, "epochs": 6,
             "batch_size": 32, "learning_rate": 3e-3},
    # one T4: Flickr8k at 96 x 96, a wider CNN
    "colab": {**_FLICKR, "image_size": 96, "units": 256, "embed_dim": 128,
              "filters": [32, 64, 128, 128], "pools": 3, "epochs": 12, "batch_size": 128,
              "learning_rate": 2e-3},
    # A100 / H100: larger images and layers
    "full": {**_FLICKR, "image_size": 128, "units": 512, "embed_dim": 256,
             "filters": [32, 64, 128, 256, 256], "pools": 3, "epochs": 20, "batch_size": 256,
             "learning_rate": 1e-3},
}

#: Test failures the result keeps, and test scenes whose attention maps it keeps.
MAX_ERRORS = 40
ATTENTION_EXAMPLES = 6


def load_task(config: dict):
    """The data of a preset: ``Scenes`` or ``Flickr8k``."""
    if config["data"] == "scenes":
        from course_pkg.data.captioning import load_scenes

        return load_scenes(config["n_train"], config["n_val"], config["n_test"], config["seed"],
                           size=config["size"], two_fraction=config["two_fraction"])
    from course_pkg.data.captioning import load_flickr8k

    return load_flickr8k(image_size=config["image_size"], max_words=config["max_words"],
                         vocab_size=config["vocab_size"], max_images=config["max_images"])


def build_model(config: dict, vocab_size: int, image_shape: Sequence[int], hardware: Hardware,
                steps: int, kind: str | None = None) -> Callable[[], Any]:
    """``build()`` for ``fit``: the model of ``config`` (``kind`` overrides its kind), compiled
    with Adam, a cosine-decaying learning rate, gradient clipping and a loss that ignores padding."""
    kind = kind or config["kind"]

    def build():
        from course_pkg.models.captioning import captioning_model

        model = captioning_model(vocab_size, tuple(image_shape), kind=kind, units=config["units"],
                                 embed_dim=config["embed_dim"], filters=tuple(config["filters"]),
                                 pools=config["pools"], score=config["score"])
        return compile_padded_sequence_model(model, config["learning_rate"], steps, config["clipnorm"],
                                             hardware, final_fraction=0.05)

    return build


def bleu4(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus BLEU-4 (sacrebleu, default 13a tokenisation) against one or more references per
    prediction (``references[i]`` is the list of references of prediction i; shorter lists are
    padded by repeating their first reference, which changes neither the clipped counts nor the
    closest reference length)."""
    from course_pkg.colab import ensure_packages

    ensure_packages("sacrebleu")
    import sacrebleu

    most = max(len(r) for r in references)
    streams = [[refs[j] if j < len(refs) else refs[0] for refs in references]
               for j in range(most)]
    return float(sacrebleu.corpus_bleu(list(predictions), streams).score)


def caption_metrics(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """BLEU-4 (sacrebleu) and exact match (scikit-learn's accuracy on whole captions)."""
    from course_pkg.colab import ensure_packages

    ensure_packages("sklearn")
    from sklearn.metrics import accuracy_score

    return {"bleu": bleu4(predictions, [[r] for r in references]),
            "exact": float(accuracy_score(list(references), list(predictions)))}


def nearest_neighbour_captions(train_images: np.ndarray, train_captions: Sequence[str],
                               images: np.ndarray, chunk: int = 256) -> list[str]:
    """The baseline: each image gets the caption of the training image nearest in pixels (L2)."""
    train = np.asarray(train_images, np.float32).reshape(len(train_images), -1)
    norms = (train ** 2).sum(1)
    out = []
    for lo in range(0, len(images), chunk):
        x = np.asarray(images[lo:lo + chunk], np.float32).reshape(-1, train.shape[1])
        d = norms[None, :] - 2.0 * x @ train.T
        out.extend(train_captions[int(i)] for i in np.argmin(d, axis=1))
    return out


def most_frequent_caption(captions: Sequence[str]) -> str:
    """The training caption that occurs most often (ties: the first in sorted order)."""
    values, counts = np.unique(np.asarray(list(captions)), return_counts=True)
    return str(values[np.argmax(counts)])


def captions_of(cap, images: np.ndarray, vocab, max_len: int, *, beam_width: int = 1,
                alpha: float = 1.0, return_weights: bool = False):
    """Greedy (``beam_width`` 1) or beam-search captions as strings (and the attention maps)."""
    from course_pkg.models.captioning import beam_caption, greedy_caption

    if beam_width == 1:
        ids, weights = greedy_caption(cap, images, max_len, return_weights=True)
    else:
        ids, weights = beam_caption(cap, images, max_len, k=beam_width, alpha=alpha), None
    texts = [vocab.decode(row, " ") for row in ids]
    return (texts, ids, weights) if return_weights else texts


def pair_named(captions: Sequence[str], objects: Sequence[Sequence[dict]],
               pairs: Sequence[tuple[str, str]]) -> float:
    """Share of the held-out objects in ``objects`` whose "<colour> <shape>" the caption says."""
    hits = []
    for caption, objs in zip(captions, objects):
        for o in objs:
            if (o["colour"], o["shape"]) in pairs:
                hits.append(f"{o['colour']} {o['shape']}" in caption)
    return float(np.mean(hits)) if hits else float("nan")


def _said_objects(caption: str) -> list[tuple[str, str]]:
    """The (colour, shape) pairs a template caption names, in order ("a <size> <colour> <shape>")."""
    words = caption.split()
    return [(words[i + 2], words[i + 3]) for i in range(len(words) - 3)
            if words[i] == "a" and words[i + 1] in ("small", "large")]


def heldout_substitutions(captions: Sequence[str], objects: Sequence[Sequence[dict]],
                          pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What a caption says in place of each held-out object (matched by position): counts of
    colour and shape right or wrong, and the most common substitutions."""
    counts = {"both right": 0, "colour right, shape wrong": 0, "shape right, colour wrong": 0,
              "both wrong": 0, "object missing": 0}
    swaps: dict[str, int] = {}
    for caption, objs in zip(captions, objects):
        said = _said_objects(caption)
        for k, o in enumerate(objs):
            if (o["colour"], o["shape"]) not in pairs:
                continue
            if k >= len(said):
                counts["object missing"] += 1
                continue
            colour_ok, shape_ok = said[k][0] == o["colour"], said[k][1] == o["shape"]
            key = ("both right" if colour_ok and shape_ok else "colour right, shape wrong"
                   if colour_ok else "shape right, colour wrong" if shape_ok else "both wrong")
            counts[key] += 1
            if not (colour_ok and shape_ok):
                swap = f"{o['colour']} {o['shape']} -> {' '.join(said[k])}"
                swaps[swap] = swaps.get(swap, 0) + 1
    top = sorted(swaps.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    return {"counts": counts, "substitutions": dict(top)}


def train_scenes_model(config: dict, data, hardware: Hardware, *, kind: str | None = None,
                       seed: int | None = None, run_dir: str | None = None,
                       progress: Callable[[dict], None] | None = None):
    """Train one model of ``config`` on scenes; return ``(FitResult, max caption length)``."""
    x, y = data.arrays("train")
    x_val, y_val = data.arrays("val")
    steps = config["epochs"] * int(np.ceil(len(y) / config["batch_size"]))
    seed = config["seed"] if seed is None else seed
    result = fit(build_model(config, data.vocab.size, x["image"].shape[1:], hardware, steps,
                             kind=kind),
                 x, y, validation_data=(x_val, y_val), epochs=config["epochs"],
                 batch_size=config["batch_size"], seed=seed, hardware=hardware, run_dir=run_dir,
                 progress=progress, fingerprint={**config, "kind": kind or config["kind"],
                                                 "seed": seed})
    return result, y.shape[1]


def evaluate_scenes(model, data, max_len: int, *, beam_width: int = 1,
                    alpha: float = 1.0) -> dict[str, Any]:
    """Greedy (and beam) captions of both test parts with their metrics."""
    from course_pkg.models.captioning import captioner

    cap = captioner(model)
    out: dict[str, Any] = {"metrics": {}, "greedy": {}, "beam": {}, "weights": {}}
    for part in ("seen", "heldout"):
        split = getattr(data, f"test_{part}")
        texts, _, weights = captions_of(cap, split.images, data.vocab, max_len,
                                        return_weights=True)
        g = caption_metrics(texts, split.captions)
        out["greedy"][part], out["weights"][part] = texts, weights
        out["metrics"].update({f"bleu_{part}": g["bleu"], f"exact_{part}": g["exact"]})
        if beam_width > 1:
            beams = captions_of(cap, split.images, data.vocab, max_len, beam_width=beam_width,
                                alpha=alpha)
            b = caption_metrics(beams, split.captions)
            out["beam"][part] = beams
            out["metrics"].update({f"beam_bleu_{part}": b["bleu"], f"beam_exact_{part}": b["exact"]})
    out["metrics"]["heldout_pair_named"] = pair_named(out["greedy"]["heldout"],
                                                      data.test_heldout.objects, data.held_out)
    return out


def _run_scenes(config, hardware, run_dir, progress, start):
    data = load_task(config)
    cpu_start = time.process_time()
    result, max_len = train_scenes_model(config, data, hardware, run_dir=run_dir,
                                         progress=progress)
    train_cpu = time.process_time() - cpu_start
    eval_start = time.perf_counter()
    ev = evaluate_scenes(result.model, data, max_len, beam_width=config["beam_width"],
                         alpha=config["length_alpha"])
    metrics = dict(ev["metrics"])
    frequent = most_frequent_caption(data.train.captions)
    neighbours = {}
    for part in ("seen", "heldout"):
        split = getattr(data, f"test_{part}")
        neighbours[part] = nearest_neighbour_captions(data.train.images, data.train.captions,
                                                      split.images)
        nn = caption_metrics(neighbours[part], split.captions)
        mf = caption_metrics([frequent] * len(split), split.captions)
        metrics.update({f"nn_bleu_{part}": nn["bleu"], f"nn_exact_{part}": nn["exact"],
                        f"frequent_bleu_{part}": mf["bleu"], f"frequent_exact_{part}": mf["exact"]})
    eval_seconds = time.perf_counter() - eval_start
    errors = []  # up to MAX_ERRORS // 2 of each test part
    for part in ("seen", "heldout"):
        split = getattr(data, f"test_{part}")
        beams = ev["beam"].get(part, ev["greedy"][part])
        wrong = [i for i, (g, t) in enumerate(zip(ev["greedy"][part], split.captions)) if g != t]
        metrics[f"errors_{part}"] = len(wrong)
        errors += [{"split": part, "index": i, "target": split.captions[i],
                    "greedy": ev["greedy"][part][i], "beam": beams[i]}
                   for i in wrong[:MAX_ERRORS // 2]]
    examples = []
    for part in ("heldout", "seen"):
        split = getattr(data, f"test_{part}")
        for i in range(ATTENTION_EXAMPLES // 2):
            n_words = len(ev["greedy"][part][i].split()) + 1   # the words and </s>
            examples.append({"split": part, "index": i, "target": split.captions[i],
                             "prediction": ev["greedy"][part][i],
                             "weights": np.round(ev["weights"][part][i, :n_words], 4).tolist()})
    extra = {
        "baseline": "nearest neighbour in pixels (the caption of the closest training image)",
        "most_frequent_caption": frequent,
        "data": {"provenance": data.provenance,
                 "sizes": {"train": len(data.train), "val": len(data.val),
                           "test_seen": len(data.test_seen),
                           "test_heldout": len(data.test_heldout)},
                 "vocab": data.vocab.size, "caption_length": max_len},
        "timing": {"train_seconds": round(result.wall_s, 1),
                   "train_cpu_seconds": round(train_cpu, 1),
                   "decode_seconds": round(eval_seconds, 1)},
        "errors": errors, "attention_examples": examples,
        "heldout_said": heldout_substitutions(ev["greedy"]["heldout"], data.test_heldout.objects,
                                              data.held_out),
        "nn_heldout_said": heldout_substitutions(neighbours["heldout"],
                                                 data.test_heldout.objects, data.held_out),
        "grid_shape": list(ev["weights"]["seen"].shape[2:]),
        "params": int(result.model.count_params()),
    }
    return metrics, result.history, extra


def _run_flickr(config, hardware, run_dir, progress, start):
    from course_pkg.models.captioning import captioner

    data = load_task(config)
    x, y = data.arrays("train")
    x_val, y_val = data.arrays("val")
    steps = config["epochs"] * int(np.ceil(len(y) / config["batch_size"]))
    result = fit(build_model(config, data.vocab.size, x["image"].shape[1:], hardware, steps),
                 x, y, validation_data=(x_val, y_val), epochs=config["epochs"],
                 batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                 run_dir=run_dir, progress=progress, fingerprint=config)
    cap = captioner(result.model)
    images = data.images["test"].astype(np.float32) / 255.0
    refs = data.captions["test"]
    max_len = y.shape[1]
    greedy = captions_of(cap, images, data.vocab, max_len)
    beams = captions_of(cap, images, data.vocab, max_len, beam_width=config["beam_width"],
                        alpha=config["length_alpha"])
    train_first = data.first_captions("train")
    nn = nearest_neighbour_captions(data.images["train"].astype(np.float32) / 255.0, train_first,
                                    images)
    metrics = {"bleu_test": bleu4(greedy, refs), "beam_bleu_test": bleu4(beams, refs),
               "nn_bleu_test": bleu4(nn, refs),
               "frequent_bleu_test": bleu4([most_frequent_caption(train_first)] * len(refs),
                                           refs)}
    extra = {"baseline": "nearest neighbour in pixels (first caption of the closest training image)",
             "data": {"provenance": data.provenance, "vocab": data.vocab.size},
             "timing": {"train_seconds": round(result.wall_s, 1)},
             "samples": [{"references": refs[i], "greedy": greedy[i], "beam": beams[i]}
                         for i in range(min(20, len(refs)))],
             "params": int(result.model.count_params())}
    return metrics, result.history, extra


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train the captioning model, caption the test images greedily and with beam search, score
    them and the baselines; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``captioning_<preset>.json`` (None: not written).
        progress: called after every epoch (``course_pkg.recipes.training.format_epoch``).
        run_dir: checkpoint folder; a run started again with it resumes.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``. Scenes ``metrics``: ``bleu_seen``,
        ``exact_seen``, ``bleu_heldout``, ``exact_heldout`` (greedy), the same with ``beam_``,
        ``nn_`` (nearest-neighbour baseline) and ``frequent_`` (most frequent caption) prefixes,
        and ``heldout_pair_named`` (share of held-out objects whose colour and shape the greedy
        caption names together). Besides: ``data``, ``timing``, ``errors``,
        ``attention_examples`` (test split, index, caption, weights (words, H', W')).
        Flickr8k ``metrics``: ``bleu_test``, ``beam_bleu_test``, ``nn_bleu_test``,
        ``frequent_bleu_test``.
    """
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    runner = _run_scenes if config["data"] == "scenes" else _run_flickr
    metrics, history, extra = runner(config, hardware, run_dir, progress, start)
    document = application_document(NAME, preset, out, config, metrics, history, hardware,
                                    time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document

