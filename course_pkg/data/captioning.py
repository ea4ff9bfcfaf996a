"""Data for the image-captioning chapter: scenes drawn by code, and the Flickr8k loader.

**Scenes** (:func:`load_scenes`, the book's data). Each image is a small RGB canvas (32 x 32 by
default) holding one or two shapes, each with a colour (red, green, blue, yellow), a shape (circle,
square, triangle) and a size (small, large). Two shapes stand one above the other or side by side,
and the caption names the top (or left) shape first, so that every image has exactly one correct
caption::

    a small red circle above a large blue square
    a large green triangle left of a small yellow circle
    a small blue square

Some (colour, shape) pairs are *held out* (:data:`HELD_OUT`: "red triangle", "green circle",
"blue square", "yellow triangle" by default): no training or validation image contains them,
although every colour and every shape is seen in training with other partners. The test set has two
parts: ``test_seen`` (new images of seen pairs) and ``test_heldout`` (every image holds at least one
held-out pair), which measures compositional generalisation. Everything is drawn from a seed with
NumPy: the same seed gives the same pixels and captions.

**Flickr8k** (:func:`load_flickr8k`, the Colab preset's data): 8,091 photographs from Flickr with
five captions each written by people (Hodosh, Young and Hockenmaier, 2013), with the standard
6,000 / 1,000 / 1,000 split. :data:`FLICKR8K_IMAGES` and :data:`FLICKR8K_TEXT` are the zips that
Jason Brownlee's GitHub release serves (the files of many tutorials); they are downloaded once with
``course_pkg.data.sources.cached_download``. No SHA-256 of them was found in any offline source
(tensorflow-datasets has no Flickr8k), so, as ``course_pkg.data.parallel_corpus`` does, the loader
refuses an unchecked file: pass the checksums (``sha256sum Flickr8k_*.zip``) or set
``$RNN_COURSE_FLICKR8K_IMAGES_SHA256`` and ``$RNN_COURSE_FLICKR8K_TEXT_SHA256``. The text zip
holds ``Flickr8k.token.txt`` (``<image>.jpg#<n><TAB><caption>``) and the split files
``Flickr_8k.{train,dev,test}Images.txt``; the images zip holds ``Flicker8k_Dataset/<image>.jpg``.
The terms of use are the dataset's: research use, images owned by their Flickr authors.

Example:
    >>> scenes = load_scenes(n_train=200, n_val=20, n_test=20)
    >>> scenes.train.images.shape
    (200, 32, 32, 3)
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from course_pkg.data.parallel_corpus import WordVocab
from course_pkg.data.sources import MissingDataSourceError, RemoteSource, cached_download

__all__ = ["COLOURS", "SHAPES", "SIZES", "RELATIONS", "HELD_OUT", "CaptionSplit", "Scenes",
           "draw_scene", "caption_of", "load_scenes", "scenes_provenance", "FLICKR8K_IMAGES",
           "FLICKR8K_TEXT", "Flickr8k", "read_flickr8k_text", "normalise_caption",
           "load_flickr8k", "caption_arrays"]

#: Colour names and their RGB values (0-1).
COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (0.9, 0.15, 0.1), "green": (0.1, 0.75, 0.2), "blue": (0.15, 0.3, 0.95),
    "yellow": (0.95, 0.85, 0.1)}
SHAPES = ("circle", "square", "triangle")
#: Size names and the shape's half-width in pixels on a 32-pixel canvas (scaled with the canvas).
SIZES: dict[str, float] = {"small": 3.5, "large": 6.5}
#: How two shapes stand: the first named is above, or left of, the second.
RELATIONS = ("above", "left of")
#: (colour, shape) pairs never shown in training or validation.
HELD_OUT: tuple[tuple[str, str], ...] = (("red", "triangle"), ("green", "circle"),
                                         ("blue", "square"), ("yellow", "triangle"))


@dataclasses.dataclass(frozen=True)
class CaptionSplit:
    """Images (N, H, W, 3) float32 in [0, 1], one caption each, and the drawn attributes."""

    images: np.ndarray
    captions: list[str]
    objects: list[list[dict]]
    relations: list[str | None]

    def __len__(self) -> int:
        return len(self.captions)


def caption_arrays(images: np.ndarray, captions: Sequence[str], vocab: WordVocab,
                   length: int | None = None) -> tuple[dict, np.ndarray]:
    """Teacher-forcing arrays: ``({"image", "caption_in"}, caption_out)``.

    ``caption_in`` is ``<s>`` + the caption's words, ``caption_out`` the words + ``</s>`` (padded
    with 0 on the right to ``length`` columns).
    """
    width = None if length is None else length
    cin = vocab.encode(captions, width, start=True)
    cout = vocab.encode(captions, width, end=True)
    width = max(cin.shape[1], cout.shape[1])
    cin = np.pad(cin, ((0, 0), (0, width - cin.shape[1])))
    cout = np.pad(cout, ((0, 0), (0, width - cout.shape[1])))
    return {"image": np.asarray(images, dtype=np.float32), "caption_in": cin}, cout


@dataclasses.dataclass(frozen=True)
class Scenes:
    """The generated scenes: train, val, test_seen, test_heldout, and the word vocabulary."""

    train: CaptionSplit
    val: CaptionSplit
    test_seen: CaptionSplit
    test_heldout: CaptionSplit
    vocab: WordVocab
    held_out: tuple[tuple[str, str], ...]
    provenance: dict

    @property
    def max_words(self) -> int:
        """Words of the longest caption of any split."""
        return max(len(c.split()) for part in (self.train, self.val, self.test_seen,
                                               self.test_heldout) for c in part.captions)

    def arrays(self, split: str) -> tuple[dict, np.ndarray]:
        """Teacher-forcing arrays of a split (see :func:`caption_arrays`), all splits the same width."""
        part = getattr(self, split)
        return caption_arrays(part.images, part.captions, self.vocab, self.max_words + 1)


# --------------------------------------------------------------------------- drawing


def _mask(shape: str, cy: float, cx: float, half: float, size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    if shape == "circle":
        return (y - cy) ** 2 + (x - cx) ** 2 <= half ** 2
    if shape == "square":
        s = half * 0.85
        return (np.abs(y - cy) <= s) & (np.abs(x - cx) <= s)
    if shape == "triangle":  # pointing up: apex at the top, base at the bottom
        top, bottom = cy - half, cy + half
        inside = (y >= top) & (y <= bottom)
        return inside & (np.abs(x - cx) <= (y - top) / 2.0 * 1.1)
    raise ValueError(f"draw_scene: unknown shape {shape!r}; expected one of {list(SHAPES)}")


def draw_scene(objects: Sequence[dict], relation: str | None, rng: np.random.Generator,
               size: int = 32, noise: float = 0.03) -> np.ndarray:
    """Draw one scene.

    Args:
        objects: one or two dicts with ``colour``, ``shape`` and ``size`` (names); the first is
            drawn above (``relation="above"``) or left of (``"left of"``) the second.
        relation: None for one object.
        rng: draws the jitter of the positions and colours and the pixel noise.
        size: canvas side in pixels.
        noise: standard deviation of the Gaussian pixel noise.

    Returns:
        (size, size, 3) float32 in [0, 1] on a dark grey background.
    """
    scale = size / 32.0
    image = np.full((size, size, 3), 0.12, dtype=np.float32)
    if len(objects) == 1:
        centres = [(size / 2 + rng.uniform(-4, 4) * scale, size / 2 + rng.uniform(-4, 4) * scale)]
    elif relation in RELATIONS and len(objects) == 2:
        along = [size * 0.25 + rng.uniform(-1, 1) * scale, size * 0.75 + rng.uniform(-1, 1) * scale]
        across = [size / 2 + rng.uniform(-5, 5) * scale for _ in range(2)]
        centres = (list(zip(along, across)) if relation == "above" else list(zip(across, along)))
    else:
        raise ValueError(f"draw_scene: expected one object, or two with a relation in "
                         f"{list(RELATIONS)}, got {len(objects)} with {relation!r}")
    for obj, (cy, cx) in zip(objects, centres):
        mask = _mask(obj["shape"], cy, cx, SIZES[obj["size"]] * scale, size)
        colour = np.clip(np.array(COLOURS[obj["colour"]]) + rng.normal(0, 0.04, 3), 0, 1)
        image[mask] = colour
    image += rng.normal(0.0, noise, image.shape).astype(np.float32)
    return np.clip(image, 0.0, 1.0)


def caption_of(objects: Sequence[dict], relation: str | None) -> str:
    """The template caption: ``a <size> <colour> <shape>`` [``<relation> a <size> <colour> <shape>``]."""
    words = [f"a {o['size']} {o['colour']} {o['shape']}" for o in objects]
    return words[0] if relation is None else f"{words[0]} {relation} {words[1]}"


def _random_object(rng: np.random.Generator, allowed: list[tuple[str, str]]) -> dict:
    colour, shape = allowed[rng.integers(len(allowed))]
    return {"colour": colour, "shape": shape, "size": list(SIZES)[rng.integers(len(SIZES))]}


def _sample(n: int, rng: np.random.Generator, seen: list, held: list, heldout: bool,
            size: int, two_fraction: float) -> CaptionSplit:
    images, captions, objects, relations = [], [], [], []
    for _ in range(n):
        two = rng.random() < two_fraction
        k = 2 if two else 1
        if heldout:  # at least one held-out pair, at a random position
            objs = [_random_object(rng, seen) for _ in range(k)]
            objs[rng.integers(k)] = _random_object(rng, held)
        else:
            objs = [_random_object(rng, seen) for _ in range(k)]
        relation = RELATIONS[rng.integers(len(RELATIONS))] if two else None
        images.append(draw_scene(objs, relation, rng, size))
        captions.append(caption_of(objs, relation))
        objects.append(objs)
        relations.append(relation)
    return CaptionSplit(np.stack(images) if images else np.zeros((0, size, size, 3), np.float32),
                        captions, objects, relations)


def scenes_provenance(held_out: Sequence[tuple[str, str]] = HELD_OUT, size: int = 32) -> dict:
    """How the scenes are made (kept in every recipe result)."""
    return {"kind": "generated", "name": "captioning scenes", "generator":
            "course_pkg.data.captioning.load_scenes (NumPy, seeded)", "canvas": [size, size, 3],
            "colours": list(COLOURS), "shapes": list(SHAPES), "sizes": list(SIZES),
            "relations": list(RELATIONS), "held_out": [" ".join(p) for p in held_out],
            "licence": "generated by code (MIT, as course_pkg)"}


def load_scenes(n_train: int = 6000, n_val: int = 300, n_test: int = 500, seed: int = 0, *,
                size: int = 32, two_fraction: float = 0.8,
                held_out: Sequence[tuple[str, str]] = HELD_OUT) -> Scenes:
    """Generate the scenes with their captions.

    Args:
        n_train, n_val: images of seen pairs only.
        n_test: images in each test part (``test_seen`` and ``test_heldout``).
        seed: seeds everything (the same seed gives the same arrays).
        size: canvas side in pixels.
        two_fraction: share of scenes with two shapes (the rest have one).
        held_out: (colour, shape) pairs kept out of train and val.

    Returns:
        :class:`Scenes`; the vocabulary holds every word of every split (the held-out pairs' words
        are all seen in training, just not together).
    """
    held = [tuple(p) for p in held_out]
    for colour, shape in held:
        if colour not in COLOURS or shape not in SHAPES:
            raise ValueError(f"load_scenes: held-out pair {(colour, shape)!r} names an unknown "
                             f"colour or shape")
    seen = [(c, s) for c in COLOURS for s in SHAPES if (c, s) not in held]
    for word in (*COLOURS, *SHAPES):
        if not any(word in pair for pair in seen):
            raise ValueError(f"load_scenes: every pair with {word!r} is held out, so the word "
                             f"is never seen in training")
    rng = np.random.default_rng(seed)
    train = _sample(n_train, rng, seen, held, False, size, two_fraction)
    val = _sample(n_val, rng, seen, held, False, size, two_fraction)
    test_seen = _sample(n_test, rng, seen, held, False, size, two_fraction)
    test_heldout = _sample(n_test, rng, seen, held, True, size, two_fraction)
    words = ["a", *SIZES, *COLOURS, *SHAPES, "above", "left", "of"]
    vocab = WordVocab(("<unk>", *words))
    return Scenes(train, val, test_seen, test_heldout, vocab, tuple(held),
                  {**scenes_provenance(held, size), "seed": seed,
                   "sizes": {"train": n_train, "val": n_val, "test_seen": n_test,
                             "test_heldout": n_test}})


# --------------------------------------------------------------------------- Flickr8k

FLICKR8K_IMAGES = RemoteSource(
    name="flickr8k-images",
    url="https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/Flickr8k_Dataset.zip",
    sha256="", filename="Flickr8k_Dataset.zip", sha256_env="RNN_COURSE_FLICKR8K_IMAGES_SHA256",
    licence="research use (Hodosh et al. 2013); images belong to their Flickr authors",
    homepage="https://hockenmaier.cs.illinois.edu/8k-pictures.html")
FLICKR8K_TEXT = RemoteSource(
    name="flickr8k-text",
    url="https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/Flickr8k_text.zip",
    sha256="", filename="Flickr8k_text.zip", sha256_env="RNN_COURSE_FLICKR8K_TEXT_SHA256",
    licence="research use (Hodosh et al. 2013)",
    homepage="https://hockenmaier.cs.illinois.edu/8k-pictures.html")
#: Environment variables holding the zips' SHA-256 (see the module docstring).
SHA256_ENVS = {"images": FLICKR8K_IMAGES.sha256_env, "text": FLICKR8K_TEXT.sha256_env}
_SPLIT_FILES = {"train": "Flickr_8k.trainImages.txt", "val": "Flickr_8k.devImages.txt",
                "test": "Flickr_8k.testImages.txt"}
_TOKENS = "Flickr8k.token.txt"


def normalise_caption(text: str) -> str:
    """Lower case, letters only (punctuation and digits dropped), single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[^a-z ]", " ", text.lower())).strip()


def _member(archive: zipfile.ZipFile, basename: str) -> str:
    for name in archive.namelist():
        if name.rsplit("/", 1)[-1] == basename:
            return name
    raise MissingDataSourceError(f"flickr8k: {archive.filename} holds no {basename}")


def read_flickr8k_text(path: str | os.PathLike) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Parse the text zip: ``(captions, splits)``.

    Returns:
        ``captions``: image file name -> its normalised captions in order (``#0`` to ``#4``);
        ``splits``: ``"train"``, ``"val"``, ``"test"`` -> image file names, in file order.

    Raises:
        MissingDataSourceError: the zip lacks the token file or a split file.
    """
    captions: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        text = archive.read(_member(archive, _TOKENS)).decode("utf-8")
        for line in text.splitlines():
            if "\t" not in line:
                continue
            key, caption = line.split("\t", 1)
            image = key.split("#", 1)[0].strip()
            captions.setdefault(image, []).append(normalise_caption(caption))
        splits = {}
        for split, name in _SPLIT_FILES.items():
            lines = archive.read(_member(archive, name)).decode("utf-8").split()
            splits[split] = [n for n in lines if n in captions]
    return captions, splits


@dataclasses.dataclass(frozen=True)
class Flickr8k:
    """Flickr8k images (uint8) with their captions, three splits, and a vocabulary."""

    images: dict[str, np.ndarray]
    captions: dict[str, list[list[str]]]
    vocab: WordVocab
    provenance: dict
    max_words: int

    def arrays(self, split: str) -> tuple[dict, np.ndarray]:
        """Teacher-forcing arrays with one row per (image, caption) pair."""
        images = np.repeat(self.images[split], [len(c) for c in self.captions[split]], axis=0)
        flat = [c for caps in self.captions[split] for c in caps]
        x, y = caption_arrays(images.astype(np.float32) / 255.0, flat, self.vocab,
                              self.max_words + 1)
        return x, y

    def first_captions(self, split: str) -> list[str]:
        return [caps[0] for caps in self.captions[split]]


def load_flickr8k(*, image_size: int = 64, max_words: int = 16, vocab_size: int = 5000,
                  max_images: int | None = None, sha256: dict | None = None,
                  urls: dict | None = None, cache: str | os.PathLike | None = None) -> Flickr8k:
    """Download (once) and read Flickr8k: resized images and normalised captions, by split.

    Args:
        image_size: images are resized (squashed) to ``image_size`` x ``image_size`` RGB.
        max_words: captions longer than this are cut.
        vocab_size: most frequent training words kept (the rest read ``<unk>``).
        max_images: keep the first this many images of each split (None: all).
        sha256: ``{"images": ..., "text": ...}`` checksums (default: the environment variables
            of :data:`SHA256_ENVS`).
        urls: ``{"images": ..., "text": ...}`` to fetch from instead (tests: ``file://`` URLs).
        cache: the cache folder.

    Raises:
        MissingDataSourceError: no checksum is known, a file could not be fetched, or a member is
            missing from a zip.
        DataChecksumError: a file is not the one its checksum names.
    """
    from PIL import Image

    sha256, urls = sha256 or {}, urls or {}
    text_src = FLICKR8K_TEXT.checked(sha256.get("text"))
    image_src = FLICKR8K_IMAGES.checked(sha256.get("images"))
    text_path = cached_download(text_src, cache, url=urls.get("text"))
    image_path = cached_download(image_src, cache, url=urls.get("images"))
    captions, splits = read_flickr8k_text(text_path)
    images, caps = {}, {}
    with zipfile.ZipFile(image_path) as archive:
        by_name = {n.rsplit("/", 1)[-1]: n for n in archive.namelist() if not n.endswith("/")}
        for split, names in splits.items():
            names = names[:max_images] if max_images is not None else names
            missing = [n for n in names if n not in by_name]
            if missing:
                raise MissingDataSourceError(f"flickr8k: {len(missing)} images of the {split} "
                                             f"split are missing from {image_path}, e.g. "
                                             f"{missing[0]}")
            pixels = np.zeros((len(names), image_size, image_size, 3), np.uint8)
            for i, name in enumerate(names):
                with Image.open(io.BytesIO(archive.read(by_name[name]))) as img:
                    pixels[i] = np.asarray(img.convert("RGB").resize((image_size, image_size),
                                                                     Image.BILINEAR))
            images[split] = pixels
            caps[split] = [[" ".join(c.split()[:max_words]) for c in captions[n]] for n in names]
    vocab = WordVocab.from_texts([c for cs in caps["train"] for c in cs], vocab_size)
    return Flickr8k(images, caps, vocab,
                    {"text": text_src.provenance(), "images": image_src.provenance(),
                     "image_size": image_size, "sizes": {k: len(v) for k, v in caps.items()}},
                    max_words)
