"""The shipped English text loads offline, matches its checksum, and rejects bad arguments."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest

from course_pkg.data import TextChecksumError, available_texts, load_text, text_info
from course_pkg.data import text as text_module


def test_moby_dick_is_the_only_shipped_text():
    assert available_texts() == ["moby_dick"]


def test_moby_dick_loads_with_expected_size_and_opening():
    text = load_text("moby_dick")
    assert len(text) == 263_314
    assert text.startswith("CHAPTER 1. Loomings.\n\nCall me Ishmael.")
    assert text.count("CHAPTER ") >= 30
    assert text.endswith("Ahab lurchingly paced the planks.\n")


def test_moby_dick_metadata_matches_file_bytes():
    info = text_info("moby_dick")
    data = resources.files("course_pkg.data").joinpath("texts", info.file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == info.sha256
    assert info.author == "Herman Melville"
    assert info.first_published == 1851
    assert "public domain" in info.licence.lower()


def test_default_name_is_moby_dick():
    assert load_text() == load_text("moby_dick")


def test_max_chars_truncates():
    assert load_text("moby_dick", max_chars=20) == "CHAPTER 1. Loomings."


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_max_chars_must_be_positive_integer(bad):
    with pytest.raises(ValueError, match="max_chars: expected a positive integer"):
        load_text("moby_dick", max_chars=bad)


def test_unknown_name_lists_available_texts():
    with pytest.raises(KeyError, match="unknown text 'hamlet'; available texts: moby_dick"):
        load_text("hamlet")


def test_non_string_name_is_a_type_error():
    with pytest.raises(TypeError, match="name: expected a string, got int"):
        load_text(3)


def test_damaged_file_fails_the_checksum(monkeypatch, tmp_path):
    info = text_info("moby_dick")
    (tmp_path / "moby_dick.json").write_text(
        resources.files("course_pkg.data").joinpath("texts", "moby_dick.json").read_text("utf-8"),
        encoding="utf-8",
    )
    (tmp_path / info.file).write_text("Call me Ishmael, but edited.\n", encoding="utf-8")
    monkeypatch.setattr(text_module, "_texts_dir", lambda: tmp_path)
    text_module._load_checked.cache_clear()
    try:
        with pytest.raises(TextChecksumError, match="has SHA-256 .* expected 58f27e22"):
            load_text("moby_dick")
    finally:
        text_module._load_checked.cache_clear()
