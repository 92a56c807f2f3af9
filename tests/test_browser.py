"""The desk in a real browser: headless Chromium (Debian's) driven by Playwright, against
``claimdesk ui`` serving a database on 127.0.0.1, as a fact-checker would use it.

Screenshots land in ``output/screenshots/`` for a person to look at; docs/desk-article.png
in the README is one of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import HOSTILE_ARTICLE, ROOT, build_desk, running_ui

CHROMIUM = Path("/usr/bin/chromium")
# As root, on a machine with no outside network: no sandbox, no GPU, no background calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "output" / "screenshots"


@pytest.fixture(scope="module")
def served(tmp_path_factory, rules):
    """``claimdesk ui`` on a free port, serving the seeds plus a hostile article."""
    output = tmp_path_factory.mktemp("desk")
    build_desk(output, rules, {"hostile.txt": HOSTILE_ARTICLE})
    with running_ui(output) as base:
        yield base, output


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A fresh Chromium profile and page; every dialog (an alert from injected script) is recorded."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), (
        "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            env={**os.environ, "HOME": str(tmp_path_factory.mktemp("chromium-home"))},
        )
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page
        context.close()


def test_facet_narrows_the_claims_to_denied(served, page) -> None:
    base, _ = served
    page.goto(f"{base}/claims/claim_sentences")
    assert page.locator("h1").inner_text().startswith("Claim sentences")
    page.locator(".facet-info[data-column=status] a", has_text="denied").first.click()
    page.wait_for_url("**status=denied**")
    badges = page.locator("td.col-status .cd-badge").all_inner_texts()
    assert badges and set(badges) == {"denied"}
    assert page.get_by_text("Tehran has denied these claims").count() >= 1
    page.screenshot(path=SHOTS / "claims-facet-denied.png", full_page=True)


def test_search_finds_sentences_and_highlights_cues(served, page) -> None:
    base, _ = served
    page.goto(f"{base}/claims/claim_sentences")
    page.fill("input#_search", "drones")
    page.locator("input#_search").press("Enter")
    page.wait_for_url("**_search=drones**")
    texts = page.locator("td.col-text").all_inner_texts()
    assert texts and all("drone" in t.lower() for t in texts)
    assert page.locator("td.col-text mark.cd-cue").count() >= 1
    page.screenshot(path=SHOTS / "claims-search-drones.png", full_page=True)


def test_article_page_colours_each_sentence_and_links_to_it(served, page) -> None:
    base, _ = served
    page.goto(f"{base}/claims/articles")
    page.locator("td.col-title a", has_text="Pezeshkian signed a broad cooperation").click()
    page.wait_for_url("**/-/claimdesk/claims/articles/**")
    sentences = page.locator(".cd-article a.cd-sentence")
    assert sentences.count() > 10
    assert page.locator(".cd-article a.cd-sentence.cd-denied").count() >= 1
    assert page.locator(".cd-article a.cd-sentence.cd-alleged").count() >= 1
    page.screenshot(path=SHOTS / "article.png", full_page=True)

    # Reading a sentence: its record with the status badge and the cue words marked.
    page.locator(".cd-article a.cd-sentence.cd-denied").first.click()
    page.wait_for_url("**/claims/sentences/**")
    assert page.locator("td.col-status .cd-badge").inner_text() == "denied"
    marks = page.locator("td.col-text mark.cd-cue.cd-denied")
    assert marks.count() >= 1 and "deni" in marks.first.inner_text().lower()
    page.screenshot(path=SHOTS / "sentence.png", full_page=True)


def test_hostile_article_renders_as_text_and_runs_no_script(served, page) -> None:
    base, _ = served
    page.goto(f"{base}/claims/articles")
    page.locator("td.col-title a", has_text="Harbour fire").click()
    page.wait_for_url("**/-/claimdesk/claims/articles/**")
    body = page.locator(".cd-article").inner_text()
    assert "<script>window.__pwned = 'script'; alert('script')</script>" in body
    assert "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">" in body
    assert page.locator(".cd-article img, .cd-article script").count() == 0
    page.screenshot(path=SHOTS / "hostile-article.png", full_page=True)
    for path in [
        "/claims/sentences?article_id__startswith=hostile",
        "/claims/articles",
        "/claims/claim_sentences",
        "/claims/claims",
    ]:
        page.goto(base + path)
        page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # give a broken image's onerror its chance to fire
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []


def test_claim_page_shows_one_claim_across_outlets(served, page) -> None:
    base, _ = served
    page.goto(f"{base}/claims/claims?status=disputed")
    page.locator("td.col-text a", has_text="In that time, Tehran has provided Moscow").click()
    page.wait_for_url("**/-/claimdesk/claims/claims/**")
    assert page.locator(".cd-claim-status .cd-badge").inner_text() == "disputed"
    outlets = page.locator("section.cd-outlet")
    names = [outlets.nth(i).get_attribute("data-outlet") for i in range(outlets.count())]
    assert sorted(names) == [
        "Unnamed outlet B",
        "Unnamed outlet C",
        "Unnamed outlet D",
        "Washington Examiner",
    ]
    statuses = {}
    for i in range(outlets.count()):
        section = outlets.nth(i)
        badges = section.locator(".cd-mention .cd-badge").all_inner_texts()
        assert badges, f"{names[i]} shows no mention"
        statuses[names[i]] = badges
    assert statuses["Unnamed outlet C"] == ["alleged", "denied"]  # the allegation, then Tehran's denial
    assert statuses["Unnamed outlet D"] == ["disputed"]
    assert page.locator(".cd-mention mark.cd-cue.cd-denied").count() >= 1
    page.screenshot(path=SHOTS / "claim.png", full_page=True)
    # A mention leads to its sentence in the article.
    page.locator(
        "section.cd-outlet[data-outlet='Unnamed outlet C'] a", has_text="in its article"
    ).last.click()
    page.wait_for_url("**/-/claimdesk/claims/articles/**#s-*")
    assert page.locator(".cd-article a.cd-sentence:target").inner_text().startswith("Tehran has denied")


def _table_fits(page) -> bool:
    """Whether the page's table is no wider than its box (Datasette's wrapper scrolls a wider one)."""
    return page.evaluate(
        "(() => { const t = document.querySelector('table.rows-and-columns');"
        " return t.scrollWidth <= t.parentElement.clientWidth; })()"
    )


def test_the_claims_list_fits_a_1280_pixel_screen_with_who_says_what(served, page) -> None:
    """The table the home page leads to shows each claim, its status and who asserts, alleges,
    denies or disputes it without scrolling sideways; the counts per status stay in the record."""
    base, _ = served
    page.goto(f"{base}/claims/claims")
    assert _table_fits(page)
    for shown in ("text", "status", "asserted_by", "alleged_by", "denied_by", "disputed_by"):
        assert page.locator(f"th.col-{shown}").is_visible(), shown
    for hidden in ("confirmed", "alleged", "denied", "disputed", "canonical_sentence_id"):
        assert page.locator(f"th.col-{hidden}").is_hidden(), hidden
    # the rows start on the first screen; what each column means is one click away
    assert page.locator("table.rows-and-columns tbody tr").first.bounding_box()["y"] < 900
    assert page.locator("dl.column-descriptions").is_hidden()
    page.locator("details.cd-column-descriptions summary").click()
    assert page.locator("dl.column-descriptions").is_visible()
    page.goto(f"{base}/claims/claim_mentions")  # grouping's working data stays in each record
    assert page.locator("th.col-signature").is_hidden() and page.locator("th.col-status").is_visible()


@pytest.mark.parametrize(
    ("table", "shown", "hidden"),
    [
        ("claim_sentences", ("text", "status", "outlet", "claim"), ("sentence_rowid", "quoted")),
        (
            "articles",
            ("title", "outlet", "text"),
            ("content_sha256", "rules_digest", "source_mtime_ns", "source_etag"),
        ),
    ],
)
def test_claim_sentences_and_articles_fit_a_1280_pixel_screen(served, page, table, shown, hidden) -> None:
    """They were 1,695 and 3,409 pixels wide, with search's row number and file stamps in view."""
    base, _ = served
    page.goto(f"{base}/claims/{table}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert _table_fits(page), table
    for column in shown:
        assert page.locator(f"th.col-{column}").is_visible(), column
    for column in hidden:
        assert page.locator(f"th.col-{column}").is_hidden(), column


def test_sentences_fit_a_1280_pixel_screen_and_open_in_context(served, page) -> None:
    base, _ = served
    page.goto(f"{base}/claims/sentences?status=denied")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert _table_fits(page)  # Datasette scrolls a wide table inside its wrapper, not the page
    for internal in ("start", "end", "quoted", "source_type"):  # kept in each sentence's record
        assert page.locator(f"th.col-{internal}").is_hidden()
    assert page.locator("th.col-text").is_visible() and page.locator("th.col-status").is_visible()
    page.goto(f"{base}/claims/disputed_and_denied")
    assert page.locator("td.col-status .cd-badge").count() >= 2
    page.locator("td.col-sentence_id a.cd-context").first.click()
    page.wait_for_url("**/claims/sentence_in_context?sentence_id=**")
    assert page.get_by_text("this sentence").count() == 1
    page.screenshot(path=SHOTS / "sentence-in-context.png", full_page=True)
