"""What a reader meets in the stored notebooks, before any kernel runs.

nbval checks that a fresh run reproduces the stored outputs, but it also passes a notebook that was
saved without outputs. These tests check the stored notebooks themselves.
"""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
MACHINE_PATHS = re.compile(r"(/root/|/home/\w+|/work/|/tmp/|site-packages|\\Users\\)")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [
        cell
        for cell in nb["cells"]
        if cell["cell_type"] == "code" and "".join(cell["source"]).strip()
    ]


def test_the_sequence_is_all_there():
    names = [path.name for path in NOTEBOOKS]
    assert [name[:2] for name in names] == [f"{n:02d}" for n in range(1, 12)], names


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: p.name)
def test_stored_as_a_fresh_run_leaves_it(path):
    counts = [cell["execution_count"] for cell in code_cells(load(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        "run it top to bottom in a fresh kernel and save"
    )


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: p.name)
def test_outputs_hold_no_errors_stderr_machine_paths_or_piles_of_images(path):
    for number, cell in enumerate(code_cells(load(path)), start=1):
        outputs = cell["outputs"]
        assert not [o for o in outputs if o["output_type"] == "error"], (
            f"cell [{number}] stores an error"
        )
        found = MACHINE_PATHS.search(json.dumps(outputs))
        assert found is None, f"cell [{number}] shows a machine path: {found and found.group(0)}"
        stderr = [
            o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stderr"
        ]
        assert not stderr, f"cell [{number}] stores text written to stderr: {stderr[0][:200]}"
        images = sum("image/png" in o.get("data", {}) for o in outputs)
        assert images <= 2, f"cell [{number}] stores {images} images: update one figure in place"


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: p.name)
def test_small_enough_to_read_online(path):
    assert path.stat().st_size < 1_500_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_a_title_and_closes_with_a_summary(path):
    cells = load(path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    last = "".join(cells[-1]["source"])
    assert cells[-1]["cell_type"] == "markdown" and "Summary" in last


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: p.name)
def test_links_to_other_files_resolve(path):
    text = "".join(
        "".join(cell["source"]) for cell in load(path)["cells"] if cell["cell_type"] == "markdown"
    )
    for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md|py))\)", text):
        assert (path.parent / target).exists(), f"broken link to {target}"


@pytest.mark.parametrize("index", ["README.md", "notebooks/README.md"])
def test_every_notebook_is_listed(index):
    text = (ROOT / index).read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert path.name in text, f"{index} does not list {path.name}"
