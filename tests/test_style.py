"""One style for the package, the notebooks, the tests and the tools: `ruff` lints and formats them
(pyproject.toml).

Lines fit in 99 characters, what a reader sees of a cell in JupyterLab or on GitHub.
"""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHECKED = ["gru_helpers", "notebooks", "tests", "bench", "site", "conftest.py", "noxfile.py"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_ruff_passes(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
