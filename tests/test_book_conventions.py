"""Every chapter follows the page conventions of book/README.md, and the home page cannot go stale.

A chapter page reads: title, "What you will learn" (a bullet list), the content, `## Summary`
(3 to 6 points), `## Exercises` (sphinx-exercise `exercise` directives labelled
`<page>-exercise-<n>`, each followed by its `solution` in a dropdown), then `## References` when the
page cites anything. The home page's map links every chapter of `_toc.yml`, in the order of the
table of contents. The licence is stated on every page (the footer) and in the LICENSE files.
The last tests read the built website (`_build/html`, or ``BOOK_HTML``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from book_toc import toc_pages

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
HOME = TOC["root"]


CHAPTERS = toc_pages(ROOT)[1:]  # every chapter, without the home page
NAMES = [Path(page).name for page in CHAPTERS]


def markdown_of(page: str) -> str:
    """The page's MyST source without its YAML header and without its code cells."""
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    text = text.split("---", 2)[2]
    return re.sub(r"(?ms)^```\{code-cell\}.*?^```\n", "", text)


def title_of(page: str) -> str:
    match = re.search(r"(?m)^# (.+)$", markdown_of(page))
    assert match, f"{page}.md has no '# ' title"
    return match.group(1).strip()


def sections(page: str) -> list[tuple[str, str]]:
    """(heading, body) of each level-2 section, in order."""
    parts = re.split(r"(?m)^## (.+)$", markdown_of(page))
    return [(parts[k].strip(), parts[k + 1]) for k in range(1, len(parts), 2)]


def bullets(body: str) -> list[str]:
    return re.findall(r"(?m)^- ", body)


# --- the home page ------------------------------------------------------------------------------

def home_map_links() -> list[tuple[str, str]]:
    body = dict(sections(HOME))["Map of the chapters"]
    return re.findall(r"\[([^\]]+)\]\(([\w.]+)\.md\)", body)


def test_home_page_map_links_every_chapter_of_the_toc_in_order():
    linked = [target for _, target in home_map_links()]
    missing = [name for name in NAMES if name not in linked]
    assert not missing, f"the home page's chapter map lacks {missing}: add a row for each"
    assert linked == NAMES, f"the map's order {linked} differs from _toc.yml's {NAMES}"


@pytest.mark.parametrize("text, target", home_map_links())
def test_home_page_map_names_each_chapter_by_its_title(text, target):
    title = title_of(f"book/{target}")
    assert title.startswith(text), f"map row '{text}' does not match the title '{title}'"


def test_home_page_says_what_the_course_teaches_and_each_chapter_builds():
    text = markdown_of(HOME)
    learn = text.split("**What you will learn in this course**", 1)
    assert len(learn) == 2, "the home page needs '**What you will learn in this course**'"
    items = bullets(learn[1].split("\n\n\n")[0].split("\n## ")[0])
    assert len(items) >= 6
    for text_, target in home_map_links():
        row = re.search(rf"(?m)^\| \[{re.escape(text_)}\]\({target}\.md\) \| (.+) \|$",
                        dict(sections(HOME))["Map of the chapters"])
        assert row and len(row.group(1)) > 20, f"the map row of {target} says what it builds"


# --- every chapter ------------------------------------------------------------------------------

@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_starts_with_what_you_will_learn(page):
    text = markdown_of(page)
    after_title = text.split(f"# {title_of(page)}\n", 1)[1].lstrip()
    assert after_title.startswith("**What you will learn**"), (
        f"{page}.md: the first text after the title must be '**What you will learn**'")
    first_block = after_title.split("\n\n", 2)[1]
    assert first_block.startswith("- "), f"{page}.md: 'What you will learn' is a bullet list"


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_ends_with_summary_exercises_references_in_order(page):
    heads = [head for head, _ in sections(page)]
    cites = "{cite" in markdown_of(page) or page.endswith("bibliography")
    tail = ["Summary", "Exercises", "References"] if cites else ["Summary", "Exercises"]
    assert heads[-len(tail):] == tail, f"{page}.md ends with {heads[-len(tail):]}, expected {tail}"
    assert heads.count("Summary") == 1 and heads.count("Exercises") == 1


@pytest.mark.parametrize("page", CHAPTERS)
def test_summary_has_three_to_six_points(page):
    body = dict(sections(page))["Summary"]
    assert 3 <= len(bullets(body)) <= 6, f"{page}.md: Summary has {len(bullets(body))} points"


def exercises_of(page: str) -> str:
    return dict(sections(page))["Exercises"]


@pytest.mark.parametrize("page", [HOME, *CHAPTERS])
def test_exercises_are_numbered_labelled_with_solutions_in_dropdowns(page):
    body = exercises_of(page)
    name = Path(page).name
    blocks = re.findall(r"(?ms)^:::\{(exercise|solution)\}([^\n]*)\n(.*?)^:::$", body)
    assert blocks, f"{page}.md: no sphinx-exercise directives under ## Exercises"
    rest = re.sub(r"(?ms)^:::\{(exercise|solution)\}[^\n]*\n.*?^:::$", "", body)
    assert rest.strip() == "", f"{page}.md: text outside the exercises: {rest.strip()[:80]!r}"
    assert len(blocks) % 2 == 0
    for n, k in enumerate(range(0, len(blocks), 2), start=1):
        (kind_e, arg_e, body_e), (kind_s, arg_s, body_s) = blocks[k], blocks[k + 1]
        label = f"{name}-exercise-{n}"
        assert kind_e == "exercise" and arg_e.strip() == "", f"{page}.md: exercise {n}"
        assert body_e.startswith(f":label: {label}\n"), f"{page}.md: exercise {n} needs :label: {label}"
        assert not re.search(r"(?m)^\d+\. ", body_e), (
            f"{page}.md: a line of exercise {n} starts like a numbered list ('1. ')")
        assert kind_s == "solution" and arg_s.strip() == label, f"{page}.md: solution {n} of {label}"
        assert body_s.startswith(":class: dropdown\n"), f"{page}.md: solution {n} must be a dropdown"
        assert body_s.split("\n", 2)[2].strip(), f"{page}.md: solution {n} is empty"


@pytest.mark.parametrize("page", CHAPTERS)
def test_references_list_the_pages_citations(page):
    heads = dict(sections(page))
    if "References" not in heads:
        assert "{cite" not in markdown_of(page)
        return
    body = heads["References"]
    expected = ":all:" if page.endswith("bibliography") else ":filter: docname in docnames"
    assert "```{bibliography}" in body and expected in body


# --- licences -----------------------------------------------------------------------------------

def test_licence_files_say_which_licence_covers_what():
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    content = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")
    assert code.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in code
    assert "CC BY-SA 4.0" in content
    assert "https://creativecommons.org/licenses/by-sa/4.0/legalcode" in content
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    readme = (ROOT / "book" / "README.md").read_text(encoding="utf-8")
    assert "LICENSE-CONTENT" in readme and "LICENSE" in readme


def test_every_page_footer_states_the_licence():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    footer = config["html"]["extra_footer"]
    assert "CC BY-SA 4.0" in footer and "MIT" in footer
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in footer


# --- the built website --------------------------------------------------------------------------

def built(name: str) -> str:
    path = HTML / "book" / f"{name}.html"
    assert path.exists(), f"{path} is missing: build the book first (make book)"
    return path.read_text(encoding="utf-8")


@pytest.mark.book
@pytest.mark.parametrize("name", [Path(HOME).name, *NAMES])
def test_built_page_shows_the_licence_and_hides_the_solutions(name):
    html = built(name)
    assert "CC BY-SA 4.0" in html and "creativecommons.org/licenses/by-sa/4.0/" in html
    solutions = re.findall(r'<div class="solution ([^"]*)"', html)
    assert solutions, f"{name}.html has no solution"
    assert all("dropdown" in classes for classes in solutions), solutions


@pytest.mark.book
def test_exercises_are_linkable_by_their_labels():
    html = built("lstm_variants")
    for n in (1, 2, 3):
        assert f'id="lstm_variants-exercise-{n}"' in html
    assert "Exercise 2" in html


@pytest.mark.book
@pytest.mark.browser
def test_solution_is_hidden_until_its_toggle_is_clicked_and_exercises_are_linkable():
    """In headless Chromium: a solution's text is invisible, one click shows it; #label scrolls."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    assert (HTML / "book" / "lstm_variants.html").exists(), "build the book first (make book)"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/book/lstm_variants.html"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(url + "#lstm_variants-exercise-2", wait_until="load")
            exercise = page.locator("#lstm_variants-exercise-2")
            assert "Compare a coupled LSTM cell" in exercise.inner_text()
            # the theme scrolls smoothly, and MathJax moves the text while it typesets: wait for both
            top = None
            for _ in range(50):
                page.wait_for_timeout(100)
                top = exercise.bounding_box()["y"]
                if 0 <= top < 900:
                    break
            assert 0 <= top < 900, f"the link #lstm_variants-exercise-2 does not show the exercise ({top})"
            solution = page.locator("div.solution").nth(1)
            answer = solution.get_by_text("The two differ only in the extra")
            assert not answer.is_visible(), "the solution is visible before its toggle is clicked"
            solution.locator("button.toggle-button").click()
            answer.wait_for(state="visible", timeout=5000)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
