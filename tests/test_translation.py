"""Translation chapter: dates data, parallel-corpus loader, attention layer, decoders."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_pkg.data import dates as D  # noqa: E402
from course_pkg.models import translation as T  # noqa: E402


# --------------------------------------------------------------------------- dates data


def test_every_kept_date_style_names_one_day():
    styles = D.date_styles()
    assert len(styles) >= 24
    seen: dict[str, dt.date] = {}
    days = [dt.date(y, m, d) for y in (1969, 1977, 2000, 2019, 2068) for m in range(1, 13)
            for d in (1, 2, 5, 10, 12, 13, 28)]
    for style in styles:
        for day in days:
            text = D.render(day, style)
            assert seen.setdefault(text, day) == day, (style.name, text)


def test_ambiguous_short_formats_are_dropped():
    names = {s.name for s in D.date_styles()}
    assert "en_US/short" in names            # M/d/yy, the first locale keeps its format
    assert "es_ES/short" not in names        # d/M/yy: "1/2/24" would be 2 January in en_US


def test_two_digit_years_follow_the_posix_pivot():
    us = D.DateStyle("en_US", "short", "M/d/yy")
    assert D.render(dt.date(1969, 7, 20), us) == "7/20/69"
    assert D.render(dt.date(2068, 7, 20), us) == "7/20/68"


def test_test_days_are_never_seen_in_training():
    data = D.load_dates(n_train=3000, n_val=200, n_test=500, seed=3)
    assert not set(data.train.targets) & set(data.test.targets)
    assert not set(data.train.targets) & set(data.val.targets)
    assert all(len(t) == 10 for t in data.test.targets)
    assert data.provenance["package"] == "babel" and len(data.provenance["sha256"]) == 64


def test_dates_arrays_are_teacher_forcing_pairs():
    data = D.load_dates(n_train=50, n_val=5, n_test=5, seed=0)
    x, y = data.arrays("train")
    assert x["target_in"].shape == y.shape == (50, 11)
    assert (x["target_in"][:, 0] == D.CharVocab.START).all()
    np.testing.assert_array_equal(x["target_in"][:, 1:], y[:, :-1])
    assert (y[:, -1] == D.CharVocab.END).all()
    assert data.target_vocab.decode(y[0]) == data.train.targets[0]
    assert data.source_vocab.decode(x["source"][0]) == data.train.sources[0]


def test_reversed_source_keeps_padding_on_the_right():
    vocab = D.CharVocab("abc")
    ids = vocab.encode(["abc", "a"], reverse=True)
    assert vocab.decode(ids[0]) == "cba" and vocab.decode(ids[1]) == "a"
    np.testing.assert_array_equal(D.reverse_tokens(vocab.encode(["abc", "a"])), ids)


def test_numbers_task_is_monotonic_words_to_digits():
    data = D.load_numbers(200, 20, 20, seed=0)
    assert not {int(t) for t in data.train.targets} & {int(t) for t in data.test.targets}
    from num2words import num2words
    for s, t in zip(data.train.sources[:20], data.train.targets[:20]):
        assert num2words(int(t)) == s
    x, _ = data.arrays("train")
    assert data.source_vocab.decode(x["source"][0], " ") == " ".join(
        D.number_words(data.train.sources[0]))


# --------------------------------------------------------------------------- parallel corpus


def _small_zip(tmp_path):
    lines = ["Go.\tVe.\tCC-BY 2.0 (France) Attribution: tatoeba.org", "I'm sorry.\tLo siento.",
             "Who are you?\t¿Quién eres tú?"] + [f"Sentence number {i}.\tFrase número {i}."
                                                 for i in range(40)]
    path = tmp_path / "spa-eng.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("spa-eng/spa.txt", "\n".join(lines) + "\n")
    return path


def test_parallel_corpus_loader_reads_a_checked_local_zip(tmp_path):
    from course_pkg.data.parallel_corpus import load_parallel_corpus
    from course_pkg.data.sources import DataChecksumError, MissingDataSourceError, file_sha256

    path = _small_zip(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(MissingDataSourceError, match="SHA-256"):
        load_parallel_corpus(url=path.as_uri(), cache=cache)
    with pytest.raises(DataChecksumError):
        load_parallel_corpus(url=path.as_uri(), cache=cache, sha256="0" * 64)
    corpus = load_parallel_corpus(url=path.as_uri(), cache=cache, sha256=file_sha256(path),
                                  test_fraction=0.1, val_fraction=0.1)
    total = len(corpus.train) + len(corpus.val) + len(corpus.test)
    assert total == 43
    assert not set(corpus.train.sources) & set(corpus.test.sources)
    pairs = dict(zip(corpus.train.sources + corpus.test.sources + corpus.val.sources,
                     corpus.train.targets + corpus.test.targets + corpus.val.targets))
    assert pairs["who are you ?"] == "¿ quién eres tú ?"
    x, y = corpus.arrays("train")
    assert x["source"].shape[0] == y.shape[0] == len(corpus.train)
    assert corpus.provenance["kind"] == "download"


# --------------------------------------------------------------------------- attention


def _qkv(seed=0, b=2, t=3, s=5, h=4):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(b, t, h)).astype("float32"),
            rng.normal(size=(b, s, h)).astype("float32"))


def test_dot_attention_matches_keras_attention():
    q, v = _qkv()
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    context, weights = T.Attention("dot")(q, v, source_mask=mask)
    ref, ref_w = keras.layers.Attention()([q, v], mask=[None, mask], return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(context), np.asarray(ref), atol=1e-5)
    np.testing.assert_allclose(np.asarray(weights), np.asarray(ref_w), atol=1e-6)


def test_general_attention_is_dot_attention_on_projected_queries():
    q, v = _qkv(1)
    layer = T.Attention("general")
    context, _ = layer(q, v)
    w_a = np.asarray(layer.w_a)
    ref = keras.layers.Attention()([q @ w_a, v])
    np.testing.assert_allclose(np.asarray(context), np.asarray(ref), atol=1e-5)


def test_additive_attention_matches_keras_additive_attention():
    q, v = _qkv(2)
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], bool)
    layer = T.Attention("additive")
    layer.build(q.shape, v.shape)
    h = q.shape[-1]
    layer.w_1.assign(np.eye(h, dtype="float32"))
    layer.w_2.assign(np.eye(h, dtype="float32"))
    ref_layer = keras.layers.AdditiveAttention()
    ref, ref_w = ref_layer([q, v], mask=[None, mask], return_attention_scores=True)
    layer.v.assign(np.asarray(ref_layer.scale))
    context, weights = layer(q, v, source_mask=mask)
    np.testing.assert_allclose(np.asarray(context), np.asarray(ref), atol=1e-5)
    np.testing.assert_allclose(np.asarray(weights), np.asarray(ref_w), atol=1e-6)


@pytest.mark.parametrize("score", T.SCORES)
def test_attention_ignores_padded_source_positions(score):
    q, v = _qkv(3)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], bool)
    layer = T.Attention(score)
    context, weights = layer(q, v, source_mask=mask)
    weights = np.asarray(weights)
    assert np.all(weights[~np.broadcast_to(mask[:, None, :], weights.shape)] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    v2 = v.copy()
    v2[~mask] = 100.0  # whatever sits in the padding must not matter
    context2, _ = layer(q, v2, source_mask=mask)
    np.testing.assert_allclose(np.asarray(context), np.asarray(context2), atol=1e-5)


def test_attention_rejects_unknown_scores():
    with pytest.raises(ValueError, match="score expected one of"):
        T.Attention("cosine")


# --------------------------------------------------------------------------- decoding


def _toy_step(table_seed=0, v=4):
    """A step function whose next-token log probabilities depend on the whole prefix."""
    rng = np.random.default_rng(table_seed)
    cache: dict = {}

    def logp_of(prefix):
        if prefix not in cache:
            z = rng.normal(size=v) * 2
            z[0] = -np.inf  # never padding
            z = z - np.logaddexp.reduce(z[1:])
            z[0] = -np.inf
            cache[prefix] = z
        return cache[prefix]

    def step(tokens, states, rows):
        prefixes = states[0]
        new = np.concatenate([prefixes, tokens[:, None]], axis=1)
        logp = np.stack([logp_of((int(r),) + tuple(int(t) for t in p))
                         for r, p in zip(rows, new)])
        return logp, None, [new]

    return step, logp_of


def _exhaustive(logp_of, row, max_len, v, alpha, start=1, end=2):
    best, best_score = None, -np.inf
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(1, v), repeat=length):
            if end in seq[:-1] or (length < max_len and seq[-1] != end):
                continue
            prefix, total = (row, start), 0.0
            for tok in seq:
                total += logp_of(prefix)[tok]
                prefix = prefix + (tok,)
            score = total / length ** alpha if alpha else total
            if score > best_score + 1e-12:
                best, best_score = seq, score
    return best, best_score


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_beam_search_with_a_wide_beam_equals_exhaustive_search(alpha):
    v, max_len, n = 4, 3, 3
    step, logp_of = _toy_step(0, v)
    init = [np.zeros((n, 0), dtype=np.int64)]
    ids, scores = T.beam_search(step, init, n, k=v ** max_len, max_len=max_len, alpha=alpha)
    for row in range(n):
        seq, score = _exhaustive(logp_of, row, max_len, v, alpha)
        got = tuple(int(t) for t in ids[row] if t)
        assert got == seq and scores[row] == pytest.approx(score)


def test_beam_search_with_k_1_is_greedy_and_wider_beams_score_no_worse():
    v, max_len, n = 4, 4, 5
    step, logp_of = _toy_step(1, v)
    init = [np.zeros((n, 0), dtype=np.int64)]
    ids1, s1 = T.beam_search(step, init, n, k=1, max_len=max_len)
    for row in range(n):  # greedy by hand
        prefix, seq = (row, 1), []
        for _ in range(max_len):
            tok = int(np.argmax(logp_of(prefix)))
            seq.append(tok)
            prefix += (tok,)
            if tok == 2:
                break
        assert tuple(int(t) for t in ids1[row] if t) == tuple(seq)
    _, s3 = T.beam_search(step, init, n, k=3, max_len=max_len)
    assert np.all(s3 >= s1 - 1e-12)


def _tiny_trained(attention="general"):
    data = D.load_dates(n_train=64, n_val=8, n_test=8, seed=0)
    keras.utils.set_random_seed(0)
    model = T.translation_model(data.source_vocab.size, data.target_vocab.size, units=8,
                                embed_dim=4, attention=attention)
    return data, model


@pytest.mark.parametrize("attention", [None, "general", "additive"])
def test_step_model_reproduces_the_teacher_forced_predictions(attention):
    data, model = _tiny_trained(attention)
    x, _ = data.arrays("test")
    p = np.asarray(model.predict(x, verbose=0))
    tr = T.inference_models(model)
    out = tr.encoder(x["source"])
    memory, states = np.asarray(out[0]), [np.asarray(s) for s in out[1:]]
    for t in range(x["target_in"].shape[1]):
        res = tr.step([x["target_in"][:, t:t + 1], x["source"], memory, *states])
        np.testing.assert_allclose(np.exp(np.asarray(res[0])), p[:, t], atol=1e-5)
        states = [np.asarray(s) for s in res[2:]]


def test_greedy_decode_equals_beam_decode_with_k_1():
    data, model = _tiny_trained()
    x, _ = data.arrays("test")
    tr = T.inference_models(model)
    np.testing.assert_array_equal(T.greedy_decode(tr, x["source"], 11),
                                  T.beam_decode(tr, x["source"], 11, k=1, alpha=0.0))


@pytest.mark.parametrize("name", sorted(T.EXAMPLE_MODELS))
def test_example_models_build_and_round_trip(name, tmp_path):
    model = T.EXAMPLE_MODELS[name]()
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    x = {"source": np.array([[3, 4, 5, 0]]), "target_in": np.array([[1, 3, 4]])}
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               np.asarray(again.predict(x, verbose=0)), atol=1e-6)
    T.inference_models(again)


# --------------------------------------------------------------------------- plots and recipes


def test_attention_heat_maps_label_every_token_readably():
    from course_pkg.plots.attention import plot_attention, plot_attention_examples
    from course_pkg.plots.style import MIN_FONT_SIZE, text_sizes

    source, output = list("1 févr. 2024"), list("2024-02-01") + ["</s>"]
    weights = np.full((len(output), len(source)), 1 / len(source))
    fig = plot_attention(weights, source, output)
    labels = [t for _, t in text_sizes(fig)]
    assert "␣" in labels and "</s>" in labels and "é" in labels
    example = {"weights": weights, "source_tokens": source, "output_tokens": output,
               "style": "fr_FR/medium", "source": "1 févr. 2024", "prediction": "2024-02-01"}
    fig = plot_attention_examples([example, example])
    assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE
    assert fig.get_size_inches()[0] <= 7.5
    with pytest.raises(ValueError, match="shape"):
        plot_attention(weights[:, :3], source, output)


def test_recipes_have_the_four_presets():
    from course_pkg.recipes import reversed_source, translation

    for module in (translation, reversed_source):
        assert set(module.PRESETS) == {"test", "book", "colab", "full"}
    assert translation.PRESETS["colab"]["data"] == "spa-eng"


def test_dateutil_baseline_reads_english_dates_only():
    from course_pkg.recipes.translation import dateutil_baseline

    assert dateutil_baseline(["Feb 1, 2024", "1 février 2024"]) == ["2024-02-01", ""]
