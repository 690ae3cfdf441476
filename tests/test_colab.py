"""Google Colab: each notebook opens from a badge and installs gru_helpers itself.

Colab opens one notebook file, so each notebook's first code cell installs gru_helpers when it is
missing, from the repository's address (pyproject.toml's [project.urls] Repository, the one place
the Binder link comes from too), and leaves Colab's TensorFlow alone. These tests check the cells
and badges as text; noxfile.py's colab session runs the cells for real, in Colab's versions.
"""

import pathlib
import re
import tomllib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PLACEHOLDER_ADDRESS = "https://github.com/OWNER/REPO"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALL_NOTEBOOKS = NOTEBOOKS + sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
INSTALL_CELL = """import importlib.util

if importlib.util.find_spec("gru_helpers") is None:  # in Colab: install the notebooks' helpers
    %pip install --quiet "gru-helpers @ git+{address}\""""
TENSORFLOWS = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly", "tf-nightly-cpu"}


def repository_address():
    """The repository's public address, or None while pyproject.toml has none."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    return next((url for key, url in urls.items() if key.lower() == "repository"), None)


def colab_link(address, notebook):
    owner_repo = address.removeprefix("https://github.com/").rstrip("/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/main/notebooks/{notebook}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_gru_helpers_from_the_repository(path):
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    expected = INSTALL_CELL.format(address=repository_address() or PLACEHOLDER_ADDRESS)
    assert cells and cells[0].source == expected, (
        f"{path.name}'s first code cell should read:\n{expected}"
    )
    assert {"install", "remove-cell"} <= set(cells[0].metadata.get("tags", []))


def test_installing_gru_helpers_never_brings_a_second_tensorflow():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {
        re.split(r"[\s<>=!~\[;]", text, maxsplit=1)[0].lower() for text in project["dependencies"]
    }
    assert not names & TENSORFLOWS, "a TensorFlow among the dependencies would sit beside Colab's"


def test_readme_has_a_colab_badge_for_each_notebook_once_the_address_is_set():
    readme = (ROOT / "README.md").read_text()
    address = repository_address()
    if address is None:
        links = re.findall(r"https://colab\.research\.google\.com/github/[^\s)]+", readme)
        assert all("/OWNER/REPO/" in link for link in links), (
            f"no address yet: no Colab links {links}"
        )
        pytest.skip(
            "pyproject.toml has no [project.urls] Repository yet: no Colab badges to check"
        )
    for path in NOTEBOOKS:
        rows = [line for line in readme.splitlines() if f"(notebooks/{path.name})" in line]
        links = [link for row in rows for link in re.findall(r"https://colab\.[^\s)]+", row)]
        expected = colab_link(address, path.name)
        assert links == [expected], (
            f"the README's row for {path.name} should hold "
            f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({expected})"
        )
