"""Slot filling: the generated corpus (real cities from the checked airports file, real locale date
formats, BIO tags, test templates unseen in training, targeted minimal pairs built so that only the
verb decides), the ATIS loader on a small local file, the taggers' structure (a feed-forward tagger
sees one word, a unidirectional one only the past, a bidirectional one both sides) and the recipe's
scoring helpers."""

import datetime as dt
import hashlib
import re

import numpy as np
import pytest

from course_pkg.data import slot_filling as sf
from course_pkg.data.sources import DataChecksumError, RemoteSource
from course_pkg.recipes import slot_filling as recipe


@pytest.fixture(scope="module")
def corpus():
    return sf.make_corpus(n_train=600, n_test=200, n_targeted=40, seed=3)


def test_cities_come_from_the_checked_airports_file():
    cities = sf.airport_cities()
    assert len(cities) == 150
    assert {"boston", "new york", "salt lake city", "san francisco", "atlanta"} <= set(cities)
    assert all(re.fullmatch(r"[a-z ]+", c) for c in cities)
    assert not set(cities) & set(sf.HELD_OUT_CITIES)
    assert sf.AIRPORTS.provenance()["sha256"] == sf.AIRPORTS.sha256


def test_dates_are_written_in_real_locale_formats():
    day = dt.date(2026, 6, 5)
    assert sf.format_date(day, "en_US", "long") == "June 5, 2026"
    assert sf.format_date(day, "en_GB", "long") == "5 June 2026"
    assert sf.format_date(day, "en_US", "pat:EEEE") == "Friday"
    assert sf.tokenize("June 5, 2026") == ["june", "5", ",", "2026"]


def test_the_same_seed_gives_the_same_corpus(corpus):
    again = sf.make_corpus(n_train=600, n_test=200, n_targeted=40, seed=3)
    assert again.train == corpus.train and again.test == corpus.test
    assert again.targeted == corpus.targeted
    other = sf.make_corpus(n_train=600, n_test=200, n_targeted=40, seed=4)
    assert other.train != corpus.train


def test_tags_are_bio_over_the_known_slots_and_intents(corpus):
    for u in [*corpus.train, *corpus.test, *corpus.targeted["verb_before"]]:
        assert len(u.tokens) == len(u.tags) and u.intent in sf.INTENTS
        for i, tag in enumerate(u.tags):
            assert tag == "O" or tag[2:] in sf.SLOTS
            if tag.startswith("I-"):
                assert u.tags[i - 1][2:] == tag[2:], (u.tokens, u.tags)
    assert {s for u in corpus.train for s, _, _ in sf.spans(u.tags)} == set(sf.SLOTS)


def test_the_test_set_uses_templates_never_seen_in_training_but_known_words(corpus):
    train_templates = {u.template for u in corpus.train}
    test_templates = {u.template for u in corpus.test}
    assert all(t.startswith("test:") for t in test_templates)
    assert not train_templates & test_templates
    words = sf.word_vocabulary(corpus.train)
    frame_words = {t for u in corpus.test for t, g in zip(u.tokens, u.tags) if g == "O"}
    assert frame_words <= set(words.tokens), frame_words - set(words.tokens)


def _role_words(u):
    return [i for i, t in enumerate(u.tags) if t.endswith("_city")]


@pytest.mark.parametrize("kind", ["verb_before", "verb_after"])
def test_targeted_pairs_differ_only_in_the_verb_and_use_unseen_cities(corpus, kind):
    pairs = corpus.targeted[kind]
    assert len(pairs) == 40
    train_words = {t for u in corpus.train for t in u.tokens}
    for to, frm in zip(pairs[::2], pairs[1::2]):
        (slot_to, a, b), = [s for s in sf.spans(to.tags) if s[0].endswith("_city")]
        (slot_from, c, d), = [s for s in sf.spans(frm.tags) if s[0].endswith("_city")]
        assert (slot_to, slot_from) == ("to_city", "from_city")
        assert to.tokens[a:b] == frm.tokens[c:d] and to.tokens[a] in sf.HELD_OUT_CITIES
        assert to.tokens[a] not in train_words
        # the date takes the same role as the city
        assert {s for s, _, _ in sf.spans(to.tags)} == {"to_city", "arrive_date"}
        assert {s for s, _, _ in sf.spans(frm.tags)} == {"from_city", "depart_date"}
        if kind == "verb_after":
            # everything up to the end of the date is the same: only the words after decide
            end = max(e for _, _, e in sf.spans(to.tags))
            assert to.tokens[:end] == frm.tokens[:end] and to.tokens[end:] != frm.tokens[end:]
        else:
            assert to.tokens[:a] != frm.tokens[:c] and to.tokens[b:] == frm.tokens[d:]


def test_training_has_both_roles_for_every_targeted_frame(corpus):
    roles = {}
    for u in corpus.train:
        if u.template.startswith(("verb_before", "verb_after")):
            roles.setdefault(u.template, set()).add(u.tags[_role_words(u)[0]])
    assert len(roles) == len(sf._VERB_BEFORE_FRAMES) + len(sf._VERB_AFTER_FRAMES)
    assert all(r == {"B-to_city", "B-from_city"} for r in roles.values())


def test_encode_pads_with_zero_and_drops_only_city_words(corpus):
    words, tags = sf.word_vocabulary(corpus.train), sf.tag_vocabulary(corpus.train)
    assert words.tokens[:2] == (sf.PAD, sf.UNK) and tags.tokens[0] == "O"
    x, y, intent = sf.encode(corpus.train[:50], words, tags, sf.INTENTS, 30)
    assert x.shape == y.shape == (50, 30) and intent.shape == (50,)
    n = len(corpus.train[0].tokens)
    assert (x[0, n:] == 0).all() and (x[0, :n] > 1).all()
    xd, _, _ = sf.encode(corpus.train[:200], words, tags, sf.INTENTS, 30, unk_rate=0.5)
    x2, y2, _ = sf.encode(corpus.train[:200], words, tags, sf.INTENTS, 30)
    dropped = (xd == 1) & (x2 != 1)
    assert dropped.any()
    city_ids = {tags.id(t) for t in tags.tokens if t.endswith("_city")}
    assert set(np.unique(y2[dropped])) <= city_ids


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="argument n_train expected a positive integer, got 0"):
        sf.make_corpus(n_train=0)
    with pytest.raises(ValueError, match="must not include the held-out cities"):
        sf.make_corpus(n_train=4, n_test=2, n_targeted=2, cities=["boston", "oulu"])


# ATIS ------------------------------------------------------------------------------------------
ATIS_LINES = (
    "BOS show me flights from boston to denver EOS\tO O O O O B-fromloc.city_name O "
    "B-toloc.city_name atis_flight\n"
    "BOS what is the fare to salt lake city EOS\tO O O O O O B-toloc.city_name I-toloc.city_name "
    "I-toloc.city_name atis_airfare\n"
)


def test_atis_sources_are_pinned_to_a_commit_with_checksums():
    for source in sf.ATIS_SOURCES.values():
        assert re.search(r"/JointSLU/[0-9a-f]{40}/data/atis\.(train|test)\.w-intent\.iob$",
                         source.url)
        assert re.fullmatch(r"[0-9a-f]{64}", source.sha256) and source.size > 100_000


def test_atis_is_parsed_and_loaded_through_the_checked_cache(tmp_path):
    local = tmp_path / "atis.iob"
    local.write_text(ATIS_LINES, encoding="utf-8")
    digest = hashlib.sha256(local.read_bytes()).hexdigest()
    source = RemoteSource(name="atis_fixture", url="https://example.invalid/atis.iob",
                          sha256=digest, filename="atis.iob", licence="test")
    utts = sf.load_atis("train", cache=tmp_path / "cache", url=local.as_uri(), source=source)
    assert [u.intent for u in utts] == ["atis_flight", "atis_airfare"]
    assert utts[1].tokens[-3:] == ("salt", "lake", "city")
    assert sf.spans(utts[1].tags) == [("toloc.city_name", 5, 8)]
    assert (tmp_path / "cache" / "atis.iob").is_file()
    wrong = RemoteSource(**{**source.__dict__, "sha256": "0" * 64, "filename": "other.iob"})
    with pytest.raises(DataChecksumError):
        sf.load_atis("train", cache=tmp_path / "cache", url=local.as_uri(), source=wrong)
    with pytest.raises(ValueError, match="line 1 is not 'BOS"):
        sf.parse_atis(["show me\tO O atis_flight"])


# Models ----------------------------------------------------------------------------------------
@pytest.mark.keras
def test_every_example_model_builds_with_float32_softmax_outputs():
    from course_pkg.models.slot_filling import EXAMPLE_MODELS

    assert len(EXAMPLE_MODELS) == 10
    for name, build in EXAMPLE_MODELS.items():
        model = build()
        tags, intent = model.outputs
        assert tags.shape[-1] == 13 and intent.shape[-1] == 3, name
        assert model.get_layer("tags").dtype_policy.compute_dtype == "float32"
        assert model.get_layer("tags").dtype == "float32"


@pytest.mark.keras
def test_one_hot_input_is_a_frozen_identity_lookup():
    from course_pkg.models.slot_filling import slot_tagger

    model = slot_tagger(12, 5, None, kind="unidirectional", inputs="one_hot", units=4)
    table = model.get_layer("one_hot")
    assert not table.trainable
    np.testing.assert_array_equal(np.asarray(table.embeddings), np.eye(12))
    assert len(model.outputs) == 1


def _probs(model, ids):
    return np.asarray(model.predict(np.array([ids], "int32"), verbose=0)[0])[0]


@pytest.mark.keras
@pytest.mark.parametrize("kind, sees_before, sees_after", [
    ("feedforward", False, False), ("unidirectional", True, False), ("bidirectional", True, True)])
def test_what_each_tagger_can_see(kind, sees_before, sees_after):
    """Change the word before position 3, then the word after it: does the output at 3 move?"""
    import keras

    from course_pkg.models.slot_filling import slot_tagger

    keras.utils.set_random_seed(0)
    model = slot_tagger(20, 5, 2, kind=kind, units=6, embedding_dim=6)
    base = [4, 5, 6, 7, 8, 9]
    p = _probs(model, base)[3]
    before = _probs(model, [4, 5, 11, 7, 8, 9])[3]
    after = _probs(model, [4, 5, 6, 7, 12, 9])[3]
    assert (not np.allclose(p, before, atol=1e-6)) == sees_before
    assert (not np.allclose(p, after, atol=1e-6)) == sees_after


@pytest.mark.keras
def test_bad_model_arguments_are_refused():
    from course_pkg.models.slot_filling import slot_tagger

    with pytest.raises(ValueError, match="argument kind expected one of"):
        slot_tagger(10, 3, kind="sideways")
    with pytest.raises(ValueError, match="argument units expected a positive integer, got 0"):
        slot_tagger(10, 3, units=0)


# Recipe helpers --------------------------------------------------------------------------------
def test_presets_and_models():
    assert set(recipe.PRESETS) == {"test", "book", "colab", "full"}
    for config in recipe.PRESETS.values():
        assert set(config["models"]) <= set(recipe.MODELS)
        assert config["batch_size"] % 2 == 0  # splits over two data-parallel devices
    assert recipe.PRESETS["colab"]["atis"] and not recipe.PRESETS["book"]["atis"]


def test_targeted_scores_count_roles_and_pairs(corpus):
    utts = corpus.targeted["verb_before"][:4]
    truth = [list(u.tags) for u in utts]
    assert recipe.targeted_scores(utts, truth)["pair_accuracy"] == 1.0
    # a tagger that calls every city a destination: half the sentences, no pair
    always_to = [[t.replace("from_city", "to_city") for t in tags] for tags in truth]
    scores = recipe.targeted_scores(utts, always_to)
    assert scores["role_accuracy"] == 0.5 and scores["pair_accuracy"] == 0.0
    assert scores["predicted_to"] == 1.0


def test_most_frequent_tag_baseline_cannot_tell_roles(corpus):
    predicted = recipe.most_frequent_tag_baseline(corpus.train, corpus.targeted["verb_before"])
    scores = recipe.targeted_scores(corpus.targeted["verb_before"], predicted)
    assert scores["pair_accuracy"] == 0.0
    test_scores = recipe.slot_scores(corpus.test, recipe.most_frequent_tag_baseline(
        corpus.train, corpus.test))
    assert 0.0 < test_scores["slot_f1"] < 0.8


@pytest.mark.keras
def test_atis_training_path_on_a_tiny_corpus():
    utts = sf.parse_atis(ATIS_LINES.splitlines() * 8)
    config = {**recipe.PRESETS["test"], "atis_models": ["feedforward_embedding"],
              "atis_epochs": 1, "atis_batch_size": 8}
    from course_pkg.recipes.hardware import Hardware

    result = recipe.run_atis(config, Hardware(), None, None, train=utts, test=utts[:2])
    record = result["runs"]["feedforward_embedding"][0]
    assert 0.0 <= record["test"]["slot_f1"] <= 1.0 and result["n_train"] == 16
    assert result["sources"]["train"]["sha256"] == sf.ATIS_SOURCES["train"].sha256


def test_error_kinds_sort_every_true_slot():
    tokens = ("from", "salt", "lake", "city", "to", "boston", "on", "friday", ",", "june", "5")
    tags = ("O", "B-from_city", "I-from_city", "I-from_city", "O", "B-to_city", "O",
            "B-depart_date", "I-depart_date", "I-depart_date", "I-depart_date")
    u = sf.Utterance(tokens, tags, "flight", "test:0")
    predicted = ["O", "B-to_city", "I-to_city", "I-to_city", "O", "B-airline", "O",
                 "B-depart_date", "O", "O", "B-class"]
    counts = recipe.error_kinds([u], [predicted])
    assert counts == {"correct": 0, "wrong_role": 1, "wrong_type": 1, "wrong_extent": 1,
                      "missed": 0, "spurious": 0}
    assert recipe.error_kinds([u], [list(tags)])["correct"] == 3
    assert recipe.per_template_f1([u], [list(tags)]) == {"test:0": 1.0}


def test_progress_lines_and_results_table():
    assert recipe.format_progress({"line": "bidirectional_embedding:"}) == "bidirectional:"
    line = recipe.format_progress({"epoch": 2, "epochs": 7, "tags_loss": 0.5, "val_tags_loss": 0.7,
                                   "wall_s": 1.25})
    assert line == "  epoch 2/7  tag loss 0.500  validation 0.700  (1.2 s)"


def test_the_chapter_figures_fit_the_column_with_readable_text():
    import matplotlib.pyplot as plt

    from course_pkg.plots.slot_filling import (
        plot_tag_grid, plot_tag_grids, plot_tagger_curves, plot_targeted_accuracy,
    )
    from course_pkg.plots.style import MAX_WIDTH, MIN_FONT_SIZE, text_sizes

    tokens = "beijing on friday , i will leave from there".split()
    truth = ["B-from_city", "O", "B-depart_date"] + ["O"] * 6
    wrong = ["B-to_city", "O", "B-arrive_date"] + ["O"] * 6
    history = {"tags_loss": [1.0, 0.5, 0.4], "val_tags_loss": [1.1, 0.7, 0.6]}
    figures = [
        plot_tag_grid(tokens, {"feed-forward": wrong, "unidirectional, one-hot": truth},
                      truth=truth),
        plot_tagger_curves({"a": history, "b": history}, labels={"a": "feed-forward"}),
        plot_tag_grids([(tokens, {"x": wrong}, truth), (tokens[:4], {"x": truth[:4]}, None)]),
        plot_targeted_accuracy({"a": {"verb_before": 0.5, "verb_after": 0.5},
                                "b": {"verb_before": 1.0, "verb_after": 0.5}}),
    ]
    for fig in figures:
        assert fig.get_figwidth() <= MAX_WIDTH + 1e-9
        assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE
        plt.close(fig)
    with pytest.raises(ValueError, match="row 'x' has 2 tags for 9 words"):
        plot_tag_grid(tokens, {"x": ["O", "O"]})
