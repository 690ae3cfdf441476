"""Every notebook ends with exercises that check themselves, and has a solutions notebook.

The stored notebooks show every exercise unattempted ("… not attempted yet"); the stored solutions
show every check passing ("✓ ... right"). Strict nbval re-runs both, so a check that stopped
accepting its solution, or a stub that stopped being "not attempted", fails there too. The
checks' hints for typical wrong answers are tested module by module (tests/test_exercises_*.py).
"""

import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FEEDBACK = re.compile(r"^(✓|✗|…) (.+?): (right|not yet|not attempted yet)\. ", re.MULTILINE)


def feedback(path):
    """(mark, exercise title) of every check result stored in the notebook, in order."""
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "") or output.get("text", "")
            found += [(mark, title) for mark, title, _ in FEEDBACK.findall(text)]
    return found


def solutions_of(path):
    return ROOT / "notebooks" / "solutions" / f"{path.stem}_solutions.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_at_least_two_exercises_all_unattempted(path):
    results = feedback(path)
    assert len({title for _, title in results}) >= 2, "expected at least two exercises with checks"
    assert {mark for mark, _ in results} == {"…"}, (
        "the stored notebook shows an attempted exercise"
    )
    sources = [cell.source for cell in nbformat.read(path, as_version=4).cells]
    assert any(re.search(r"^## Exercises\s*$", source, re.MULTILINE) for source in sources)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_solution_whose_check_passes(path):
    solutions = solutions_of(path)
    assert solutions.exists(), f"no solutions notebook {solutions.name}"
    solved = feedback(solutions)
    assert solved and {mark for mark, _ in solved} == {"✓"}, solved
    assert {title for _, title in feedback(path)} <= {title for _, title in solved}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebooks_readme_lists_every_exercise(path):
    index = " ".join((ROOT / "notebooks" / "README.md").read_text(encoding="utf-8").split())
    for _, title in feedback(path):
        assert title in index, f"notebooks/README.md does not list the exercise {title!r}"
