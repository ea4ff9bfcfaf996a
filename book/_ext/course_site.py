"""Site-wide fixes for the course website, loaded through ``sphinx.local_extensions`` in _config.yml.

* Bibliography labels in author-year form ("Appleyard et al., 2016"), matching the author-year
  citations in the text (``bibtex_reference_style: author_year``): a pybtex label style and a
  formatting style that uses it, selected by ``bibtex_default_style: course_author_year``.
* No thebe configuration on the pages: Jupyter Book always loads sphinx-thebe, whose inline
  ``const THEBE_JS_URL`` script is emitted twice under Sphinx 7.4 (a JavaScript error on every
  page). This site has no thebe launch button, so sphinx-thebe's scripts are not added at all.
* The ".ipynb" download of a page is the notebook Colab opens (``book/<page>.ipynb`` of the
  repository, without outputs), not a second copy of the page's executed outputs: the theme copies
  the executed notebook into ``_sources``, which would double the weight of every figure on the
  site. Readers run the notebook themselves, as on Colab.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx

LABEL_STYLE = "course_author_year"


def _plain(latex: str) -> str:
    """``Ko{\\v{c}}isk{\\'y}`` -> ``Kočiský``."""
    return Text.from_latex(latex).render_as("text")


def _surname(person: object) -> str:
    return _plain(" ".join(person.prelast_names + person.last_names))


class AuthorYearLabelStyle(BaseLabelStyle):
    """``Surname, 2016``, ``A and B, 2016``, ``A et al., 2016``; ``2016a``/``2016b`` for clashes."""

    def format_labels(self, sorted_entries: Iterable[object]) -> Iterator[str]:
        bases = [self._base(entry) for entry in sorted_entries]
        clashes = Counter(bases)
        seen: Counter[str] = Counter()
        for base in bases:
            if clashes[base] == 1:
                yield base
            else:
                yield base + "abcdefghijklmnopqrstuvwxyz"[seen[base]]
                seen[base] += 1

    @staticmethod
    def _base(entry: object) -> str:
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_surname(person) for person in persons]
        if names[-1:] == ["others"]:  # "A and others" in the .bib: et al.
            names = names[:-1] + ["", ""]
        if not names:
            who = _plain(entry.fields.get("organization", entry.key))
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(UnsrtStyle):
    """pybtex's unsrt entries, sorted by author and year, labelled author-year."""

    default_label_style = LABEL_STYLE
    default_sorting_style = "author_year_title"


def _drop_thebe(app: Sphinx) -> None:
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    if launch.get("thebe"):
        return
    import sphinx_thebe

    for listener in list(app.events.listeners.get("env-before-read-docs", [])):
        if listener.handler is sphinx_thebe.init_thebe_core:
            app.disconnect(listener.id)


def _citation_list_items(app: Sphinx, pagename: str, templatename: str, context: dict,
                         doctree: object) -> None:
    """Bibliography entries as list items of their ``role="list"`` container.

    docutils marks each entry ``role="doc-biblioentry"`` inside ``<div role="list">``; that DPUB
    role is deprecated and is not a list item, so a list with no items is announced
    (axe-core: aria-required-children, critical).
    """
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _download_the_colab_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Replace each executed ``_sources/<page>.ipynb`` by the repository's paired notebook."""
    if exception is not None or app.builder.format != "html":
        return
    sources = Path(app.outdir) / "_sources"
    for executed in sources.rglob("*.ipynb"):
        paired = Path(app.srcdir) / executed.relative_to(sources)
        if paired.is_file():
            shutil.copyfile(paired, executed)


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.labels", LABEL_STYLE, AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", LABEL_STYLE, AuthorYearStyle)
    app.connect("builder-inited", _drop_thebe)
    app.connect("html-page-context", _citation_list_items)
    app.connect("build-finished", _download_the_colab_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
