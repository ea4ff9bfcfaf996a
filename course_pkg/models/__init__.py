"""course_pkg.models: application models built from Keras layers (and our cells).

- ``recurrent_layers``: ``recurrent_layer(kind, units)``, Keras's SimpleRNN / GRU / LSTM in their
  cuDNN-eligible configuration and Greff et al.'s LSTM variants (``LSTM_ABLATIONS``).
- ``many_to_one``: ``sequence_regressor(kind, T, D, units)``, recurrent layer + Dense(1),
  the many-to-one model of the adding problem.
- One module per application chapter, each listing its models in ``EXAMPLE_MODELS``:
  ``sentiment`` (masked (Bi)LSTM/GRU classifier, the TF-IDF + logistic-regression baseline),
  ``slot_filling`` (feed-forward, unidirectional and bidirectional taggers), ``translation``
  (encoder-decoder with dot / general / additive attention, greedy and beam search), ``music``
  (character LSTM, stateful sampling), ``time_series`` (LSTM/GRU forecasters and the persistence,
  seasonal-naive and linear baselines, MAE/MASE), ``speech`` (a (Bi)GRU recogniser trained with
  CTC, greedy and beam decoding) with ``ctc`` (every alignment of a label, enumerated),
  ``captioning`` (CNN encoder + LSTM decoder: image at the start, at every step, or attended),
  ``video`` (per-frame CNN, frame averaging, LRCN, frame tagger, sensor GRU), ``dilated`` and
  ``skip_rnn`` (dilated recurrent stacks and the Skip GRU of the lectures' claims), ``after_rnns`` (minGRU with a parallel scan, a Transformer
  encoder and an LSTM classifier).

Importing this package does not import Keras; the builders load it on first use.
"""

from course_pkg._lazy import lazy_exports

_LAZY = {
    "KERAS_KINDS": ".recurrent_layers",
    "LSTM_ABLATIONS": ".recurrent_layers",
    "recurrent_layer": ".recurrent_layers",
    "sequence_regressor": ".many_to_one",
    "sentiment_classifier": ".sentiment",
    "tfidf_logistic_regression": ".sentiment",
    "slot_tagger": ".slot_filling",
    "Attention": ".translation",
    "translation_model": ".translation",
    "inference_models": ".translation",
    "greedy_decode": ".translation",
    "beam_search": ".translation",
    "char_lstm": ".music",
    "sample_tunes": ".music",
    "MinGRU": ".after_rnns",
    "parallel_linear_scan": ".after_rnns",
    "sequential_linear_scan": ".after_rnns",
    "forecaster": ".time_series",
    "persistence_forecast": ".time_series",
    "seasonal_naive_forecast": ".time_series",
    "linear_forecaster": ".time_series",
    "ctc_recognizer": ".speech",
    "ctc_decode_strings": ".speech",
    "ctc_alignments": ".ctc",
    "brute_force_ctc_loss": ".ctc",
    "captioning_model": ".captioning",
    "captioner": ".captioning",
    "lrcn": ".video",
    "frame_tagger": ".video",
    "per_frame_cnn": ".video",
    "frame_averaging": ".video",
    "dilated_classifier": ".dilated",
    "SkipGRUCell": ".skip_rnn",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

__all__ = sorted(_LAZY)
