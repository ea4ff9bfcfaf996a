"""Slot filling: which tagger can tell a departure city from an arrival city?

Three taggers read the generated flight requests of ``course_pkg.data.slot_filling``, each word
entering as a learned embedding or as a one-hot vector:

- ``feedforward``: a Dense layer on each word alone, no memory (the lectures' "feedforward network
  for slot filling");
- ``unidirectional``: a GRU (or LSTM) that has read the words up to t;
- ``bidirectional``: a forward and a backward GRU, so the tag of word t sees the whole sentence.

Every model is scored on sentences from templates never seen in training (slot F1 with
``seqeval``, intent accuracy with ``scikit-learn``) and on the two targeted sets of minimal pairs:
"verb before" (*arrive oulu* / *leave oulu*) and "verb after" (*oulu ..., i will arrive there*),
where the score is the accuracy of the city's role (to or from) and of whole pairs. A
most-frequent-tag-per-word baseline is scored beside them. The ``colab`` and ``full`` presets also
train the taggers on the real ATIS corpus (``load_atis``), where Mesnil et al. (2015) report a slot
F1 of about 95 %.

Run it with ``python -m course_pkg.recipes slot_filling --preset book`` or
``run_recipe("slot_filling", "book")``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from course_pkg.data.slot_filling import (
    _TEST_TEMPLATES, INTENTS, _targeted_utterance, Utterance, Vocabulary, encode, load_atis, make_corpus,
    tag_vocabulary, word_vocabulary,
)

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit

NAME = "slot_filling"

#: The models a preset may train: name -> (kind, inputs) of ``slot_tagger``.
MODELS: dict[str, tuple[str, str]] = {
    f"{kind}_{inputs}": (kind, inputs)
    for kind in ("feedforward", "unidirectional", "bidirectional")
    for inputs in ("embedding", "one_hot")
}

_COMMON = {"seed": 0, "targeted_share": 0.4, "unk_rate": 0.1, "learning_rate": 1e-2,
           "cell": "gru"}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: a tiny corpus and one small model (each model costs a compilation; the
    # others are built and checked by the unit tests).
    "test": {**_COMMON, "n_train": 256, "n_test": 64, "n_targeted": 16, "epochs": 2,
             "batch_size": 32, "units": 8, "embedding_dim": 8,
             "models": ["bidirectional_one_hot"], "atis": False},
    # live on the page: four taggers in about 25 s of training on two CPU cores.
    "book": {**_COMMON, "n_train": 2400, "n_test": 600, "n_targeted": 200, "epochs": 7,
             "batch_size": 128, "units": 32, "embedding_dim": 32,
             "models": ["feedforward_embedding", "unidirectional_embedding",
                        "bidirectional_embedding", "unidirectional_one_hot"], "atis": False},
    # one T4: every model on a larger corpus, then the real ATIS corpus.
    "colab": {**_COMMON, "n_train": 20000, "n_test": 2000, "n_targeted": 1000, "epochs": 10,
              "batch_size": 128, "units": 128, "embedding_dim": 128, "learning_rate": 3e-3,
              "models": list(MODELS), "atis": True, "atis_epochs": 30, "atis_batch_size": 64,
              "atis_models": ["feedforward_embedding", "unidirectional_embedding",
                              "bidirectional_embedding"]},
    # A100/H100: the same with LSTMs, larger layers and three seeds on ATIS.
    "full": {**_COMMON, "n_train": 50000, "n_test": 5000, "n_targeted": 2000, "epochs": 10,
             "batch_size": 256, "units": 256, "embedding_dim": 256, "learning_rate": 2e-3,
             "cell": "lstm", "models": list(MODELS), "atis": True, "atis_epochs": 40,
             "atis_batch_size": 64, "atis_seeds": [0, 1, 2],
             "atis_models": ["feedforward_embedding", "unidirectional_embedding",
                             "bidirectional_embedding"]},
}

#: How the page and the tables name the models.
LABELS: dict[str, str] = {
    "feedforward_embedding": "feed-forward", "feedforward_one_hot": "feed-forward, one-hot",
    "unidirectional_embedding": "unidirectional", "unidirectional_one_hot": "unidirectional, one-hot",
    "bidirectional_embedding": "bidirectional", "bidirectional_one_hot": "bidirectional, one-hot",
}

#: The sentences every model tags in the result (the page draws them): the lecture's pair, and a
#: pair whose deciding verb comes after the city. (kind, frame, verb pair, role, city, date) of
#: ``course_pkg.data.slot_filling``'s targeted frames.
EXAMPLES = (
    ("verb_before", 0, 0, "to", "oulu", "monday"),
    ("verb_before", 0, 0, "from", "oulu", "monday"),
    ("verb_after", 0, 0, "to", "beijing", "friday"),
    ("verb_after", 0, 0, "from", "beijing", "friday"),
)


# ----------------------------------------------------------------------------------------------
def _build(config: dict, vocab_size: int, n_tags: int, n_intents: int, name: str,
           hardware: Hardware, max_len: int) -> Callable[[], Any]:
    def build():
        import keras

        from course_pkg.models.slot_filling import slot_tagger

        kind, inputs = MODELS[name]
        model = slot_tagger(vocab_size, n_tags, n_intents, kind=kind, inputs=inputs,
                            units=config["units"], embedding_dim=config["embedding_dim"],
                            cell=config["cell"], max_len=max_len, name=name)
        model.compile(optimizer=keras.optimizers.Adam(config["learning_rate"], clipnorm=5.0),
                      loss={"tags": "sparse_categorical_crossentropy",
                            "intent": "sparse_categorical_crossentropy"},
                      jit_compile=hardware.jit_compile)
        return model

    return build


def predict_tags(model, utterances: Sequence[Utterance], words: Vocabulary, tags: Vocabulary,
                 intents: Sequence[str], max_len: int) -> tuple[list[list[str]], list[str]]:
    """The model's BIO tags (one list per sentence, its own length) and intents."""
    import keras

    x, _, _ = encode(utterances, words, tags, intents, max_len)
    # Called eagerly in chunks: model.predict would trace a new function for every model and
    # input size, and TensorFlow warns about the retracing on the page.
    outputs = [model(x[i:i + 512], training=False) for i in range(0, len(x), 512)]
    tag_probs = np.concatenate([keras.ops.convert_to_numpy(o[0]) for o in outputs])
    intent_probs = np.concatenate([keras.ops.convert_to_numpy(o[1]) for o in outputs])
    best = tag_probs.argmax(-1)
    predicted = [[tags.tokens[k] for k in best[i, :min(len(u.tokens), max_len)]]
                 + ["O"] * max(0, len(u.tokens) - max_len) for i, u in enumerate(utterances)]
    return predicted, [intents[k] for k in intent_probs.argmax(-1)]


def _city_role(tags: Sequence[str], index: int) -> str:
    tag = tags[index]
    return tag[2:] if tag[2:] in ("to_city", "from_city") else "neither"


def targeted_scores(utterances: Sequence[Utterance], predicted: Sequence[Sequence[str]]
                    ) -> dict[str, float]:
    """Scores on a targeted set of minimal pairs (to-role sentence, then from-role sentence).

    Returns:
        ``role_accuracy``: share of sentences whose city (its first word) gets the right role;
        ``pair_accuracy``: share of pairs with both sentences right; ``slot_f1``: seqeval F1 of
        all the slots (city and date); ``predicted_to``: share of cities tagged to_city.
    """
    from seqeval.metrics import f1_score
    from sklearn.metrics import accuracy_score

    true_roles, pred_roles = [], []
    for u, p in zip(utterances, predicted):
        first = next(i for i, t in enumerate(u.tags) if t.endswith("_city"))
        true_roles.append(_city_role(u.tags, first))
        pred_roles.append(_city_role(p, first))
    pairs = len(true_roles) // 2
    true_pairs = [f"{true_roles[2 * i]}|{true_roles[2 * i + 1]}" for i in range(pairs)]
    pred_pairs = [f"{pred_roles[2 * i]}|{pred_roles[2 * i + 1]}" for i in range(pairs)]
    return {
        "role_accuracy": float(accuracy_score(true_roles, pred_roles)),
        "pair_accuracy": float(accuracy_score(true_pairs, pred_pairs)),
        "slot_f1": float(f1_score([list(u.tags) for u in utterances], [list(p) for p in predicted])),
        "predicted_to": float(np.mean([r == "to_city" for r in pred_roles])),
    }


def slot_scores(utterances: Sequence[Utterance], predicted: Sequence[Sequence[str]],
                predicted_intents: Sequence[str] | None = None) -> dict[str, Any]:
    """Slot precision, recall and F1 (seqeval, exact spans), per-slot F1, and intent accuracy."""
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from sklearn.metrics import accuracy_score

    true = [list(u.tags) for u in utterances]
    pred = [list(p) for p in predicted]
    report = classification_report(true, pred, output_dict=True, zero_division=0)
    scores: dict[str, Any] = {
        "slot_f1": float(f1_score(true, pred)),
        "slot_precision": float(precision_score(true, pred, zero_division=0)),
        "slot_recall": float(recall_score(true, pred, zero_division=0)),
        "per_slot_f1": {k: round(float(v["f1-score"]), 4) for k, v in report.items()
                        if not k.endswith("avg")},
    }
    if predicted_intents is not None:
        scores["intent_accuracy"] = float(accuracy_score([u.intent for u in utterances],
                                                         list(predicted_intents)))
    return scores


def most_frequent_tag_baseline(train: Sequence[Utterance], utterances: Sequence[Utterance]
                               ) -> list[list[str]]:
    """Tag every word with the tag it had most often in training (``O`` for unseen words),
    then repair the BIO prefixes (an I- that does not continue its slot becomes B-)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for u in train:
        for token, tag in zip(u.tokens, u.tags):
            counts[token][tag] += 1
    out = []
    for u in utterances:
        tags = [counts[t].most_common(1)[0][0] if t in counts else "O" for t in u.tokens]
        for i, tag in enumerate(tags):
            if tag.startswith("I-") and (i == 0 or tags[i - 1][2:] != tag[2:]):
                tags[i] = "B-" + tag[2:]
        out.append(tags)
    return out


_ROLE_PAIRS = ({"from_city", "to_city"}, {"depart_date", "arrive_date"})


def error_kinds(utterances: Sequence[Utterance], predicted: Sequence[Sequence[str]]
                ) -> dict[str, int]:
    """Count the true slots by what the tagger made of them.

    Returns:
        ``correct`` (same words, same slot), ``wrong_role`` (same words, the other role of the
        pair: from/to city, depart/arrive date), ``wrong_type`` (same words, another slot),
        ``wrong_extent`` (overlapping a predicted slot with other words, e.g. a comma too many),
        ``missed`` (no predicted slot on these words), and ``spurious`` (predicted slots that
        overlap no true slot).
    """
    from course_pkg.data.slot_filling import spans

    counts = Counter({k: 0 for k in ("correct", "wrong_role", "wrong_type", "wrong_extent",
                                     "missed", "spurious")})
    for u, p in zip(utterances, predicted):
        true, pred = spans(u.tags), spans(p)
        at = {(a, b): slot for slot, a, b in pred}
        for slot, a, b in true:
            if (a, b) in at:
                other = at[(a, b)]
                counts["correct" if other == slot else "wrong_role"
                       if {slot, other} in _ROLE_PAIRS else "wrong_type"] += 1
            elif any(c < b and a < d for _, c, d in pred):
                counts["wrong_extent"] += 1
            else:
                counts["missed"] += 1
        counts["spurious"] += sum(not any(c < b and a < d for _, a, b in true) for _, c, d in pred)
    return dict(counts)


def per_template_f1(utterances: Sequence[Utterance], predicted: Sequence[Sequence[str]]
                    ) -> dict[str, float]:
    """Slot F1 (seqeval) of the sentences of each template."""
    from seqeval.metrics import f1_score

    groups: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(utterances):
        groups[u.template].append(i)
    return {t: round(float(f1_score([list(utterances[i].tags) for i in idx],
                                    [list(predicted[i]) for i in idx])), 4)
            for t, idx in sorted(groups.items(), key=lambda kv: int(kv[0].split(":")[1]))}


def _errors(utterances: Sequence[Utterance], predicted: Sequence[Sequence[str]],
            limit: int) -> list[dict]:
    wrong = []
    for u, p in zip(utterances, predicted):
        if list(u.tags) != list(p):
            wrong.append({"tokens": list(u.tokens), "tags": list(u.tags), "predicted": list(p),
                          "template": u.template})
    return wrong[:limit]


# ----------------------------------------------------------------------------------------------
def _train_and_score(name: str, config: dict, arrays: dict, vocab: dict, hardware: Hardware,
                     run_dir: Path | None, progress: Callable | None, seed: int,
                     epochs: int, batch_size: int) -> tuple[Any, dict]:
    words, tags, intents, max_len = vocab["words"], vocab["tags"], vocab["intents"], vocab["max_len"]
    build = _build(config, len(words), len(tags), len(intents), name, hardware, max_len)

    def report(record: dict) -> None:
        if progress is not None:
            progress({"model": name, **record})

    if progress is not None:
        progress({"line": f"{name}:"})
    result = fit(build, arrays["x"], arrays["y"], validation_data=arrays.get("valid"),
                 epochs=epochs, batch_size=batch_size, seed=seed, hardware=hardware,
                 run_dir=None if run_dir is None else run_dir / name, progress=report,
                 fingerprint={**{k: v for k, v in config.items() if k != "models"},
                              "model": name, "seed": seed})
    model = result.model
    trainable = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    return model, {"history": result.history, "wall_s": round(result.wall_s, 2),
                   "params": int(model.count_params()), "trainable_params": trainable,
                   "epochs": epochs, "resumed_epochs": result.resumed_epochs}


def _vocab(train: Sequence[Utterance], intents: Sequence[str], others: Sequence[Utterance]) -> dict:
    lengths = [len(u.tokens) for u in [*train, *others]]
    return {"words": word_vocabulary(train), "tags": tag_vocabulary(train),
            "intents": list(intents), "max_len": int(max(lengths))}


def _arrays(train, valid, vocab, unk_rate: float, seed: int) -> dict:
    w, t, i, T = vocab["words"], vocab["tags"], vocab["intents"], vocab["max_len"]
    x, y, intent = encode(train, w, t, i, T, unk_rate=unk_rate, seed=seed)
    arrays = {"x": x, "y": {"tags": y, "intent": intent}}
    if valid:
        xv, yv, iv = encode(valid, w, t, i, T)
        arrays["valid"] = (xv, {"tags": yv, "intent": iv})
    return arrays


def run_generated(config: dict, hardware: Hardware, run_dir: Path | None,
                  progress: Callable | None) -> dict:
    """Train and score the preset's models on the generated corpus (see the module docstring)."""
    seed = config["seed"]
    corpus = make_corpus(config["n_train"], 2 * config["n_test"], config["n_targeted"], seed=seed,
                         targeted_share=config["targeted_share"])
    # Half of the unseen-template sentences watch training (validation curves), half score it.
    valid, test = corpus.test[::2], corpus.test[1::2]
    examples = [_targeted_utterance(*e) for e in EXAMPLES]
    others = [*corpus.test, *corpus.targeted["verb_before"], *corpus.targeted["verb_after"],
              *examples]
    vocab = _vocab(corpus.train, INTENTS, others)
    arrays = _arrays(corpus.train, valid, vocab, config["unk_rate"], seed)
    args = (vocab["words"], vocab["tags"], vocab["intents"], vocab["max_len"])

    models: dict[str, dict] = {}
    errors: dict[str, list] = {}
    for name in config["models"]:
        model, record = _train_and_score(name, config, arrays, vocab, hardware, run_dir, progress,
                                         seed, config["epochs"], config["batch_size"])
        predicted, intents = predict_tags(model, test, *args)
        record["test"] = slot_scores(test, predicted, intents)
        record["test"]["error_kinds"] = error_kinds(test, predicted)
        record["test"]["per_template_f1"] = per_template_f1(test, predicted)
        for kind in ("verb_before", "verb_after"):
            utts = corpus.targeted[kind]
            record[kind] = targeted_scores(utts, predict_tags(model, utts, *args)[0])
        record["examples"] = [{"tokens": list(u.tokens), "tags": list(u.tags), "predicted": p}
                              for u, p in
                              zip(examples, predict_tags(model, examples, *args)[0])]
        models[name] = record
        errors[name] = _errors(test, predicted, limit=12)
    baseline = most_frequent_tag_baseline(corpus.train, test)
    base_scores = slot_scores(test, baseline)
    base_scores["error_kinds"] = error_kinds(test, baseline)
    base_scores["per_template_f1"] = per_template_f1(test, baseline)
    for kind in ("verb_before", "verb_after"):
        utts = corpus.targeted[kind]
        base_scores[kind] = targeted_scores(utts, most_frequent_tag_baseline(corpus.train, utts))
    return {
        "models": models,
        "baseline": {"name": "most frequent tag per word", **base_scores},
        "errors": errors,
        "test_templates": {f"test:{i}": t for i, (_, t) in enumerate(_TEST_TEMPLATES)},
        "targeted_examples": {k: [{"tokens": list(u.tokens), "tags": list(u.tags)}
                                  for u in v[:4]] for k, v in corpus.targeted.items()},
        "data": {**corpus.provenance, "n_train": len(corpus.train), "n_valid": len(valid),
                 "n_test": len(test), "n_targeted": {k: len(v) for k, v in corpus.targeted.items()},
                 "vocabulary": len(vocab["words"]), "tags": list(vocab["tags"].tokens),
                 "max_len": vocab["max_len"]},
    }


def run_atis(config: dict, hardware: Hardware, run_dir: Path | None, progress: Callable | None,
             train: Sequence[Utterance] | None = None, test: Sequence[Utterance] | None = None
             ) -> dict:
    """Train the preset's ``atis_models`` on ATIS (downloaded once by ``load_atis`` unless
    ``train`` and ``test`` are given) and score slot F1 and intent accuracy on its test set."""
    from course_pkg.data.slot_filling import ATIS_SOURCES

    train = list(train) if train is not None else load_atis("train")
    test = list(test) if test is not None else load_atis("test")
    intents = sorted({u.intent for u in train})
    vocab = _vocab(train, intents, test)
    arrays = _arrays(train, [], vocab, 0.0, 0)
    args = (vocab["words"], vocab["tags"], vocab["intents"], vocab["max_len"])
    runs: dict[str, list] = {}
    for seed in config.get("atis_seeds", [config["seed"]]):
        for name in config["atis_models"]:
            folder = None if run_dir is None else run_dir / f"atis_seed{seed}"
            model, record = _train_and_score(f"{name}", {**config, "atis": "atis"}, arrays, vocab,
                                             hardware, folder, progress, seed,
                                             config["atis_epochs"], config["atis_batch_size"])
            predicted, predicted_intents = predict_tags(model, test, *args)
            record["test"] = slot_scores(test, predicted, predicted_intents)
            record["seed"] = seed
            runs.setdefault(name, []).append(record)
    summary = {name: {"slot_f1_mean": float(np.mean([r["test"]["slot_f1"] for r in rs])),
                      "slot_f1_std": float(np.std([r["test"]["slot_f1"] for r in rs])),
                      "intent_accuracy_mean": float(np.mean([r["test"]["intent_accuracy"]
                                                             for r in rs])),
                      "n": len(rs)} for name, rs in runs.items()}
    return {"runs": runs, "summary": summary, "n_train": len(train), "n_test": len(test),
            "vocabulary": len(vocab["words"]), "n_tags": len(vocab["tags"]),
            "sources": {k: s.provenance() for k, s in ATIS_SOURCES.items()},
            "published": {"mesnil2015": "about 95 % slot F1 (RNN taggers; CRF 92.9 %)"}}


def format_progress(record: dict) -> str:
    """One short line per epoch (or the model's name before its first epoch) for ``progress``."""
    if "line" in record:
        return LABELS.get(record["line"].rstrip(":"), record["line"]) + ":"
    val = f"  validation {record['val_tags_loss']:.3f}" if "val_tags_loss" in record else ""
    return (f"  epoch {record['epoch']}/{record['epochs']}  tag loss {record['tags_loss']:.3f}"
            f"{val}  ({record['wall_s']:.1f} s)")


def results_table(document: dict) -> str:
    """The models and the baseline on the unseen-template test set and the targeted sets, as text.
    """
    rows = [("model", "slot F1", "intent acc.", "verb before", "verb after", "params", "seconds")]
    base = document["baseline"]
    rows.append((base["name"], f"{base['slot_f1']:.3f}", "-",
                 f"{base['verb_before']['role_accuracy']:.2f}",
                 f"{base['verb_after']['role_accuracy']:.2f}", "-", "-"))
    for name, m in document["models"].items():
        rows.append((LABELS.get(name, name), f"{m['test']['slot_f1']:.3f}",
                     f"{m['test']['intent_accuracy']:.3f}",
                     f"{m['verb_before']['role_accuracy']:.2f}",
                     f"{m['verb_after']['role_accuracy']:.2f}",
                     f"{m['trainable_params']:,}", f"{m['wall_s']:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(r, widths))) for r in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def run(preset: str = "book", out: str | None = None, progress: Callable[[dict], None] | None = None,
        run_dir: str | None = None, hardware: Hardware | None = None) -> dict:
    """Run a preset: train and score its models; write ``out/slot_filling_<preset>.json``.

    Returns:
        The result document: ``metrics`` (headline figures), ``models`` (per model: history,
        test scores, targeted scores, tags of the example sentences), ``baseline``, ``errors``,
        ``data`` (provenance) and, for colab/full, ``atis``.
    """
    from course_pkg.colab import ensure_packages

    config = check_preset(NAME, PRESETS, preset)
    ensure_packages("seqeval", "sklearn", "babel")
    hardware = hardware or hardware_for(preset)
    folder = Path(run_dir) if run_dir is not None else None
    start = time.perf_counter()
    generated = run_generated(config, hardware, folder, progress)
    atis = run_atis(config, hardware, folder, progress) if config.get("atis") else None
    models = generated["models"]
    metrics: dict[str, Any] = {}
    for name, record in models.items():
        metrics[f"{name}_slot_f1"] = round(record["test"]["slot_f1"], 4)
        metrics[f"{name}_intent_accuracy"] = round(record["test"]["intent_accuracy"], 4)
        for kind in ("verb_before", "verb_after"):
            metrics[f"{name}_{kind}_role_accuracy"] = round(record[kind]["role_accuracy"], 4)
    metrics["baseline_slot_f1"] = round(generated["baseline"]["slot_f1"], 4)
    metrics["training_s"] = round(sum(r["wall_s"] for r in models.values()), 1)
    if atis is not None:
        for name, row in atis["summary"].items():
            metrics[f"atis_{name}_slot_f1"] = round(row["slot_f1_mean"], 4)
    first = next(iter(models.values()))
    document = application_document(
        NAME, preset, out, config, metrics, first["history"], hardware,
        time.perf_counter() - start, data=generated["data"], models=models,
        baseline=generated["baseline"], errors=generated["errors"],
        targeted_examples=generated["targeted_examples"],
        test_templates=generated["test_templates"], atis=atis)
    if out is not None:
        write_result(document, out)
    return document
