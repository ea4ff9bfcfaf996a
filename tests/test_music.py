"""Music chapter: ABC tunes are reduced to meter, unit length, key and spaceless notes; the Essen
collections are read from the checked files of the music21 wheel and split by song (variants of a
song never straddle two sets); the Nottingham loader reads a small local zip through a file:// URL
and refuses a file whose SHA-256 differs; stream batches continue every stream from one batch to
the next; the stateful LSTM fed chunk after chunk gives the logits of the stateless one on the
whole text (what truncated BPTT relies on); sampling is reproducible and ends tunes; the metrics
are scikit-learn's log-loss; music21 reads real tunes and the piano roll counts unreadable ones.
The recipe's test preset on TensorFlow and JAX is in the shared recipe tests."""

import dataclasses
import hashlib
import zipfile

import numpy as np
import pytest

from course_pkg.data import music as music_data
from course_pkg.data.music import (
    DEFAULT_COLLECTIONS,
    ESSEN_COLLECTIONS,
    NOTTINGHAM,
    TUNE_SEPARATOR,
    bar_durations,
    essen_source,
    full_bars,
    load_folk_tunes,
    nottingham_tunes,
    parse_abc_tunes,
    split_tunes,
    stream_batches,
    tune_statistics,
)
from course_pkg.data.sources import DataChecksumError

ABC_FILE = """% a comment line
X:1
T:First song
N:a note that is dropped
O:Europa
M: 2/4
L: 1/8
K: F
 | A2GG | F2z % comment after notes
C | AAGG | F2z2

X:2
T:Free meter
M: none
L: 1/8
K: G
GABc|d4

X:3
T:first SONG!
M:C
L:1/4
K:Bb
W:words are dropped
B2 A2|G4
"""


@pytest.fixture(scope="module")
def data():
    return load_folk_tunes()


def test_parse_abc_keeps_meter_unit_key_and_spaceless_notes():
    tunes = parse_abc_tunes(ABC_FILE, "demo")
    assert [t.number for t in tunes] == [1, 3]          # free meter is skipped
    first = tunes[0]
    assert first.abc == "M:2/4\nL:1/8\nK:F\n|A2GG|F2z\nC|AAGG|F2z2"
    assert first.title == "First song" and first.collection == "demo"
    assert tunes[1].meter == "4/4" and tunes[1].body == "B2A2|G4"   # C is common time
    assert tunes[1].full_abc.startswith("X:3\nT:first SONG!\nM:4/4\n")


def test_essen_sources_record_provenance_and_check_the_file():
    source = essen_source("erk10")
    path = source.locate()
    assert path.name == "erk10.abc"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ESSEN_COLLECTIONS["erk10"]
    record = source.provenance()
    assert record["distribution"] == "music21" and record["version"] == "10.5.1"
    assert record["path"] == "corpus/essenFolksong/erk10.abc"
    assert "BSD-3-Clause" in record["licence"]
    wrong = dataclasses.replace(source, sha256="0" * 64)
    with pytest.raises(DataChecksumError):
        wrong.locate()
    with pytest.raises(ValueError, match="collection"):
        essen_source("bach")


def test_erk_collection_split_by_song(data):
    sizes = data.summary()
    assert sizes["train_tunes"] + sizes["validation_tunes"] + sizes["test_tunes"] == 1781
    assert 0.75 < sizes["train_tunes"] / 1781 < 0.85
    titles = [{t.title.lower() for t in data.split(name)}
              for name in ("train", "validation", "test")]
    assert not titles[0] & titles[1] and not titles[0] & titles[2] and not titles[1] & titles[2]
    assert [p["path"] for p in data.provenance] == [
        f"corpus/essenFolksong/{c}.abc" for c in DEFAULT_COLLECTIONS]
    text = data.text("test")
    assert text.endswith(TUNE_SEPARATOR) and text.count(TUNE_SEPARATOR) == len(data.test)
    assert data.vocab.decode(data.ids("test")) == text


def test_split_is_reproducible_and_checks_fractions():
    tunes = parse_abc_tunes(ABC_FILE) * 5
    assert split_tunes(tunes, seed=3) == split_tunes(tunes, seed=3)
    with pytest.raises(ValueError, match="fractions"):
        split_tunes(tunes, (0.5, 0.5, 0.5))


def test_stream_batches_continue_each_stream():
    ids = np.arange(1000)
    x, y = stream_batches(ids, batch_size=4, seq_len=10)
    chunks = 999 // 40
    assert x.shape == y.shape == (chunks * 4, 10) and x.dtype == np.int32
    np.testing.assert_array_equal(y, x + 1)                     # targets are the next character
    for c in range(chunks - 1):
        # batch c + 1 starts every stream where batch c stopped
        np.testing.assert_array_equal(x[(c + 1) * 4:(c + 2) * 4, 0], y[c * 4:(c + 1) * 4, -1])
    with pytest.raises(ValueError, match="too few"):
        stream_batches(np.arange(20), batch_size=4, seq_len=10)
    with pytest.raises(ValueError, match="seq_len"):
        stream_batches(ids, batch_size=4, seq_len=0)


def _zip_with(tmp_path, text: str):
    path = tmp_path / "nottingham_database.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("nottingham_database/jigs.abc", text)
        archive.writestr("nottingham_database/README.txt", "not a tune")
    return path


def test_nottingham_loader_reads_a_local_zip(tmp_path, monkeypatch):
    path = _zip_with(tmp_path, ABC_FILE)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(music_data, "NOTTINGHAM", dataclasses.replace(NOTTINGHAM, sha256=digest))
    tunes = nottingham_tunes(tmp_path / "cache", url=path.as_uri())
    assert [t.collection for t in tunes] == ["nottingham/jigs", "nottingham/jigs"]
    assert (tmp_path / "cache" / "nottingham_database.zip").is_file()


def test_nottingham_loader_refuses_another_file(tmp_path):
    path = _zip_with(tmp_path, ABC_FILE)
    with pytest.raises(DataChecksumError):
        nottingham_tunes(tmp_path / "cache", url=path.as_uri())
    assert not list((tmp_path / "cache").iterdir())
    assert NOTTINGHAM.size == 142934 and NOTTINGHAM.url.endswith("nottingham_database.zip")


@pytest.mark.keras
def test_char_lstm_shapes_and_parameter_count():
    from course_pkg.models.music import char_lstm

    model = char_lstm(vocab_size=35, units=64, embedding_dim=16)
    K, E, H = 35, 16, 64
    assert model.count_params() == K * E + 4 * (E * H + H * H + H) + H * K + K == 23571
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"
    logits = model(np.zeros((2, 7), dtype=np.int32))
    assert tuple(logits.shape) == (2, 7, 35)
    with pytest.raises(ValueError, match="batch_size"):
        char_lstm(35, stateful=True)


@pytest.mark.keras
def test_stateful_chunks_equal_the_whole_sequence(rng):
    """Truncated BPTT carries the state: chunk after chunk through the stateful twin gives the
    logits of the stateless model reading the whole sequence at once."""
    from course_pkg.models.music import char_lstm, stateful_twin

    model = char_lstm(vocab_size=12, units=8, embedding_dim=4, layers=2)
    ids = rng.integers(0, 12, size=(3, 20)).astype(np.int32)
    whole = np.asarray(model(ids))
    twin = stateful_twin(model, batch_size=3)
    chunks = [np.asarray(twin(ids[:, i:i + 5])) for i in range(0, 20, 5)]
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), whole, atol=1e-5)
    for layer in twin.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()
    np.testing.assert_allclose(np.asarray(twin(ids[:, :5])), whole[:, :5], atol=1e-5)


@pytest.mark.keras
def test_sampling_is_reproducible_and_ends_tunes(data):
    from course_pkg.models.music import char_lstm, sample_tunes

    model = char_lstm(data.vocab.size, units=8, embedding_dim=4)
    first = sample_tunes(model, data.vocab, (0.5, 1.0), max_chars=40, seed=1)
    again = sample_tunes(model, data.vocab, (0.5, 1.0), max_chars=40, seed=1)
    assert first == again
    assert [s["temperature"] for s in first] == [0.5, 1.0]
    for sample in first:
        assert sample["abc"].startswith("M:") and TUNE_SEPARATOR not in sample["abc"]
        assert len(sample["abc"]) <= 2 + 40


@pytest.mark.keras
def test_next_char_probabilities_and_metrics(data):
    from course_pkg.models.music import char_lstm, next_char_probabilities
    from course_pkg.recipes.music import nats_per_char, unigram_probabilities

    model = char_lstm(data.vocab.size, units=8, embedding_dim=4)
    texts = [t.abc + TUNE_SEPARATOR for t in data.test[:5]]
    targets, probs = next_char_probabilities(model, data.vocab, texts, batch_size=2)
    assert len(targets) == sum(map(len, texts)) and probs.shape == (len(targets), data.vocab.size)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    # the first text alone, read directly, gives the same distributions
    first = data.vocab.encode(TUNE_SEPARATOR + texts[0])[:-1][None].astype(np.int32)
    logits = np.asarray(model(first), dtype=np.float64)[0, 1:]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs[: len(texts[0])], p / p.sum(axis=1, keepdims=True), atol=1e-5)
    nats = nats_per_char(targets, probs)
    assert nats == pytest.approx(-np.mean(np.log(probs[np.arange(len(targets)), targets])))
    unigram = unigram_probabilities(data.ids("train"), data.vocab.size)
    assert unigram.sum() == pytest.approx(1.0) and unigram.min() > 0
    assert nats_per_char(targets, unigram) == pytest.approx(-np.mean(np.log(unigram[targets])))


def test_bar_lengths_are_read_from_the_text():
    # 2/4 in eighths: a pickup, full bars (one spanning a line break), a short last bar
    durations, meter = bar_durations("M:2/4\nL:1/8\nK:F\n|A2GG|F2z\nC|AAGG|F2z2|A")
    assert meter == 0.5 and durations == [0.5, 0.5, 0.5, 0.5, 0.125]
    # a line that ends a full bar closes it; lengths with slashes; a bar the reader cannot count
    # (grace notes); a triplet, a chord symbol and a repeat ending
    durations, _ = bar_durations('M:3/4\nL:1/8\nK:G\nA3/2B/c2d2\ne6|f{g}e|"D7"(3ABcB2C2|1A6:|')
    assert durations == [0.75, 0.75, None, 0.75, 0.75]
    assert full_bars("M:3/4\nL:1/8\nK:G\nG2|A2B2c2|d4|e6|f2") == (2, 3)
    assert full_bars("M:6\nK:b\nG2|A2|B2|c2") == (0, 0)


def test_music21_reads_real_tunes_and_rejects_noise(data):
    stats = tune_statistics(data.test[0].abc)
    assert stats["parsed"] and stats["notes"] > 10 and stats["bar_fraction"] == 1.0
    assert not tune_statistics("M:1/\n/16d,2|C4")["parsed"]


def test_piano_roll_counts_the_tunes_it_could_read(data):
    from course_pkg.plots.music import plot_piano_rolls

    fig = plot_piano_rolls([{"abc": data.test[0].abc, "label": "real"},
                            {"abc": "M:1/\n/16d,2|C4", "temperature": 1.3}])
    assert fig._suptitle.get_text() == "1 of 2 tunes parsed by music21"
    axes = fig.get_axes()
    assert axes[0].get_title() == "real" and axes[1].get_title() == "temperature 1.3"
    assert len(axes[0].patches) > 10 and not axes[1].patches
