"""Sentiment classifiers: a many-to-one recurrent network, and the TF-IDF baseline it must beat.

The network reads a right-padded sequence of token ids and answers once, after the last word::

    ids (N, T) -> Embedding(V, E, mask_zero=True) -> (N, T, E) -> dropout
               -> BiLSTM (or LSTM / GRU / BiGRU) -> h_T (N, 2H) -> Dense(1, sigmoid) -> p (N, 1)

``mask_zero=True`` makes id 0 (padding) invisible to the recurrent layer: its state is carried
unchanged across padded steps, so h_T is the state after the snippet's last real word. A
bidirectional layer concatenates the forward state after the last word with the backward state
after the first word. The recurrent layers keep the cuDNN-eligible configuration of
:func:`course_pkg.models.recurrent_layer` and the output layer computes in float32, as mixed
precision needs.

The baseline, :func:`tfidf_logistic_regression`, is a scikit-learn pipeline: TF-IDF weighted
counts of words and word pairs, then logistic regression (liblinear, a second or two on the
snippets). It ignores word order beyond pairs.

Example:
    >>> model = sentiment_classifier(5000, embedding_dim=64, units=32)
    >>> model.output_shape, model.count_params()
    ((None, 1), 344897)
"""

from __future__ import annotations

from typing import Any, Callable

import keras

from .recurrent_layers import recurrent_layer

__all__ = ["EXAMPLE_MODELS", "KINDS", "sentiment_classifier", "tfidf_logistic_regression"]

#: The recurrent layers a classifier may use.
KINDS = ("lstm", "gru")


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"sentiment_classifier: argument {name} expected a positive integer, "
                         f"got {value!r}")


def sentiment_classifier(
    vocab_size: int,
    *,
    kind: str = "lstm",
    bidirectional: bool = True,
    embedding_dim: int = 64,
    units: int = 32,
    dropout: float = 0.0,
    maxlen: int | None = None,
) -> keras.Model:
    """Build (not compile) Embedding + masking + (Bi)LSTM/GRU + a sigmoid unit.

    Args:
        vocab_size: V, the number of token ids (0 = padding, 1 = unknown word).
        kind: the recurrent layer, "lstm" or "gru".
        bidirectional: read the snippet both ways and concatenate the two final states.
        embedding_dim: E, the size of a word vector.
        units: H, hidden units of each direction.
        dropout: rate of the dropout applied to the word vectors while training (0: none).
        maxlen: T, if the input length is fixed (None: any length, e.g. a prefix of a sentence).

    Returns:
        A ``keras.Sequential`` mapping (N, T) int ids to (N, 1) float32 probabilities of the
        positive class, with ``V E + rnn + (2 H or H) + 1`` parameters, where rnn is
        ``4 (E H + H^2 + H)`` per LSTM direction and ``3 (E H + H^2 + 2 H)`` per GRU direction.
    """
    _positive_int("vocab_size", vocab_size)
    _positive_int("embedding_dim", embedding_dim)
    _positive_int("units", units)
    if kind not in KINDS:
        raise ValueError(f"sentiment_classifier: argument kind expected one of {list(KINDS)}, "
                         f"got {kind!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"sentiment_classifier: argument dropout expected a rate in [0, 1), "
                         f"got {dropout!r}")
    rnn = recurrent_layer(kind, units, name=kind)
    if bidirectional:
        rnn = keras.layers.Bidirectional(rnn, name=f"bi_{kind}")
    layers = [keras.Input((maxlen,), dtype="int32", name="token_ids"),
              keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name="word_dropout"))
    layers += [rnn, keras.layers.Dense(1, activation="sigmoid", dtype="float32", name="p_positive")]
    name = f"{'bi' if bidirectional else ''}{kind}_classifier"
    return keras.Sequential(layers, name=name)


def tfidf_logistic_regression(tokenizer: Callable[[str], list[str]] | None = None,
                              ngram_range: tuple[int, int] = (1, 2), C: float = 10.0,
                              min_df: int = 1):
    """The baseline: TF-IDF of words and word pairs, then logistic regression (unfitted).

    Args:
        tokenizer: cuts a text into tokens (default: :func:`course_pkg.data.sentiment.tokenize`,
            the network's own tokens).
        ngram_range: n-grams used as features ((1, 2): words and pairs of adjacent words).
        C: inverse strength of the L2 penalty of the logistic regression.
        min_df: an n-gram must occur in this many training texts to be a feature.

    Returns:
        A ``sklearn.pipeline.Pipeline``; ``fit(texts, labels)``, then ``predict`` /
        ``predict_proba`` on lists of texts.
    """
    from course_pkg.colab import ensure_packages

    ensure_packages("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if tokenizer is None:
        from course_pkg.data.sentiment import tokenize as tokenizer
    vectorizer = TfidfVectorizer(tokenizer=tokenizer, lowercase=False, token_pattern=None,
                                 ngram_range=ngram_range, min_df=min_df, sublinear_tf=True)
    return make_pipeline(vectorizer, LogisticRegression(C=C, solver="liblinear"))


#: Every variant, at a small size (the shared model-structure test walks each layer of each).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "bilstm": lambda: sentiment_classifier(100, kind="lstm", embedding_dim=8, units=4),
    "bigru": lambda: sentiment_classifier(100, kind="gru", embedding_dim=8, units=4, dropout=0.5),
    "lstm": lambda: sentiment_classifier(100, kind="lstm", bidirectional=False, embedding_dim=8,
                                         units=4),
    "gru": lambda: sentiment_classifier(100, kind="gru", bidirectional=False, embedding_dim=8,
                                        units=4),
}
