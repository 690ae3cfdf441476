"""The website (`make site`, build/site/) in a real browser: headless Chromium, Playwright.

build/site/ is served on 127.0.0.1 (a random free port, from a thread), and every page of the
table of contents is opened: its title is the notebook's, its figures load, its equations are
typeset by MathJax, every link inside the site answers, prev/next follow the reading order, and
its launch and download links point where they should. Without a public repository address in
pyproject.toml the site must show no Binder or Colab link and say how to run the notebooks
locally instead. Screenshots of the landing page and of 06 go to test-artifacts/ (gitignored).

Accessibility, as pydata-sphinx-theme checks its own pages: every page of the site, the search
page with results and the index too, is audited with axe-core (tests/package.json pins it) for
the WCAG 2.0 and 2.1 A and AA rules, and has no serious or critical violation but those listed in
ACCEPTED with their reason; and again in the dark colour scheme, for colour contrast. A check of
our own: every image has a text alternative that describes it, neither missing, empty, a few words,
nor its file name or address (the default docutils writes), and every figure of the notebooks has
one in its cell's metadata (site/alt_text.py lists those that have not).

The site must have been built (`make test` builds it first): a missing site is a failure. Without
Chromium, Playwright or axe-core the test is skipped with the reason, unless CI is "true".
"""

import functools
import http.server
import json
import pathlib
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "site"))
import alt_text  # noqa: E402  (site/alt_text.py)
from test_binder import repository_address  # noqa: E402
from test_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    describe,
    failing,
    missing_axe,
    missing_browser,
    unavailable,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
BRANCH = yaml.safe_load((ROOT / "site" / "_config.yml").read_text())["repository"]["branch"]


def reading_order():
    """The pages' names (paths under notebooks/ without suffix) in the order of site/_toc.yml."""
    toc = yaml.safe_load((ROOT / "site" / "_toc.yml").read_text())
    names = [toc["root"]]
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            if "file" in chapter:
                names.append(chapter["file"])
            else:  # a glob, as Sphinx expands it: sorted
                paths = sorted(NOTEBOOKS.glob(chapter["glob"] + ".ipynb"))
                names += [path.relative_to(NOTEBOOKS).with_suffix("").as_posix() for path in paths]
    return names


PAGES = reading_order()
# Every page of the site: the table of contents, and the pages Sphinx adds (index.html is only a
# redirect to the first page). search.html is audited showing results, for "scan".
AUDITED = PAGES + ["search", "genindex"]
SEARCH = "search.html?q=scan"
# Serious or critical violations accepted, {axe rule: the reason}. None so far: those the site had
# (WCAG 2.5.3, label in name, on the theme's search and colour-mode buttons; 1.4.3, contrast, of
# `make lab` in the banner and of a search term in dark mode) are fixed in site/templates/ and
# site/static/site.css.
ACCEPTED = {}


def source(name):
    """The file a page is built from: notebooks/NAME.ipynb, or notebooks/NAME.md."""
    notebook = NOTEBOOKS / f"{name}.ipynb"
    return notebook if notebook.exists() else NOTEBOOKS / f"{name}.md"


def shown_cells(name):
    """(cell type, source, outputs) of the cells a page shows: those not tagged remove-cell."""
    path = source(name)
    if path.suffix == ".md":
        return [("markdown", path.read_text(), [])]
    cells = json.loads(path.read_text())["cells"]
    return [
        (cell["cell_type"], "".join(cell["source"]), cell.get("outputs", []))
        for cell in cells
        if "remove-cell" not in cell["metadata"].get("tags", [])
    ]


def expected_title(name):
    """The first `# Heading` of the page's source."""
    for kind, text, _ in shown_cells(name):
        match = re.search(r"^# (.+)$", text, re.MULTILINE) if kind == "markdown" else None
        if match:
            return re.sub(r"[`*]", "", match.group(1)).strip()
    raise AssertionError(f"{source(name)} has no # title")


def stored_figures(name):
    """How many pictures the page must show: image outputs and pictures in markdown cells."""
    count = 0
    for kind, text, outputs in shown_cells(name):
        if kind == "markdown":
            count += len(re.findall(r"!\[[^\]]*\]\([^)]+\)|<img\s", text))
        count += sum(
            any(mime.startswith("image/") for mime in output.get("data", {})) for output in outputs
        )
    return count


def has_math(name):
    return any(
        kind == "markdown" and re.search(r"\$[^$\n]+\$", text)
        for kind, text, _ in shown_cells(name)
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    reason = missing_browser()
    if reason:
        unavailable(reason)
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE.relative_to(ROOT)}/ has no site: build it with `make site`")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@functools.cache
def fetch(url):
    """(HTTP status, body) of a URL on the test server."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_every_notebook_has_a_page_in_reading_order():
    numbered = sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [name for name in PAGES if re.fullmatch(r"\d\d_\w+", name)] == numbered
    solutions = sorted(path.stem for path in NOTEBOOKS.glob("solutions/*.ipynb"))
    assert [name.removeprefix("solutions/") for name in PAGES if "/" in name] == solutions


@pytest.mark.parametrize("name", PAGES)
def test_page(site_url, browser, name):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(30_000)
    outside = []  # the site must not need the internet: no CDN, no web fonts
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((site_url, "data:"))
            else None
        ),
    )
    try:
        url = urllib.parse.urljoin(site_url, f"{name}.html")
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url

        # the title is the notebook's
        title = expected_title(name)
        assert page.title().startswith(title), (page.title(), title)
        assert page.locator("main h1").first.inner_text().strip(" #¶\n") == title

        # every figure loaded, and none of the stored ones is missing
        sizes = page.locator("img").evaluate_all(
            "images => images.map(i => [i.src, i.complete, i.naturalWidth])"
        )
        broken = [src for src, complete, width in sizes if not (complete and width > 0)]
        assert not broken, f"broken images on {name}: {broken}"
        figures = page.locator("article.bd-article img")
        assert figures.count() >= stored_figures(name), (figures.count(), stored_figures(name))

        # equations typeset by MathJax, without errors, and no TeX left as text
        if has_math(name):
            page.wait_for_function("() => window.MathJax?.startup?.promise")
            page.evaluate("() => MathJax.startup.promise")
            maths = page.locator("main .math")
            assert maths.count() > 0
            untypeset = maths.evaluate_all(
                "ms => ms.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent)"
            )
            assert not untypeset, f"equations left as TeX on {name}: {untypeset[:3]}"
            assert page.locator("mjx-merror").count() == 0, f"a MathJax error on {name}"
        assert "$$" not in page.locator("main").inner_text()

        # every link, script, style and picture inside the site answers, and its #anchor exists
        targets = page.evaluate(
            """() => [...document.querySelectorAll('a[href], link[href], script[src], img[src]')]
                .map(e => e.href || e.src)"""
        )
        for target in sorted(set(targets)):
            if not target.startswith(site_url):
                continue
            address, _, anchor = target.partition("#")
            status, body = fetch(address)
            assert status == 200, f"{name} links to {target}: HTTP {status}"
            if anchor and address.endswith(".html"):
                assert f'id="{anchor}"'.encode() in body, f"{name} links to a missing {target}"

        # previous / next follow the table of contents
        position = PAGES.index(name)
        links = {"left-prev": position - 1, "right-next": position + 1}
        for css, neighbour in links.items():
            link = page.locator(f"a.{css}")
            if 0 <= neighbour < len(PAGES):
                href = urllib.parse.urljoin(url, link.get_attribute("href"))
                assert href == urllib.parse.urljoin(site_url, f"{PAGES[neighbour]}.html"), css
            else:
                assert link.count() == 0, css

        # the source to download is the stored notebook itself
        suffix = source(name).suffix
        downloads = [
            urllib.parse.urljoin(url, href)
            for href in page.locator("a[href]").evaluate_all("as => as.map(a => a.href)")
            if href.endswith(f"_sources/{name}{suffix}")
        ]
        assert downloads, f"{name} has no link to download {name}{suffix}"
        assert fetch(downloads[0]) == (200, source(name).read_bytes())

        # launch buttons from pyproject's address; without one, no dead link and a way to run it
        hrefs = page.locator("a[href]").evaluate_all("as => as.map(a => a.href)")
        launch = [h for h in hrefs if "mybinder.org" in h or "colab.research.google.com" in h]
        address = repository_address()
        if address is None:
            assert not launch, f"{name} links to {launch} but the repository has no address"
            assert "make lab" in page.locator(".bd-header-announcement").inner_text()
        elif suffix == ".ipynb":
            repo = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?/?", address)[1]
            path = f"notebooks/{name}.ipynb"
            assert set(launch) == {
                f"https://mybinder.org/v2/gh/{repo}/{BRANCH}?urlpath=lab/tree/{path}",
                f"https://colab.research.google.com/github/{repo}/blob/{BRANCH}/{path}",
            }
        assert not outside, f"{name} loaded from outside the site: {outside}"

        if name in (PAGES[0], "06_any_length"):
            ARTIFACTS.mkdir(exist_ok=True)
            picture = "landing" if name == PAGES[0] else name
            page.screenshot(path=ARTIFACTS / f"site_{picture}.png")
            if figures.count():  # and the page where its first figure is
                figures.first.scroll_into_view_if_needed()
                page.screenshot(path=ARTIFACTS / f"site_{picture}_figure.png")
    finally:
        page.close()


def test_the_address_of_the_site_opens_the_landing_page(site_url, browser):
    page = browser.new_page()
    try:
        page.goto(site_url)
        page.wait_for_url(urllib.parse.urljoin(site_url, f"{PAGES[0]}.html"))
        assert page.title().startswith(expected_title(PAGES[0]))
    finally:
        page.close()


def test_search_finds_the_notebooks(site_url, browser):
    page = browser.new_page()
    try:
        page.goto(urllib.parse.urljoin(site_url, "search.html?q=scan"))
        results = page.locator("#search-results li a")
        results.first.wait_for(timeout=30_000)
        found = {href.split("#")[0] for href in results.evaluate_all("as => as.map(a => a.href)")}
        assert urllib.parse.urljoin(site_url, "04_scan.html") in found, found
    finally:
        page.close()


@pytest.fixture(scope="module")
def axe():
    reason = missing_axe()
    if reason:
        unavailable(reason)


def open_page(browser, site_url, name, color_scheme="light"):
    """A new tab showing the page, its search results and equations drawn, in a colour scheme."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, color_scheme=color_scheme)
    page.set_default_timeout(30_000)
    address = SEARCH if name == "search" else f"{name}.html"
    response = page.goto(urllib.parse.urljoin(site_url, address), wait_until="load")
    assert response.status == 200, address
    if name == "search":  # the results are written by the page's script
        page.locator("#search-results li a").first.wait_for()
    if page.evaluate("() => Boolean(window.MathJax?.startup?.promise)"):
        page.evaluate("() => MathJax.startup.promise")
    # The theme fades its colours in when it applies the scheme: audit the colours it ends with
    page.evaluate(
        "() => Promise.all(document.getAnimations().map(animation => animation.finished))"
    )
    return page


def test_every_page_of_the_site_is_audited(site_url):
    built = {
        path.relative_to(SITE).with_suffix("").as_posix()
        for path in SITE.rglob("*.html")
        if not path.relative_to(SITE).parts[0].startswith("_")  # _static/, _sources/
    }
    assert built - {"index"} == set(AUDITED)


@pytest.mark.parametrize("name", AUDITED)
def test_page_passes_the_accessibility_audit(site_url, browser, axe, name):
    # all of WCAG 2.0/2.1 A and AA as the page opens, and colour contrast again in dark mode
    found = {}
    for scheme, rules in [("light", None), ("dark", ["color-contrast", "link-in-text-block"])]:
        page = open_page(browser, site_url, name, scheme)
        try:
            found[scheme] = failing(axe_violations(page, rules=rules), ACCEPTED)
        finally:
            page.close()
    assert not any(found.values()), "\n".join(
        f"{name}, {scheme} colour scheme:\n{describe(violations)}"
        for scheme, violations in found.items()
        if violations
    )


@pytest.mark.parametrize("name", PAGES)
def test_page_images_have_alt_text(site_url, browser, name):
    page = open_page(browser, site_url, name)
    try:
        images = page.locator("img").evaluate_all(
            "images => images.map(i => [i.getAttribute('src'), i.getAttribute('alt')])"
        )
    finally:
        page.close()
    wrong = [
        f"{src}: {alt_text.problem(alt, src)} ({alt!r})"
        for src, alt in images
        if alt_text.problem(alt, src)
    ]
    # and the alt text a notebook cell's metadata gives is the one its figure has on the page
    shown = {" ".join(alt.split()) for _, alt in images if alt}
    if source(name).suffix == ".ipynb":
        wrong += [
            f"cell {figure.cell}: its alt text is not on the page: {figure.alt!r}"
            for figure in alt_text.figures(source(name))
            if figure.alt and " ".join(figure.alt.split()) not in shown
        ]
    assert not wrong, f"{name}: images without a text alternative that describes them\n" + (
        "\n".join(wrong) + "\n(`.venv/bin/python site/alt_text.py` lists them by cell)"
    )


def test_every_figure_in_the_notebooks_has_alt_text():
    # no browser needed: the figures of every notebook and solution, from the .ipynb files
    wrong = alt_text.missing()
    assert not wrong, "figures without a text alternative:\n" + alt_text.report(wrong)


@pytest.mark.parametrize(
    "alt, src, wrong",
    [
        (None, "_images/3f2a.png", "no alt text"),
        ("", "_images/3f2a.png", "empty alt text"),
        ("_images/3f2a.png", "_images/3f2a.png", "alt text is the file name or address"),
        ("../_images/3f2a.png", "../_images/3f2a.png", "alt text is the file name or address"),
        ("gru_cell.svg", "_images/gru_cell.svg", "alt text is the file name or address"),
        ("gru_cell", "_images/gru_cell.svg", "alt text is the file name or address"),
        ("loss plot", "_images/3f2a.png", "alt text of 2 words"),
        (
            "Cross-entropy falls below 0.01 by step 300; squared error stays near 0.2",
            "x.png",
            None,
        ),
    ],
)
def test_the_alt_text_rule(alt, src, wrong):
    found = alt_text.problem(alt, src)
    assert (found is None) if wrong is None else found.startswith(wrong), found


def test_a_figure_without_alt_metadata_is_found(tmp_path):
    output = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0K"}}
    cell = {"cell_type": "code", "id": "plot", "source": "plt.plot(x)", "outputs": [output]}
    path = tmp_path / "figure.ipynb"

    def problems(metadata, outputs=1):
        cell.update(metadata=metadata, outputs=[output] * outputs)
        path.write_text(json.dumps({"cells": [cell]}))
        return [reason.split(":")[0] for _, reason in alt_text.missing([path])]

    described = "The gate g = σ(s) rises from 0 to 1 around s = 0 and saturates beyond 5."
    assert problems({}) == ["no alt text"]
    assert problems({"mystnb": {"image": {"alt": "plot.png"}}}) == [
        "alt text is the file name or address"
    ]
    assert problems({"mystnb": {"image": {"alt": described}}}) == []
    assert problems({"mystnb": {"image": {"alt": described}}}, outputs=2) == [
        "2 images in one cell share one alt text"
    ]
    picture = {"cell_type": "markdown", "id": "diagram", "metadata": {}, "outputs": []}
    two_lines = described.replace(" around ", " around\n")
    picture["source"] = f"![{two_lines}](figures/gate.png)"
    path.write_text(json.dumps({"cells": [picture]}))
    assert [reason for _, reason in alt_text.missing([path])] == [
        "its alt text spans lines, which MyST joins with no space: one line"
    ]


def test_the_gru_cell_diagram_has_a_title_and_a_description():
    svg = ElementTree.parse(NOTEBOOKS / "figures" / "gru_cell.svg").getroot()
    namespace = {"svg": "http://www.w3.org/2000/svg"}
    title, desc = svg.find("svg:title", namespace), svg.find("svg:desc", namespace)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == title.get("id") and title.text.strip()
    assert svg.get("aria-describedby") == desc.get("id")
    assert alt_text.problem(desc.text) is None and "update gate" in desc.text


def test_axe_core_is_pinned_to_one_version():
    tests = ROOT / "tests"
    pinned = json.loads((tests / "package.json").read_text())["devDependencies"]["axe-core"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), pinned  # exact: no ^ or ~ range
    locked = json.loads((tests / "package-lock.json").read_text())["packages"]
    assert locked["node_modules/axe-core"]["version"] == pinned
    assert locked["node_modules/axe-core"]["integrity"].startswith("sha512-")
    installed = tests / "node_modules" / "axe-core" / "package.json"
    if installed.exists():  # `npm ci` put this very version there
        assert json.loads(installed.read_text())["version"] == pinned
