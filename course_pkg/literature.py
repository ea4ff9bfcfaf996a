"""Applications of recurrent networks in the literature that the lectures show: who did what, with
which input/output pattern, on which data and compute, and which chapter teaches the mechanism.

Two tables, kept as data so that the page *Applications in the literature* draws its figures from
them and the tests can check them (every citation key in ``book/references.bib``, every chapter in
``_toc.yml``, every pattern one of :data:`PATTERN_LABELS`):

- :data:`APPLICATIONS`, one :class:`Application` per line of work;
- :data:`CITED_RESULTS`, the figures quoted from the papers' own tables, one :class:`CitedResult`
  each. Only figures checked against the papers are here; where the page is not sure of a figure
  it names the metric and gives no number.

    >>> by_key("translation").pattern
    'encoder_decoder'
    >>> [r.value for r in results_for("sutskever2014", metric="BLEU")][:2]
    [33.3, 26.17]

Pure Python: importing this module loads neither NumPy nor Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PATTERN_LABELS",
    "PATTERN_NAMES",
    "Application",
    "CitedResult",
    "APPLICATIONS",
    "CITED_RESULTS",
    "by_key",
    "results_for",
    "citation_keys",
]

#: The input/output patterns of the course (keys of ``course_pkg.plots.unrolled.PATTERNS``, the
#: names of {doc}`why_sequences` and {doc}`unfolding`), with the label the page prints.
PATTERN_LABELS: dict[str, str] = {
    "one_to_many": "one-to-many",
    "many_to_one": "many-to-one",
    "many_to_many": "many-to-many, $T_x = T_y$",
    "encoder_decoder": "many-to-many, $T_x \\neq T_y$",
}

#: The same patterns in plain text, for printing.
PATTERN_NAMES: dict[str, str] = {
    "one_to_many": "one-to-many",
    "many_to_one": "many-to-one",
    "many_to_many": "many-to-many, Tx = Ty",
    "encoder_decoder": "many-to-many, Tx ≠ Ty",
}


@dataclass(frozen=True)
class Application:
    """One application from the literature.

    Attributes:
        key: short identifier (unique), e.g. ``"lipreading"``.
        name: what it does, as the page's table names it.
        short: the name on the map of applications (two short lines at most).
        cited_as: the main paper as a reader cites it, e.g. ``"Assael et al. 2016"``.
        citations: BibTeX keys of ``book/references.bib`` (the first is the main paper).
        pattern: the input/output pattern, a key of :data:`PATTERN_LABELS`.
        data: the data set, in a few words.
        compute: the compute, in a few words ("not given here" where this page does not state it).
        result: the metric it reports (and the figure, when :data:`CITED_RESULTS` holds it).
        chapters: the course chapters (``book/<name>.md``) that teach its mechanism.
    """

    key: str
    name: str
    short: str
    cited_as: str
    citations: tuple[str, ...]
    pattern: str
    data: str
    compute: str
    result: str
    chapters: tuple[str, ...]


@dataclass(frozen=True)
class CitedResult:
    """One figure quoted from a paper's table.

    Attributes:
        citation: BibTeX key of the paper.
        setting: the test condition (e.g. ``"WMT'14 En→Fr test"``, ``"unseen speakers"``).
        system: the system the row describes, in the paper's words.
        metric: ``"BLEU"``, ``"WER"``, ``"CER"`` or ``"METEOR"`` (all in %, BLEU in points).
        value: the figure as the paper prints it.
        higher_is_better: direction of the metric.
        decimals: the decimals the paper prints (33.30 has 2).
    """

    citation: str
    setting: str
    system: str
    metric: str
    value: float
    higher_is_better: bool
    decimals: int = 1

    @property
    def printed(self) -> str:
        """The value as the paper prints it: ``"33.30"``."""
        return f"{self.value:.{self.decimals}f}"


APPLICATIONS: tuple[Application, ...] = (
    Application(
        key="translation",
        short="Translation En→Fr",
        cited_as="Sutskever et al. 2014",
        name="Machine translation, English → French",
        citations=("sutskever2014",),
        pattern="encoder_decoder",
        data="WMT'14, 12 M sentence pairs",
        compute="8 GPUs, about 10 days",
        result="BLEU 34.81 (ensemble); 36.5 rescoring",
        chapters=("translation",),
    ),
    Application(
        key="lipreading",
        short="Lip reading (LipNet)",
        cited_as="Assael et al. 2016",
        name="Lip reading of whole sentences (LipNet)",
        citations=("assael2016",),
        pattern="encoder_decoder",
        data="GRID corpus, 34 speakers",
        compute="not given here",
        result="WER 4.8 % (overlapped), 11.4 % (unseen)",
        chapters=("speech_ctc",),
    ),
    Application(
        key="diagnosis",
        short="Diagnosis, ICU data",
        cited_as="Lipton et al. 2016",
        name="Diagnoses from intensive-care time series",
        citations=("lipton2016",),
        pattern="many_to_one",
        data="PICU episodes, 13 measurements, 128 labels",
        compute="not given here",
        result="micro/macro AUC and F1 vs an MLP",
        chapters=("time_series", "sentiment"),
    ),
    Application(
        key="stocks",
        short="Stocks from news",
        cited_as="Yoshihara et al. 2014",
        name="Stock trends from news",
        citations=("yoshihara2014",),
        pattern="many_to_one",
        data="Nikkei news articles and prices",
        compute="not given here",
        result="test error rate vs SVM and DBN",
        chapters=("time_series",),
    ),
    Application(
        key="video_to_text",
        short="Video to text (S2VT)",
        cited_as="Venugopalan et al. 2015",
        name="Describing videos in a sentence (S2VT)",
        citations=("venugopalan2015",),
        pattern="encoder_decoder",
        data="MSVD (YouTube), M-VAD, MPII-MD",
        compute="ImageNet CNN features + LSTMs",
        result="METEOR 29.8 (MSVD), 6.7 (M-VAD)",
        chapters=("video", "captioning"),
    ),
    Application(
        key="handwriting",
        short="Handwriting",
        cited_as="Graves 2013",
        name="Handwriting generation",
        citations=("graves2013",),
        pattern="one_to_many",
        data="IAM-OnDB pen trajectories",
        compute="not given here",
        result="log-loss; samples judged by eye",
        chapters=("char_lm", "translation"),
    ),
    Application(
        key="sounds",
        short="Sounds for video",
        cited_as="Owens et al. 2016",
        name="Sounds for silent videos",
        citations=("owens2016",),
        pattern="many_to_many",
        data="Greatest Hits: drumstick videos",
        compute="CNN features + LSTM",
        result="listeners' real-or-fake study",
        chapters=("video",),
    ),
    Application(
        key="vqa",
        short="Visual questions",
        cited_as="Antol et al. 2015",
        name="Visual question answering",
        citations=("antol2015", "malinowski2015"),
        pattern="many_to_one",
        data="VQA (COCO images); DAQUAR",
        compute="not given here",
        result="answer accuracy; WUPS",
        chapters=("sentiment", "captioning"),
    ),
    Application(
        key="chatbot",
        short="Chat-bots",
        cited_as="Vinyals and Le 2015",
        name="Chat-bots",
        citations=("vinyals2015conversation", "serban2016"),
        pattern="encoder_decoder",
        data="IT help desk, OpenSubtitles; MovieTriples",
        compute="not given here",
        result="perplexity; human preference",
        chapters=("translation",),
    ),
    Application(
        key="text_to_image",
        short="Text to image",
        cited_as="Reed et al. 2016",
        name="Images from captions",
        citations=("reed2016", "mansimov2016"),
        pattern="many_to_one",
        data="CUB birds, Oxford flowers, MS COCO",
        compute="not given here",
        result="samples judged by eye",
        chapters=("deep_bidirectional",),
    ),
    Application(
        key="dna",
        short="DNA function (DanQ)",
        cited_as="Quang and Xie 2016",
        name="Function of DNA sequences (DanQ)",
        citations=("quang2016",),
        pattern="many_to_one",
        data="1000-base windows, 919 chromatin labels",
        compute="not given here",
        result="ROC and PR AUC per label vs DeepSEA",
        chapters=("deep_bidirectional",),
    ),
)

_WMT = "WMT'14 En→Fr test"
_GRID_SEEN = "overlapped speakers"
_GRID_UNSEEN = "unseen speakers"

CITED_RESULTS: tuple[CitedResult, ...] = (
    # Sutskever et al. (2014), tables 1 and 2 (BLEU on the whole test set; the LSTMs with beam 12)
    CitedResult("sutskever2014", _WMT, "phrase-based SMT baseline", "BLEU", 33.30, True, 2),
    CitedResult("sutskever2014", _WMT, "single forward LSTM", "BLEU", 26.17, True, 2),
    CitedResult("sutskever2014", _WMT, "single reversed LSTM", "BLEU", 30.59, True, 2),
    CitedResult("sutskever2014", _WMT, "ensemble of 5 reversed LSTMs", "BLEU", 34.81, True, 2),
    CitedResult("sutskever2014", _WMT, "SMT 1000-best rescored by the ensemble", "BLEU", 36.5, True, 1),
    # Assael et al. (2016), GRID corpus (the people: average of three hearing-impaired lip readers)
    CitedResult("assael2016", _GRID_SEEN, "LipNet", "CER", 1.9, False),
    CitedResult("assael2016", _GRID_SEEN, "LipNet", "WER", 4.8, False),
    CitedResult("assael2016", _GRID_UNSEEN, "LipNet", "CER", 6.4, False),
    CitedResult("assael2016", _GRID_UNSEEN, "LipNet", "WER", 11.4, False),
    CitedResult("assael2016", _GRID_UNSEEN, "hearing-impaired people", "WER", 47.7, False),
    # Venugopalan et al. (2015)
    CitedResult("venugopalan2015", "MSVD (YouTube)", "S2VT, RGB (VGG) + flow (AlexNet)", "METEOR", 29.8, True),
    CitedResult("venugopalan2015", "M-VAD (movies)", "S2VT", "METEOR", 6.7, True),
)


def by_key(key: str) -> Application:
    """The application whose ``key`` is ``key``; a ``KeyError`` naming the known keys otherwise."""
    for application in APPLICATIONS:
        if application.key == key:
            return application
    raise KeyError(f"by_key: no application {key!r}; known: {', '.join(a.key for a in APPLICATIONS)}")


def results_for(citation: str, *, metric: str | None = None, setting: str | None = None) -> list[CitedResult]:
    """The cited results of one paper, in table order, optionally of one metric and one setting."""
    return [r for r in CITED_RESULTS
            if r.citation == citation and metric in (None, r.metric) and setting in (None, r.setting)]


def citation_keys() -> set[str]:
    """Every BibTeX key the two tables use."""
    return {key for a in APPLICATIONS for key in a.citations} | {r.citation for r in CITED_RESULTS}
