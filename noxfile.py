"""What `make test` runs after the pinned pytest run: the other environments, and a perturbed run.

Three sessions build a fresh virtual environment with uv, install one set of versions, print the
versions they actually got, execute every notebook top to bottom with every one of its own asserts
(`--nbval-lax`: outputs are not compared, since their last digits differ between versions), and
run the unit tests and doctests.

- ``colab``: what Google Colab preinstalls, with gru_helpers installed by the notebooks' own
  install cell from the repository address, which git is told to read from this clone instead.
- ``oldest``: the lowest versions of the supported range (pyproject.toml), on Python 3.11.
- ``newest``: the newest releases, on Python 3.13.

``colab`` executes the solutions notebooks too, as a learner in Colab opens them; ``oldest`` and
``newest`` leave them to the colab, pinned and perturbed runs, which keeps ``make test`` inside
its time on a slow machine.

A fourth builds nothing:

- ``perturbed``: in the environment nox itself runs in (`make test` runs ``.venv/bin/nox``: the
  pinned one), strict nbval over every notebook and solution with each new variable's initial
  value one unit in the last place off (tests/perturbed/), as another processor's arithmetic
  would move it. A stored output that changes holds only on this machine: print it at a
  precision the run does not move, or state the property the prose relies on.

Run one with ``.venv/bin/nox -s newest``. Pythons are never downloaded: a session whose Python is
not on this machine runs on the nearest supported one that is, and says so.
"""

import os
import pathlib
import subprocess
import sys
import tomllib

import nox
from packaging.requirements import Requirement
from uv import find_uv_bin  # uv as nox finds it: installed beside nox, on PATH or not

ROOT = pathlib.Path(__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]
PLACEHOLDER_ADDRESS = "https://github.com/OWNER/REPO"

# Google Colab's preinstalled versions, late 2026. Source: the project's developers' guide and
# issue 9, read off a Colab runtime (Colab's own list is not reachable from the build machines).
COLAB = [
    "tensorflow==2.20.0",
    "keras==3.13.*",
    "numpy==2.1.*",
    "matplotlib==3.10.*",
    "ipywidgets==7.7.1",
    "pip",  # Colab's %pip needs pip in the environment
]
# What the tests themselves need, at the versions requirements-dev.txt pins.
TEST_TOOLS = ["pytest", "nbval", "hypothesis", "ipykernel", "nbformat"]
# Browser, Binder and site checks belong to the pinned environment only.
PINNED_ONLY = [
    "tests/test_browser.py",
    "tests/test_binder.py",
    "tests/test_site.py",
    "tests/test_style.py",
]
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["perturbed", "colab", "oldest", "newest"]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def python(preferred):
    """``preferred`` if uv finds that Python here, else the nearest supported one it finds."""
    by_distance = sorted(
        SUPPORTED_PYTHONS,
        key=lambda v: abs(SUPPORTED_PYTHONS.index(v) - SUPPORTED_PYTHONS.index(preferred)),
    )
    for version in by_distance:
        found = subprocess.run([find_uv_bin(), "python", "find", version], capture_output=True)
        if found.returncode == 0:
            return version
    return preferred  # none found: nox reports the missing interpreter


def pinned(name):
    """The version requirements-dev.txt (or the requirements.txt it includes) pins for ``name``."""
    for path in ("requirements-dev.txt", "requirements.txt"):
        for line in (ROOT / path).read_text().splitlines():
            requirement = line.split("#", 1)[0].strip()
            if requirement and not requirement.startswith("-"):
                if Requirement(requirement).name == name:
                    return requirement
    return name


def lowest_declared():
    """The lower bound of every dependency pyproject.toml declares, as ``name==version``."""
    project = PYPROJECT["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["tensorflow"]
    lowest = []
    for text in declared:
        requirement = Requirement(text)
        (bound,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        name = "tensorflow-cpu" if requirement.name == "tensorflow" else requirement.name
        lowest.append(f"{name}=={bound}")
    return lowest


def repository_address():
    """The repository's public address (pyproject.toml), or the placeholder the notebooks hold."""
    urls = PYPROJECT["project"].get("urls", {})
    return next(
        (url for key, url in urls.items() if key.lower() == "repository"), PLACEHOLDER_ADDRESS
    )


def run_everything(session, env=None, solutions=True):
    """Execute every notebook with its asserts, then run the unit tests and doctests.

    ``solutions=False`` leaves out notebooks/solutions/. Each pytest run prints the versions it
    has at its top (conftest.py, which also quiets TensorFlow in the kernels). The pinned
    environment's options (strict nbval) are left out.
    """
    pytest = ["pytest", "-o", "addopts=", "-p", "no:cacheprovider"]
    notebooks = ["notebooks"] if solutions else ["notebooks", "--ignore=notebooks/solutions"]
    # The notebooks first: in the colab session the first one installs gru_helpers.
    session.run(*pytest, "--nbval-lax", "--nbval-current-env", *notebooks, env=env)
    skipped = [f"--ignore={path}" for path in PINNED_ONLY]
    doctests = ["--doctest-modules", "--doctest-glob=README.md", "gru_helpers", "README.md"]
    session.run(*pytest, "-p", "no:nbval", *doctests, "tests", *skipped, env=env)


@nox.session(python=python("3.12"))
def colab(session):
    """Colab's versions; gru_helpers comes from the notebooks' install cell, as in Colab."""
    session.install(*COLAB, *map(pinned, TEST_TOOLS))
    # The install cell names the repository's address; git fetches it from this clone instead.
    clone_of_address = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.file://{ROOT}.insteadOf",
        "GIT_CONFIG_VALUE_0": repository_address(),
    }
    run_everything(session, env=clone_of_address)
    session.run("python", "-I", "-c", ONE_TENSORFLOW)  # -I: not the egg-info of a checkout


ONE_TENSORFLOW = """
import importlib.metadata as metadata, json
names = {d.metadata["Name"].lower() for d in metadata.distributions()}
assert "tensorflow-cpu" not in names, "installing gru_helpers pulled a second TensorFlow"
assert metadata.version("tensorflow") == "2.20.0", "installing gru_helpers changed TensorFlow"
url = json.loads(metadata.distribution("gru-helpers").read_text("direct_url.json"))["url"]
print(f"gru_helpers was installed by the notebooks' install cell from {url}; one TensorFlow")
"""


@nox.session(python=python("3.11"))
def oldest(session):
    """The lower bounds pyproject.toml declares (tensorflow-cpu for tensorflow)."""
    session.install(*lowest_declared(), *map(pinned, TEST_TOOLS))
    session.install("--no-deps", "-e", ".")
    run_everything(session, solutions=False)


@nox.session(python=python("3.13"))
def newest(session):
    """The newest releases of everything."""
    session.install("--upgrade", "tensorflow-cpu", "-e", ".", *TEST_TOOLS)
    run_everything(session, solutions=False)


PERTURBED = ROOT / "tests" / "perturbed"


@nox.session(python=False)
def perturbed(session):
    """Strict nbval with every new variable one ulp off, in the environment nox runs in.

    Each kernel runs tests/perturbed/startup.py before the first cell (IPython runs the file
    PYTHONSTARTUP names), which nudges every new trainable floating-point ``tf.Variable`` one
    ulp in the direction ``PERTURB_LAST_BIT`` names: "up" unless this process's environment
    says "down". The options are the pinned run's (pyproject.toml), so every stored output but
    stderr must come out exactly; tests/perturbed/hook_check.ipynb runs first and fails unless
    the kernels are perturbed. Positional arguments choose the notebooks:
    ``.venv/bin/nox -s perturbed -- notebooks/05_training.ipynb``.
    """
    direction = os.environ.get("PERTURB_LAST_BIT", "up")
    session.log(f"in {sys.prefix}, each new variable one ulp {direction}")
    env = {"PYTHONSTARTUP": str(PERTURBED / "startup.py"), "PERTURB_LAST_BIT": direction}
    notebooks = session.posargs or ["notebooks"]
    hook_check = str(PERTURBED / "hook_check.ipynb")
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    session.run(*pytest, hook_check, *notebooks, env=env, external=True)
