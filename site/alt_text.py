"""Which figures of the notebooks lack a text alternative: `.venv/bin/python site/alt_text.py`.

A figure on the site is an image output of a code cell, or a picture in a markdown cell. A reader
who cannot see it gets its text alternative (the <img alt> of its page) and nothing else, so that
text says what the figure shows and what to read from it: "Cross-entropy falls below 0.01 by step
300 while squared error is still at 0.2", not "loss plot", and never a file name.

- An image output takes its alt text from its cell's metadata, where MyST-NB (the notebooks'
  renderer in Jupyter Book 1) reads it: ``{"mystnb": {"image": {"alt": "..."}}}``. The text is the
  cell's, for every image the cell outputs, so a cell shows one figure. Without it, docutils writes
  the image's file name into alt, ``_images/3f2a….png``, which a screen reader reads out.
- A markdown picture takes it from ``![the text](figures/name.png)`` or ``<img alt="the text">``,
  on one line: MyST joins the lines of a picture's alt text with no space ("theresult").

``missing()`` lists every figure without a real text alternative, by notebook and cell, and what
is wrong with it; tests/test_site.py fails while the list is not empty, and checks the built pages
for the same.
"""

import json
import pathlib
import posixpath
import re
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MIN_WORDS = 6  # fewer names a figure ("loss plot") rather than saying what to read from it
MARKDOWN_PICTURES = re.compile(
    r"!\[(?P<markdown>[^\]]*)\]\((?P<src>[^)\s]+)[^)]*\)|<img\s(?P<attributes>[^>]*)>"
)
ALT_ATTRIBUTE = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""")
SRC_ATTRIBUTE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass
class Figure:
    notebook: pathlib.Path  # relative to the repository, if in it
    cell: int  # index in the notebook, from 0
    cell_id: str
    kind: str  # "output" (images output by a code cell) or "markdown" (a picture)
    alt: str | None  # None: no text alternative at all
    src: str = ""  # a markdown picture's address
    images: int = 1  # image outputs of the cell, all of which get its one alt text


def notebooks():
    """Every notebook (01_gates.ipynb, ...) and solution, in the order of their names."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(
        NOTEBOOKS.glob("solutions/[0-9][0-9]_*.ipynb")
    )


def cell_alt(metadata):
    """The alt text MyST-NB gives a cell's image outputs, or None."""
    alt = metadata.get("mystnb", {}).get("image", {}).get("alt")
    return alt if isinstance(alt, str) else None


def figures(path):
    """Every figure of one notebook, as Figure records."""
    path = pathlib.Path(path).resolve()
    cells = json.loads(path.read_text())["cells"]
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for index, cell in enumerate(cells):
        if "remove-cell" in cell["metadata"].get("tags", []):
            continue  # not on the page
        cell_id = cell.get("id", "")
        if cell["cell_type"] == "markdown":
            for match in MARKDOWN_PICTURES.finditer("".join(cell["source"])):
                if match["attributes"] is not None:
                    alt = ALT_ATTRIBUTE.search(match["attributes"])
                    src = SRC_ATTRIBUTE.search(match["attributes"])
                    alt = alt and (alt[1] if alt[1] is not None else alt[2])
                    src = src[1] or src[2] if src else ""
                else:
                    alt, src = match["markdown"], match["src"]
                found.append(Figure(name, index, cell_id, "markdown", alt, src))
        images = sum(
            any(mime.startswith("image/") for mime in output.get("data", {}))
            for output in cell.get("outputs", [])
        )
        if images:
            alt = cell_alt(cell["metadata"])
            found.append(Figure(name, index, cell_id, "output", alt, "", images))
    return found


def problem(alt, src=""):
    """What is wrong with ``alt`` as the text alternative of the image at ``src``, or None.

    >>> problem(None), problem("  ")
    ('no alt text', 'empty alt text')
    >>> problem("_images/3f2a9c.png", "_images/3f2a9c.png")
    'alt text is the file name or address'
    >>> problem("loss plot")
    'alt text of 2 words: say what the figure shows and what to read from it'
    >>> problem("Cross-entropy falls below 0.01 by step 300, squared error stays near 0.2") is None
    True
    """
    if alt is None:
        return "no alt text"
    text = " ".join(alt.split())
    if not text:
        return "empty alt text"
    names = {src, posixpath.basename(src), posixpath.basename(src).rsplit(".", 1)[0]} - {""}
    if text in names or re.fullmatch(r"\S+\.(png|jpe?g|gif|svg|webp)", text, re.IGNORECASE):
        return "alt text is the file name or address"
    words = len(text.split())
    if words < MIN_WORDS:
        return f"alt text of {words} words: say what the figure shows and what to read from it"
    return None


def missing(paths=None):
    """(figure, what is wrong) for every figure of ``paths`` (all notebooks) lacking a real alt."""
    wrong = []
    for path in notebooks() if paths is None else paths:
        for figure in figures(path):
            if figure.images > 1:
                shared = f"{figure.images} images in one cell share one alt text: give each a cell"
                wrong.append((figure, shared))
            if figure.kind == "markdown" and "\n" in (figure.alt or ""):
                joined = "its alt text spans lines, which MyST joins with no space: one line"
                wrong.append((figure, joined))
            reason = problem(figure.alt, figure.src)
            if reason:
                wrong.append((figure, reason))
    return wrong


def report(wrong):
    """The list as text, one figure a line, with how to fix an output's alt text."""
    lines = [
        f"{f.notebook} cell {f.cell} (id {f.cell_id or '?'}, {f.kind}): {reason}"
        for f, reason in wrong
    ]
    if any(figure.kind == "output" for figure, _ in wrong):
        lines.append(
            "An image output's alt text goes in its cell's metadata (in JupyterLab: select the "
            "cell, then the Property Inspector, the gears in the right sidebar, then Advanced "
            "Tools, Cell Metadata): "
            '{"mystnb": {"image": {"alt": "What the figure shows and what to read from it."}}}'
        )
    return "\n".join(lines)


def main():
    wrong = missing()
    total = sum(len(figures(path)) for path in notebooks())
    if wrong:
        print(report(wrong))
        print(f"{len({id(figure) for figure, _ in wrong})} of {total} figures to describe")
        sys.exit(1)
    print(f"Every one of the {total} figures has a text alternative.")


if __name__ == "__main__":
    main()
