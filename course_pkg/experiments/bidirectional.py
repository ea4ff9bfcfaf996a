"""The case for bidirectional RNNs, measured: tag "teddy" in "Teddy Roosevelt" and "teddy bears".

A unidirectional and a bidirectional GRU tagger (``course_pkg.models.slot_filling.slot_tagger``,
no intent head) learn the tags of ``course_pkg.data.teddy`` sentences; each is then scored on
every word of held-out sentences and on the word "teddy" alone, whose tag only the next word
decides.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

__all__ = ["teddy_taggers"]


def teddy_taggers(kinds: Sequence[str] = ("unidirectional", "bidirectional"), *,
                  n_train: int = 1000, n_test: int = 500, units: int = 16,
                  embedding_dim: int = 16, epochs: int = 4, batch_size: int = 50,
                  learning_rate: float = 1e-2, seed: int = 0) -> dict[str, Any]:
    """Train one tagger per kind; return each one's accuracy on all words and on "teddy".

    Returns:
        ``{"config", "results": {kind: {"word_accuracy", "teddy_accuracy",
        "teddy_person_prob"}}, "wall_s"}``; ``teddy_person_prob`` is the mean probability of
        ``PER`` the tagger gives "teddy" when the next word is a surname and when it is not.
    """
    import keras

    from course_pkg.data.teddy import TAGS, teddy_sentences, teddy_vocab
    from course_pkg.models.slot_filling import slot_tagger

    config = {"n_train": n_train, "n_test": n_test, "units": units, "embedding_dim": embedding_dim,
              "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
              "seed": seed, "cell": "gru"}
    train = teddy_sentences(n_train, rng=[seed, 0])
    test = teddy_sentences(n_test, rng=[seed, 1], length=train.x.shape[1])
    vocab_size = teddy_vocab().size
    rows = np.arange(n_test)
    start = time.perf_counter()
    results = {}
    for kind in kinds:
        keras.utils.set_random_seed(seed)
        model = slot_tagger(vocab_size, len(TAGS), kind=kind, units=units,
                            embedding_dim=embedding_dim, max_len=train.x.shape[1])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss="sparse_categorical_crossentropy")
        model.fit(train.x, train.tags, batch_size=batch_size, epochs=epochs, verbose=0)
        probs = np.asarray(model.predict(test.x, batch_size=n_test, verbose=0))
        predicted = probs.argmax(axis=-1)
        words = test.tags > 0
        teddy_prob = probs[rows, test.teddy_position, TAGS.index("PER")]
        results[kind] = {
            "word_accuracy": float((predicted == test.tags)[words].mean()),
            "teddy_accuracy": float((predicted[rows, test.teddy_position]
                                     == test.tags[rows, test.teddy_position]).mean()),
            "teddy_person_prob": {"before a surname": float(teddy_prob[test.is_person].mean()),
                                  "before bear(s)": float(teddy_prob[~test.is_person].mean())},
        }
    return {"config": config, "results": results, "wall_s": round(time.perf_counter() - start, 1)}
