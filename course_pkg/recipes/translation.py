"""Translation with attention, many-to-many with different lengths: an encoder-decoder learns to
rewrite a date written in any of thirty real locale formats as ISO 8601.

- ``test`` and ``book``: dates generated with babel's CLDR formats (``course_pkg.data.dates``),
  test days never seen in training; a bidirectional-GRU encoder and a GRU decoder with
  Luong's "general" attention (``course_pkg.models.translation``), trained with teacher forcing
  by the shared loop (``course_pkg.recipes.training.fit``), decoded greedily and with beam
  search. Scored by exact match (scikit-learn's accuracy on whole strings) and chrF (sacrebleu),
  against a rule baseline, python-dateutil's parser.
- ``colab`` and ``full``: the manythings/Tatoeba English-Spanish pairs
  (``course_pkg.data.parallel_corpus``, a checksummed download), word level, scored with
  sacrebleu's BLEU and chrF against the copy-the-source baseline.

The result keeps what the book page discusses: accuracy per locale format, every test failure
(up to :data:`MAX_ERRORS`), greedy against beam search, and the attention weights of a few test
examples for the heat maps.

Run it with ``python -m course_pkg.recipes translation --preset book`` or
``run_recipe("translation", "book")``.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, compile_padded_sequence_model, fit

NAME = "translation"

_DATES = {"data": "dates", "attention": "general", "bidirectional": True, "cell": "gru",
          "beam_width": 4, "length_alpha": 1.0, "clipnorm": 1.0, "seed": 0}
_CORPUS = {"data": "spa-eng", "attention": "general", "bidirectional": True, "cell": "gru",
           "beam_width": 5, "length_alpha": 1.0, "clipnorm": 1.0, "seed": 0, "max_words": 15,
           "vocab_size": 12_000, "dropout": 0.0}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI
    "test": {**_DATES, "n_train": 512, "n_val": 64, "n_test": 64, "units": 8, "embed_dim": 8,
             "epochs": 1, "batch_size": 64, "learning_rate": 5e-3},
    # live on the page: about 30 s of training on two CPU cores
    "book": {**_DATES, "n_train": 26_000, "n_val": 500, "n_test": 2_000, "units": 32,
             "embed_dim": 32, "epochs": 3, "batch_size": 256, "learning_rate": 5e-3},
    # one T4 in about 15 minutes: 80,000 pairs of at most 15 words
    "colab": {**_CORPUS, "max_pairs": 80_000, "units": 256, "embed_dim": 256, "epochs": 12,
              "batch_size": 128, "learning_rate": 2e-3},
    # A100 / H100: every pair, wider layers
    "full": {**_CORPUS, "max_pairs": None, "units": 512, "embed_dim": 512, "epochs": 20,
             "batch_size": 512, "learning_rate": 2e-3, "vocab_size": 20_000},
}

#: Test failures the result keeps.
MAX_ERRORS = 40
#: Test examples whose attention weights the result keeps.
ATTENTION_EXAMPLES = 6
#: The formats whose first test example the attention maps show first: month first with a
#: weekday, a month name in French, and day-month-year in digits with a two-digit year.
SHOWN_STYLES = ("en_US/full", "fr_FR/long", "de_DE/short", "pt_BR/medium", "es_ES/full",
                "it_IT/medium")


def load_task(config: dict):
    """The data of a preset: ``DatesData`` or ``ParallelCorpus``."""
    if config["data"] == "dates":
        from course_pkg.data.dates import load_dates

        return load_dates(config["n_train"], config["n_val"], config["n_test"], config["seed"])
    if config["data"] == "numbers":
        from course_pkg.data.dates import load_numbers

        return load_numbers(config["n_train"], config["n_val"], config["n_test"], config["seed"])
    from course_pkg.data.parallel_corpus import load_parallel_corpus

    return load_parallel_corpus(max_pairs=config["max_pairs"], max_words=config["max_words"],
                                vocab_size=config["vocab_size"], seed=config["seed"])


def build_model(config: dict, source_vocab: int, target_vocab: int, hardware: Hardware,
                steps: int, attention: str | None = "config",
                bidirectional: bool | None = None) -> Callable[[], Any]:
    """``build()`` for ``fit``: the model of ``config``, compiled with Adam, a cosine-decaying
    learning rate over ``steps`` steps, gradient clipping and a loss that ignores padding."""
    attention = config["attention"] if attention == "config" else attention
    bidirectional = config["bidirectional"] if bidirectional is None else bidirectional

    def build():
        from course_pkg.models.translation import translation_model

        model = translation_model(source_vocab, target_vocab, units=config["units"],
                                  embed_dim=config["embed_dim"], attention=attention,
                                  bidirectional=bidirectional, cell=config["cell"])
        return compile_padded_sequence_model(model, config["learning_rate"], steps, config["clipnorm"],
                                             hardware, final_fraction=0.02)

    return build


def text_metrics(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Exact match (scikit-learn's accuracy on whole strings), BLEU and chrF (sacrebleu)."""
    from course_pkg.colab import ensure_packages

    ensure_packages("sacrebleu", "sklearn")
    import sacrebleu
    from sklearn.metrics import accuracy_score

    return {"exact": float(accuracy_score(list(references), list(predictions))),
            "bleu": float(sacrebleu.corpus_bleu(list(predictions), [list(references)]).score),
            "chrf": float(sacrebleu.corpus_chrf(list(predictions), [list(references)]).score)}


def decode(translator, source: np.ndarray, vocab, max_len: int, *, beam_width: int = 1,
           alpha: float = 1.0, sep: str = "", return_weights: bool = False):
    """Greedy (``beam_width`` 1) or beam-search translations of ``source`` ids as strings."""
    from course_pkg.models.translation import beam_decode, greedy_decode

    if beam_width == 1:
        ids, weights = greedy_decode(translator, source, max_len, return_weights=True)
    else:
        ids, weights = beam_decode(translator, source, max_len, k=beam_width, alpha=alpha), None
    texts = [vocab.decode(row, sep) for row in ids]
    return (texts, ids, weights) if return_weights else texts


def dateutil_baseline(sources: Sequence[str]) -> list[str]:
    """A rule baseline: python-dateutil's parser (US month-first order; English month names),
    its answer in ISO 8601, or "" where it raises."""
    from dateutil import parser

    out = []
    for text in sources:
        try:
            out.append(parser.parse(text).date().isoformat())
        except (ValueError, OverflowError, parser.ParserError):
            out.append("")
    return out


def _per_style(styles: Sequence[str], correct: np.ndarray) -> dict[str, float]:
    table: dict[str, list[bool]] = {}
    for style, ok in zip(styles, correct):
        table.setdefault(style, []).append(bool(ok))
    return {k: float(np.mean(v)) for k, v in sorted(table.items())}


def _attention_examples(part, translator, src_ids, vocab_in, vocab_out, max_len, sep_in,
                        sep_out, n: int) -> list[dict]:
    """Attention weights of ``n`` test examples: the first of each of :data:`SHOWN_STYLES`, in
    that order, then the first of each other locale."""
    picked, seen = [], set()
    for wanted in SHOWN_STYLES:
        i = next((i for i, style in enumerate(part.styles) if style == wanted), None)
        if i is not None and len(picked) < n:
            picked.append(i)
            seen.add(wanted.split("/")[0])
    for i, style in enumerate(part.styles):
        if len(picked) >= n:
            break
        if style.split("/")[0] not in seen:
            seen.add(style.split("/")[0])
            picked.append(i)
    texts, ids, weights = decode(translator, src_ids[picked], vocab_out, max_len,
                                 sep=sep_out, return_weights=True)
    examples = []
    for j, i in enumerate(picked):
        n_src = int(np.count_nonzero(src_ids[i]))
        n_out = int(np.count_nonzero(ids[j]))  # the emitted tokens, </s> included
        source_tokens = [vocab_in.tokens()[t] for t in src_ids[i][:n_src]]
        output_tokens = [vocab_out.tokens()[t] for t in ids[j][:n_out]]
        examples.append({"source": part.sources[i], "style": part.styles[i],
                         "target": part.targets[i], "prediction": texts[j],
                         "source_tokens": source_tokens, "output_tokens": output_tokens,
                         "weights": np.round(weights[j, :n_out, :n_src], 4).tolist()})
    return examples


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train the attention encoder-decoder, decode the test set greedily and with beam search,
    score it and its baseline; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``translation_<preset>.json`` (None: not written).
        progress: called after every epoch (``course_pkg.recipes.training.format_epoch``).
        run_dir: checkpoint folder; a run started again with it resumes.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``. ``metrics``: ``test_exact`` (greedy),
        ``test_chrf``, ``test_bleu``, ``beam_exact``, ``beam_chrf``, ``beam_bleu``,
        ``baseline_exact``, ``baseline_chrf``, ``baseline_bleu``, ``train_seconds`` (wall),
        ``train_cpu_seconds`` (CPU time of this process: all cores together), ``params``.
        Besides: ``data`` (provenance, sizes), ``per_style`` (greedy exact match per locale
        format, dates only), ``errors`` (test failures), ``attention_examples``.
    """
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    data = load_task(config)
    dates = config["data"] == "dates"
    x, y = data.arrays("train")
    x_val, y_val = data.arrays("val")
    x_test, _ = data.arrays("test")
    steps = config["epochs"] * int(np.ceil(len(y) / config["batch_size"]))
    cpu_start = time.process_time()
    result = fit(build_model(config, data.source_vocab.size, data.target_vocab.size, hardware,
                             steps),
                 x, y, validation_data=(x_val, y_val), epochs=config["epochs"],
                 batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                 run_dir=run_dir, progress=progress, fingerprint=config)
    train_cpu = time.process_time() - cpu_start

    from course_pkg.models.translation import inference_models

    translator = inference_models(result.model)
    max_len = y.shape[1] + (0 if dates else 5)
    sep = "" if dates else " "
    refs = data.test.targets
    eval_start = time.perf_counter()
    greedy = decode(translator, x_test["source"], data.target_vocab, max_len, sep=sep)
    beam = decode(translator, x_test["source"], data.target_vocab, max_len,
                  beam_width=config["beam_width"], alpha=config["length_alpha"], sep=sep)
    eval_seconds = time.perf_counter() - eval_start
    if dates:
        base = dateutil_baseline(data.test.sources)
        baseline_name = "python-dateutil parser"
    else:
        base = list(data.test.sources)
        baseline_name = "copy the source sentence"
    g, b, r = text_metrics(greedy, refs), text_metrics(beam, refs), text_metrics(base, refs)
    correct = np.array([p == t for p, t in zip(greedy, refs)])
    errors = [{"source": data.test.sources[i], "style": data.test.styles[i],
               "target": refs[i], "greedy": greedy[i], "beam": beam[i]}
              for i in np.flatnonzero(~correct)[:MAX_ERRORS]]
    metrics = {"test_exact": g["exact"], "test_chrf": g["chrf"], "test_bleu": g["bleu"],
               "beam_exact": b["exact"], "beam_chrf": b["chrf"], "beam_bleu": b["bleu"],
               "baseline_exact": r["exact"], "baseline_chrf": r["chrf"],
               "baseline_bleu": r["bleu"], "test_errors": int((~correct).sum()),
               "test_examples": len(refs), "train_seconds": round(result.wall_s, 1),
               "train_cpu_seconds": round(train_cpu, 1),
               "decode_seconds": round(eval_seconds, 1),
               "params": int(result.model.count_params())}
    extra: dict[str, Any] = {
        "baseline": baseline_name,
        "data": {"provenance": data.provenance,
                 "sizes": {"train": len(data.train), "val": len(data.val),
                           "test": len(data.test)},
                 "source_vocab": data.source_vocab.size, "target_vocab": data.target_vocab.size,
                 "source_length": int(x["source"].shape[1]), "target_length": int(y.shape[1])},
        "per_style": _per_style(data.test.styles, correct) if dates else {},
        "baseline_per_style": (_per_style(data.test.styles,
                                          np.array([p == t for p, t in zip(base, refs)]))
                               if dates else {}),
        "errors": errors,
        "attention_examples": _attention_examples(
            data.test, translator, x_test["source"], data.source_vocab, data.target_vocab,
            max_len, "" if dates else " ", sep, ATTENTION_EXAMPLES) if config["attention"] else [],
    }
    document = application_document(NAME, preset, out, config, metrics, result.history, hardware,
                                    time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document
