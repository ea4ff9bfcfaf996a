"""Does dilation help a recurrent stack remember? A dilated GRU stack against the plain stack.

Both models are ``course_pkg.models.dilated.dilated_classifier``: the same layers and the same
parameters; the plain stack has every dilation 1. The task is marked-token recall
(``course_pkg.data.long_range``): the class is the value of the one marked token, which lies in
the first half of the sequence, so at least T/2 steps before the end where the model answers.
Guessing scores 1/K.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

__all__ = ["dilated_vs_plain"]


def dilated_vs_plain(dilations: Sequence[int] = (1, 16), *, T: int = 128, classes: int = 4,
                     seeds: Sequence[int] = (0,), units: int = 16, embed: int = 8,
                     n_train: int = 1000, n_test: int = 500, epochs: int = 8,
                     batch_size: int = 100, learning_rate: float = 1e-2) -> dict[str, Any]:
    """Train the dilated and the plain stack at each seed; record the test accuracy per epoch.

    Returns:
        ``{"config", "chance": 1/K, "params": {model: count}, "curves": {model: [curve per
        seed]}, "steps_per_epoch", "wall_s"}``.
    """
    import keras

    from course_pkg.data.long_range import marked_token_recall, vocabulary_size
    from course_pkg.models.dilated import dilated_classifier

    config = {"dilations": list(dilations), "T": T, "classes": classes, "seeds": list(seeds),
              "units": units, "embed": embed, "n_train": n_train, "n_test": n_test,
              "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate}
    train = marked_token_recall(n_train, T, classes, rng=[0, T])
    test = marked_token_recall(n_test, T, classes, rng=[1, T])
    models = {f"dilated {tuple(dilations)}": tuple(dilations),
              f"plain {tuple(1 for _ in dilations)}": tuple(1 for _ in dilations)}
    curves: dict[str, list] = {name: [] for name in models}
    params = {}
    start = time.perf_counter()
    for name, dil in models.items():
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            model = dilated_classifier(vocabulary_size(classes), classes, T, dilations=dil,
                                       units=units, embed=embed)
            model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            history = model.fit(train.x, train.y, batch_size=batch_size, epochs=epochs,
                                validation_data=(test.x, test.y), validation_batch_size=n_test,
                                verbose=0)
            curves[name].append([float(a) for a in history.history["val_accuracy"]])
            params[name] = int(model.count_params())
    return {"config": config, "chance": 1.0 / classes, "params": params, "curves": curves,
            "steps_per_epoch": -(-n_train // batch_size),
            "wall_s": round(time.perf_counter() - start, 1)}
