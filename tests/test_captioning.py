"""Captioning chapter: generated scenes, the Flickr8k loader, the three decoders, decoding, BLEU,
plots and the two recipes' test presets."""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_pkg.data import captioning as D  # noqa: E402
from course_pkg.models import captioning as M  # noqa: E402

# --------------------------------------------------------------------------- scenes


@pytest.fixture(scope="module")
def scenes():
    return D.load_scenes(n_train=600, n_val=60, n_test=80, seed=1)


def _pairs(objects):
    return {(o["colour"], o["shape"]) for objs in objects for o in objs}


def test_held_out_pairs_never_appear_in_training_but_their_words_do(scenes):
    held = set(scenes.held_out)
    assert not _pairs(scenes.train.objects) & held
    assert not _pairs(scenes.val.objects) & held
    assert not _pairs(scenes.test_seen.objects) & held
    assert all(_pairs([objs]) & held for objs in scenes.test_heldout.objects)
    train_words = {w for c in scenes.train.captions for w in c.split()}
    for colour, shape in held:
        assert colour in train_words and shape in train_words
        assert not any(f"{colour} {shape}" in c for c in scenes.train.captions)


def test_captions_name_the_drawn_attributes_in_order(scenes):
    for split in (scenes.train, scenes.test_heldout):
        for caption, objs, rel in zip(split.captions, split.objects, split.relations):
            assert caption == D.caption_of(objs, rel)
            assert caption.startswith(f"a {objs[0]['size']} {objs[0]['colour']} {objs[0]['shape']}")
            assert (rel is None) == (len(objs) == 1)


def _coloured_pixels(image, colour):
    return np.argwhere(np.abs(image - np.array(D.COLOURS[colour])).max(-1) < 0.2)


def test_draw_scene_puts_each_shape_where_its_caption_says():
    rng = np.random.default_rng(0)
    red = {"colour": "red", "shape": "circle", "size": "large"}
    blue = {"colour": "blue", "shape": "triangle", "size": "small"}
    above = D.draw_scene([red, blue], "above", rng, noise=0.0)
    r, b = _coloured_pixels(above, "red"), _coloured_pixels(above, "blue")
    assert len(r) > len(b) > 10                                  # large vs small
    assert r[:, 0].mean() < b[:, 0].mean() - 8                   # red above blue
    left = D.draw_scene([red, blue], "left of", rng, noise=0.0)
    r, b = _coloured_pixels(left, "red"), _coloured_pixels(left, "blue")
    assert r[:, 1].mean() < b[:, 1].mean() - 8                   # red left of blue
    tri = _coloured_pixels(left, "blue")
    rows = sorted(set(tri[:, 0]))
    width = {y: (tri[:, 0] == y).sum() for y in rows}
    assert width[rows[0]] < width[rows[-1]]                      # a triangle points up
    with pytest.raises(ValueError, match="relation"):
        D.draw_scene([red, blue], None, rng)


def test_scenes_are_deterministic_from_the_seed():
    a, b = D.load_scenes(40, 4, 8, seed=5), D.load_scenes(40, 4, 8, seed=5)
    np.testing.assert_array_equal(a.train.images, b.train.images)
    assert a.test_heldout.captions == b.test_heldout.captions
    assert D.load_scenes(40, 4, 8, seed=6).train.captions != a.train.captions
    assert a.provenance["kind"] == "generated" and a.provenance["seed"] == 5


def test_vocabulary_round_trip_and_teacher_forcing_arrays(scenes):
    x, y = scenes.arrays("test_heldout")
    assert x["image"].shape == (80, 32, 32, 3) and x["image"].dtype == np.float32
    assert x["caption_in"].shape == y.shape == (80, scenes.max_words + 1)
    assert (x["caption_in"][:, 0] == scenes.vocab.START).all()
    words = y[:, :-1] > 2
    np.testing.assert_array_equal(x["caption_in"][:, 1:][words], y[:, :-1][words])
    for row, caption in zip(y, scenes.test_heldout.captions):
        assert scenes.vocab.decode(row, " ") == caption
    assert "<unk>" not in {scenes.vocab.decode(r, " ") for r in y}


def test_bad_held_out_pairs_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        D.load_scenes(10, 2, 2, held_out=[("purple", "circle")])
    every_circle = [(c, "circle") for c in D.COLOURS]
    with pytest.raises(ValueError, match="never seen"):
        D.load_scenes(10, 2, 2, held_out=every_circle)


# --------------------------------------------------------------------------- Flickr8k


def _flickr_zips(tmp_path, drop_split=False):
    from PIL import Image

    names = [f"{i}000_abc.jpg" for i in range(6)]
    text = io.BytesIO()
    with zipfile.ZipFile(text, "w") as archive:
        lines = [f"{n}#{j}\tA Dog runs, on the grass {j} !" for n in names for j in range(5)]
        archive.writestr("Flickr8k.token.txt", "\n".join(lines) + "\n")
        archive.writestr("Flickr_8k.trainImages.txt", "\n".join(names[:4]) + "\n")
        archive.writestr("Flickr_8k.devImages.txt", names[4] + "\n")
        if not drop_split:
            archive.writestr("Flickr_8k.testImages.txt", names[5] + "\n")
    images = io.BytesIO()
    with zipfile.ZipFile(images, "w") as archive:
        for i, n in enumerate(names):
            buf = io.BytesIO()
            Image.new("RGB", (50, 40), (40 * i, 100, 200)).save(buf, "JPEG")
            archive.writestr(f"Flicker8k_Dataset/{n}", buf.getvalue())
    paths = {}
    for key, blob in (("text", text), ("images", images)):
        paths[key] = tmp_path / f"{key}{'_bad' if drop_split else ''}.zip"
        paths[key].write_bytes(blob.getvalue())
    return paths


def test_flickr8k_parser_and_loader_read_a_checked_local_zip(tmp_path):
    from course_pkg.data.sources import DataChecksumError, MissingDataSourceError, file_sha256

    paths = _flickr_zips(tmp_path)
    captions, splits = D.read_flickr8k_text(paths["text"])
    assert captions["0000_abc.jpg"][2] == "a dog runs on the grass"
    assert len(captions) == 6 and all(len(c) == 5 for c in captions.values())
    assert [len(splits[k]) for k in ("train", "val", "test")] == [4, 1, 1]
    urls = {k: p.as_uri() for k, p in paths.items()}
    sums = {k: file_sha256(p) for k, p in paths.items()}
    with pytest.raises(MissingDataSourceError, match="SHA-256"):
        D.load_flickr8k(urls=urls, cache=tmp_path / "c0")
    with pytest.raises(DataChecksumError):
        D.load_flickr8k(urls=urls, sha256={**sums, "text": "0" * 64}, cache=tmp_path / "c1")
    data = D.load_flickr8k(urls=urls, sha256=sums, image_size=16, cache=tmp_path / "c2")
    assert data.images["train"].shape == (4, 16, 16, 3) and data.images["train"].dtype == np.uint8
    x, y = data.arrays("train")
    assert x["image"].shape[0] == y.shape[0] == 20 and x["image"].max() <= 1.0
    assert data.vocab.decode(y[0], " ") == "a dog runs on the grass"
    assert data.provenance["text"]["kind"] == "download"


def test_flickr8k_missing_files_are_named(tmp_path):
    from course_pkg.data.sources import MissingDataSourceError, file_sha256

    paths = _flickr_zips(tmp_path, drop_split=True)
    with pytest.raises(MissingDataSourceError, match="testImages"):
        D.read_flickr8k_text(paths["text"])
    (tmp_path / "good").mkdir()
    good = _flickr_zips(tmp_path / "good")
    with pytest.raises(MissingDataSourceError, match="could not download"):
        D.load_flickr8k(urls={"text": (tmp_path / "nowhere.zip").as_uri(),
                              "images": good["images"].as_uri()},
                        sha256={"text": "0" * 64, "images": file_sha256(good["images"])},
                        cache=tmp_path / "c")


# --------------------------------------------------------------------------- models


def _model(kind, scenes=None, vocab=17):
    keras.utils.set_random_seed(0)
    return M.captioning_model(vocab, (32, 32, 3), kind=kind, units=12, embed_dim=6,
                              filters=(4, 6), pools=2)


@pytest.mark.parametrize("kind", M.KINDS)
def test_models_predict_the_next_word_at_every_step(kind, scenes):
    model = _model(kind)
    x, y = scenes.arrays("val")
    p = np.asarray(model.predict(x, verbose=0))
    assert p.shape == (60, y.shape[1], scenes.vocab.size) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kind", M.KINDS)
def test_step_model_reproduces_the_teacher_forced_predictions(kind, scenes):
    model = _model(kind)
    x, _ = scenes.arrays("val")
    p = np.asarray(model.predict(x, verbose=0))
    cap = M.captioner(model)
    memory, states = cap.encode(x["image"])
    step = cap.step_fn(memory)
    rows = np.arange(len(memory))
    for t in range(x["caption_in"].shape[1]):
        logp, weights, states = step(x["caption_in"][:, t], states, rows)
        np.testing.assert_allclose(np.exp(logp), p[:, t], atol=1e-5)
        if kind == "attention":
            assert weights.shape == (60, 8 * 8)
            np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)


def test_show_and_tell_sees_the_image_only_before_the_first_word(scenes):
    """Once the initial state is set, the init model's steps ignore the image; the every-step
    model's steps do not."""
    x, _ = scenes.arrays("val")
    for kind, depends in (("init", False), ("every", True)):
        cap = M.captioner(_model(kind))
        memory, states = cap.encode(x["image"][:8])
        other, _ = cap.encode(x["image"][8:16])
        tokens, rows = x["caption_in"][:8, 1], np.arange(8)
        a = cap.step_fn(memory)(tokens, states, rows)[0]
        b = cap.step_fn(other)(tokens, states, rows)[0]
        assert (not np.allclose(a, b, atol=1e-6)) == depends, kind
        # and the whole caption's first prediction depends on the image in both
        start = np.ones(8, np.int32)
        s_other = cap.encode(x["image"][8:16])[1]
        p1 = cap.step_fn(memory)(start, states, rows)[0]
        p2 = cap.step_fn(other)(start, s_other, rows)[0]
        assert not np.allclose(p1, p2, atol=1e-6)
    lstm = _model("init").get_layer("decoder_lstm")
    assert lstm.input[0].shape[-1] == 6                           # word embeddings only


def test_greedy_returns_grid_attention_maps_and_equals_beam_with_k_1(scenes):
    cap = M.captioner(_model("attention"))
    images = scenes.test_seen.images[:12]
    ids, maps = M.greedy_caption(cap, images, 11, return_weights=True)
    assert ids.shape == (12, 11) and maps.shape == (12, 11, 8, 8)
    emitted = ids > 0
    np.testing.assert_allclose(maps.sum((2, 3))[emitted], 1.0, atol=1e-5)
    assert (maps.sum((2, 3))[~emitted] == 0).all()
    np.testing.assert_array_equal(ids, M.beam_caption(cap, images, 11, k=1, alpha=0.0))
    for kind in ("init", "every"):
        c = M.captioner(_model(kind))
        np.testing.assert_array_equal(M.greedy_caption(c, images, 11),
                                      M.beam_caption(c, images, 11, k=1, alpha=0.0))


@pytest.mark.parametrize("name", sorted(M.EXAMPLE_MODELS))
def test_example_models_build_and_round_trip(name, tmp_path):
    model = M.EXAMPLE_MODELS[name]()
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    x = {"image": np.random.default_rng(0).random((2, 16, 16, 3)).astype("float32"),
         "caption_in": np.array([[1, 3, 4], [1, 5, 0]])}
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               np.asarray(again.predict(x, verbose=0)), atol=1e-6)
    M.captioner(again)


def test_bad_model_arguments_are_refused():
    with pytest.raises(ValueError, match="kind"):
        M.captioning_model(10, kind="sometimes")
    with pytest.raises(ValueError, match="units"):
        M.captioning_model(10, units=0)


# --------------------------------------------------------------------------- metrics, plots


def test_bleu4_is_sacrebleu_on_a_known_pair():
    from course_pkg.recipes.captioning import bleu4, caption_metrics

    hyp = "a small red circle above a large blue square"
    ref = "a small red circle above a large green square"
    expected = 100 * math.exp(np.mean(np.log([8 / 9, 6 / 8, 5 / 7, 4 / 6])))
    assert bleu4([hyp], [[ref]]) == pytest.approx(expected, rel=1e-6)
    assert bleu4([hyp], [[ref, hyp]]) == pytest.approx(100.0)
    assert bleu4([hyp, ref], [[ref, hyp], [ref]]) == pytest.approx(100.0)
    m = caption_metrics([hyp, ref], [ref, ref])
    assert m["exact"] == 0.5 and 0 < m["bleu"] < 100


def test_baselines():
    from course_pkg.recipes.captioning import most_frequent_caption, nearest_neighbour_captions

    train = np.zeros((3, 2, 2, 3), np.float32)
    train[1] += 0.5
    train[2] += 1.0
    assert nearest_neighbour_captions(train, ["a", "b", "c"], train[[2, 0]] + 0.1) == ["c", "a"]
    assert most_frequent_caption(["x", "y", "y", "x", "y"]) == "y"


def test_plots_are_readable(scenes):
    from course_pkg.plots.captioning import (plot_caption_attention, plot_injection_runs,
                                             plot_scenes)
    from course_pkg.plots.style import MIN_FONT_SIZE, text_sizes

    figs = [plot_scenes(scenes.train.images[:7], scenes.train.captions[:7], ncols=4)]
    maps = np.full((4, 8, 8), 1 / 64)
    figs.append(plot_caption_attention(scenes.train.images[0], ["a", "small", "red", "</s>"],
                                       maps, title="an example"))
    runs = [{"model": m, "label": m, "seed": s, "exact_seen": 0.5, "bleu_seen": 80.0,
             "val_loss": 0.1} for m in ("init", "every") for s in range(3)]
    figs.append(plot_injection_runs(runs))
    for fig in figs:
        assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE
        assert fig.get_size_inches()[0] <= 7.5
    with pytest.raises(ValueError, match="shape"):
        plot_caption_attention(scenes.train.images[0], ["a"], maps)


# --------------------------------------------------------------------------- recipes


def test_recipes_test_presets_run_and_score(recipe_test_runs):
    from course_pkg.recipes import caption_injection, captioning

    for module in (captioning, caption_injection):
        assert tuple(module.PRESETS) == ("test", "book", "colab", "full")
        for preset in module.PRESETS.values():
            assert preset["batch_size"] % 2 == 0 and preset["epochs"] >= 2
    assert captioning.PRESETS["colab"]["data"] == "flickr8k"
    doc = recipe_test_runs.document("captioning")
    m = doc["metrics"]
    for key in ("bleu_seen", "exact_heldout", "beam_bleu_heldout", "nn_bleu_seen"):
        assert np.isfinite(m[key])
    assert doc["attention_examples"] and doc["grid_shape"] == [8, 8]
    doc = recipe_test_runs.document("caption_injection")
    assert [r["model"] for r in doc["summary"]] == ["init", "every"]
    assert all(np.isfinite(v) for v in doc["metrics"].values())
