"""Binder: what mybinder.org would build from binder/, checked here before anyone clicks the link.

Three kinds of check:
- the Dockerfile repo2docker generates (``--no-build --debug`` prints it without Docker): Python
  3.11, binder/requirements.txt installed without pip's cache, postBuild run as the notebook user
  after the repository is copied in;
- the files themselves: Binder's pins are the versions of requirements.txt, cover every package
  the notebooks import, and fit the Jupyter packages already in repo2docker's base image; the
  README's Binder link agrees with the repository's address;
- a fresh venv with only what Binder installs (tests/binder_venv.py) executes every notebook
  under strict nbval, each kernel staying well inside mybinder.org's memory.
"""

import ast
import contextlib
import importlib.metadata
import json
import pathlib
import re
import secrets
import subprocess
import sys
import time
import tomllib
import urllib.error

import escapism
import nbformat
import pytest
import repo2docker
import yaml
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from binder_venv import (
    MissingPython,
    binder_venv,
    copy_repository,
    run_with_peak_memory,
    venv_environment,
)  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
FIRST_NOTEBOOK = "notebooks/01_gates.ipynb"
URLPATH = f"lab/tree/{FIRST_NOTEBOOK}"
PLACEHOLDER_LINK = f"https://mybinder.org/v2/gh/OWNER/REPO/HEAD?urlpath={URLPATH}"
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
# mybinder.org guarantees 1 GB and stops the kernel when a session passes 2 GB. A notebook's kernel
# must peak under 1 GiB (resident, counting TensorFlow's ~340 MiB of library pages, which kernels
# share), so that it, JupyterLab's server and kernels left running by earlier notebooks fit.
KERNEL_PEAK_LIMIT = 1024**3
MUST_BE_PINNED = {"tensorflow-cpu", "numpy", "matplotlib", "ipywidgets", "jupyterlab"}


def pins(path):
    """{canonical name: version} of a requirements file; every requirement in it must be
    ``name==version``."""
    result = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)", line)
            assert match, f"{path.name}: {line!r} is not a plain name==version pin"
            result[canonicalize_name(match.group(1))] = match.group(2)
    return result


# ---------------------------------------------------------------------- the generated Dockerfile


@pytest.fixture(scope="module")
def dockerfile():
    """The Dockerfile repo2docker would build, as mybinder.org builds it (user jovyan, 1000)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "repo2docker",
            "--no-build",
            "--debug",
            "--user-id",
            "1000",
            "--user-name",
            "jovyan",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def instructions(dockerfile):
    """(instruction, arguments, user, workdir) for every line of the Dockerfile, in order."""
    steps, user, workdir = [], "root", "/"
    for line in re.sub(r"\\\n", " ", dockerfile).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        user = arguments.strip() if instruction == "USER" else user
        workdir = arguments.strip() if instruction == "WORKDIR" else workdir
        steps.append((instruction, arguments.strip(), user, workdir))
    return steps


def environment_lock(dockerfile):
    """The conda lock file of repo2docker's base environment that the Dockerfile installs."""
    source = next(
        arguments.split()[-2]
        for instruction, arguments, *_ in instructions(dockerfile)
        if instruction == "COPY" and arguments.endswith(" /tmp/env/environment.lock")
    )
    # repo2docker names the copied file build_script_files/<escaped path, maybe cut short>-<hash>.
    slug = source.removeprefix("build_script_files/").rsplit("-", 1)[0]
    folder = pathlib.Path(repo2docker.__file__).parent / "buildpacks" / "conda"
    escaped = {
        path: escapism.escape(str(path), escape_char="-").lower() for path in folder.glob("*.lock")
    }
    matches = [path for path, name in escaped.items() if name.startswith(slug)]
    assert len(matches) == 1, f"cannot tell which lock file {source} is: {matches}"
    return matches[0]


def locked_versions(lock):
    """{canonical conda package name: version} from a conda explicit lock file."""
    versions = {}
    for line in lock.read_text().splitlines():
        if line.startswith("https://"):
            name, version, _build = line.split("#")[0].rsplit("/", 1)[1].rsplit("-", 2)
            versions[canonicalize_name(name)] = version
    return versions


def test_the_image_runs_python_3_11(dockerfile):
    lock = environment_lock(dockerfile)
    assert lock.name == "environment.py-3.11-linux-64.lock"
    assert locked_versions(lock)["python"].startswith("3.11.")


def test_the_image_installs_binder_requirements_before_the_repository_without_pips_cache(
    dockerfile,
):
    steps = [
        (instruction, arguments, user)
        for instruction, arguments, user, _ in instructions(dockerfile)
    ]
    copy_requirements = steps.index(
        (
            "COPY",
            "--chown=1000:1000 src/binder/requirements.txt ${REPO_DIR}/binder/requirements.txt",
            "root",
        )
    )
    install = steps.index(
        (
            "RUN",
            '${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"',
            "${NB_USER}",
        )
    )
    copy_repository_step = steps.index(("COPY", "--chown=1000:1000 src/ ${REPO_DIR}/", "root"))
    assert copy_requirements < install < copy_repository_step
    # binder/ is all repo2docker reads: neither requirements.txt nor pyproject.toml at the root.
    pip_lines = [
        arguments
        for instruction, arguments, _ in steps
        if instruction == "RUN" and "pip" in arguments
    ]
    assert pip_lines == [steps[install][1]]


def test_the_image_runs_postbuild_as_the_notebook_user_from_the_repository(dockerfile):
    steps = instructions(dockerfile)
    copied = next(
        i
        for i, step in enumerate(steps)
        if step[:2] == ("COPY", "--chown=1000:1000 src/ ${REPO_DIR}/")
    )
    runs = [
        (i, user, workdir)
        for i, (instruction, arguments, user, workdir) in enumerate(steps)
        if instruction == "RUN" and arguments == "./binder/postBuild"
    ]
    assert len(runs) == 1
    position, user, workdir = runs[0]
    assert position > copied and user == "${NB_USER}" and workdir == "${REPO_DIR}"
    # `python` in postBuild is the environment's: its bin comes first on PATH, and the kernel
    # uses it.
    assert ("ENV", "KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}") in [step[:2] for step in steps]
    assert any(
        step[:2] == ("ENV", "PATH=${NB_PYTHON_PREFIX}/bin:${CONDA_DIR}/bin:${NPM_DIR}/bin:${PATH}")
        for step in steps
    )


# ---------------------------------------------------------------------- the files in binder/


def test_runtime_is_python_3_11():
    assert (BINDER / "runtime.txt").read_text() == "python-3.11\n"


def test_postbuild_stops_at_the_first_error_and_installs_gru_helpers_alone():
    lines = [line.strip() for line in (BINDER / "postBuild").read_text().splitlines()]
    assert lines[0] == "#!/bin/bash"
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[0] == "set -e"
    assert "python -m pip install --no-cache-dir --no-deps ." in commands
    assert all("--no-cache-dir" in command for command in commands if "pip install" in command)


def test_binder_pins_the_versions_of_requirements_txt():
    binder, main = pins(BINDER / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert {name: binder.get(name) for name in main} == main


def notebook_sources():
    """(where, Python source) of every notebook code cell, IPython syntax made plain Python."""
    transform = TransformerManager().transform_cell
    for name in NOTEBOOKS:
        cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
        for number, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                yield f"{name} cell {number}", transform("".join(cell["source"]))
    for module in sorted((ROOT / "gru_helpers").glob("*.py")):
        yield f"gru_helpers/{module.name}", module.read_text()


def imported_modules():
    """{top-level module: where} for every absolute import in the notebooks and in gru_helpers."""
    found = {}
    for where, source in notebook_sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], where)
    return found


def test_binder_pins_every_package_the_notebooks_import():
    binder = pins(BINDER / "requirements.txt")
    assert MUST_BE_PINNED <= set(binder)
    # A package counts as installed if Binder pins it or a pinned package requires it (IPython
    # comes with ipykernel). Module names are mapped to packages through this environment.
    comes_with = set()
    for name in binder:
        try:
            comes_with |= {
                canonicalize_name(Requirement(text).name)
                for text in importlib.metadata.requires(name) or ()
            }
        except importlib.metadata.PackageNotFoundError:  # pinned for Binder only (notebook)
            pass
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module, where in imported_modules().items():
        if module in sys.stdlib_module_names or module == "gru_helpers":
            continue
        packages = {canonicalize_name(name) for name in distributions.get(module, [])}
        assert packages, f"{where} imports {module}, which no installed package provides"
        if not packages & (set(binder) | comes_with):
            missing[module] = (sorted(packages), where)
    assert not missing, f"imported but not installed on Binder: {missing}"


def test_binder_pins_fit_the_jupyter_packages_of_repo2dockers_base_image(dockerfile):
    """pip upgrades what binder/requirements.txt pins without checking the base image's other
    packages: each of them (JupyterLab's neighbours: Notebook, JupyterHub, ...) must accept the
    pins."""
    lock = environment_lock(dockerfile)
    source = re.search(r"AUTO GENERATED FROM (\S+),", lock.read_text()).group(1)  # the lock's .yml
    wanted = [
        canonicalize_name(re.split(r"[=<> ]", spec, maxsplit=1)[0])
        for spec in yaml.safe_load((lock.parent / source).read_text())["dependencies"]
    ]
    # conda's jupyterhub-singleuser is PyPI's jupyterhub; python, nodejs and pip are not Jupyter.
    rename = {"jupyterhub-singleuser": "jupyterhub"}
    binder, versions = pins(BINDER / "requirements.txt"), locked_versions(lock)
    base = {
        rename.get(name, name): versions[name]
        for name in wanted
        if name not in ("python", "nodejs", "pip") and rename.get(name, name) not in binder
    }
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--ignore-installed",
            "--quiet",
            "--report",
            "-",
            *(f"{name}=={version}" for name, version in base.items()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.returncode == 0, report.stderr
    conflicts = []
    for item in json.loads(report.stdout)["install"]:
        for text in item["metadata"].get("requires_dist", []):
            requirement = Requirement(text)
            name = canonicalize_name(requirement.name)
            if (
                name in binder
                and (requirement.marker is None or requirement.marker.evaluate({"extra": ""}))
                and not requirement.specifier.contains(binder[name], prereleases=True)
            ):
                conflicts.append(
                    f"{item['metadata']['name']} {item['metadata']['version']} needs {text}"
                )
    assert not conflicts, conflicts


# ---------------------------------------------------------------------- the README's Binder link


def repository_address():
    """The repository's public address, kept in one place: pyproject.toml's [project.urls]
    Repository."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    return next((url for key, url in urls.items() if key.lower() == "repository"), None)


def binder_link(address):
    """The mybinder.org link that opens JupyterLab on the first notebook of the repository at
    ``address``."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", address)
    assert match, f"{address} is not a GitHub repository address (https://github.com/OWNER/REPO)"
    return f"https://mybinder.org/v2/gh/{match.group(1)}/{match.group(2)}/HEAD?urlpath={URLPATH}"


def readme_binder_links():
    return re.findall(r"https://mybinder\.org/v2/[^\s)\]>\"'`]+", (ROOT / "README.md").read_text())


def test_readme_has_a_binder_section_opening_the_first_notebook():
    assert re.search(r"^## Launch on Binder\s*$", (ROOT / "README.md").read_text(), re.MULTILINE)
    assert (ROOT / FIRST_NOTEBOOK).exists()
    links = readme_binder_links()
    assert links and all(link.endswith(f"/HEAD?urlpath={URLPATH}") for link in links), links
    if repository_address() is None:  # no made-up address: only the OWNER/REPO form
        assert set(links) == {PLACEHOLDER_LINK}


def test_readme_binder_link_is_built_from_the_repository_address():
    address = repository_address()
    if address is None:
        pytest.skip(
            "pyproject.toml has no [project.urls] Repository yet: "
            "no public address to check against"
        )
    expected = binder_link(address)
    assert set(readme_binder_links()) == {expected}, (
        f"the README should link [![Launch on Binder](https://mybinder.org/badge_logo.svg)]({expected})"
    )


# ------------------------------------------------------------- the notebooks in Binder's packages


@pytest.fixture(scope="session")
def binder_python():
    """build/binder-venv's python, built or reused, and kept from being rebuilt while the tests
    use it."""
    try:
        with binder_venv(ROOT / "build" / "binder-venv") as python:
            yield python
    except MissingPython as missing:  # a machine with only Python 3.12 or 3.13, say
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def binder_clone(tmp_path_factory):
    """The repository's files as a clone holds them: the notebooks run there, not in this tree."""
    return copy_repository(tmp_path_factory.mktemp("binder-clone"), ROOT)


FACTS = """
import importlib.metadata, json, re, sys, gru_helpers
print(json.dumps({"python": list(sys.version_info[:2]),
                  "gru_helpers installed": gru_helpers.__file__.startswith(sys.prefix),
                  "packages": sorted(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower()
                                     for d in importlib.metadata.distributions())}))
"""


def test_binder_environment_is_consistent_and_has_gru_helpers_installed(binder_python, tmp_path):
    check = subprocess.run([binder_python, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    facts = json.loads(
        subprocess.run(
            [binder_python, "-c", FACTS],
            cwd=tmp_path,
            env=venv_environment(binder_python),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert facts["python"] == [3, 11]
    assert facts[
        "gru_helpers installed"
    ]  # from site-packages, not from a folder next to the notebooks
    assert "tensorflow-cpu" in facts["packages"] and "tensorflow" not in facts["packages"]


def test_binder_kernel_imports_tensorflow_without_log_lines(binder_python, tmp_path):
    """JupyterLab starts the python3 kernelspec: TensorFlow prints no C++ log lines in a cell."""
    notebook = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    notebook.cells = [
        nbformat.v4.new_code_cell("import tensorflow as tf\nprint(tf.constant(2.0).numpy())")
    ]
    nbformat.write(notebook, tmp_path / "tf.ipynb")
    env = venv_environment(binder_python)
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):
        env.pop(name, None)  # as on Binder, where nothing sets them outside the kernelspec
    subprocess.run(
        [
            pathlib.Path(binder_python).parent / "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--inplace",
            "tf.ipynb",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    outputs = nbformat.read(tmp_path / "tf.ipynb", as_version=4).cells[0].outputs
    assert [(out.output_type, out.get("name"), out.get("text")) for out in outputs] == [
        ("stream", "stdout", "2.0\n")
    ]


@contextlib.contextmanager
def binder_lab(python, root, home):
    """JupyterLab from the Binder venv serving ``root``, set up as tests/test_browser.py's Lab."""
    import test_browser as browser  # noqa: PLC0415 (another test module, imported only when needed)

    home.mkdir(parents=True, exist_ok=True)
    for name, values in browser.SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values))
    port, token = browser.free_port(), secrets.token_hex(24)
    env = dict(
        venv_environment(python),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):
        env.pop(name, None)  # as on Binder: the kernelspec sets them
    command = [
        python,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}",
    ]
    with open(home / "server.log", "w") as log:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        lab = browser.Lab(f"http://127.0.0.1:{port}", token)
        try:
            deadline = time.monotonic() + 120
            while not lab_is_up(lab):
                assert server.poll() is None and time.monotonic() < deadline, (
                    home / "server.log"
                ).read_text()[-3000:]
                time.sleep(0.5)
            yield lab
        finally:
            server.terminate()
            server.wait(timeout=30)


def lab_is_up(lab):
    try:
        return lab.api("status") is not None
    except (urllib.error.URLError, ConnectionError):
        return False


def test_the_interactive_adder_works_in_binders_jupyterlab(
    binder_python, binder_clone, tmp_path, monkeypatch
):
    """tests/test_browser.py's check of the widgets in headless Chromium, against the Binder
    venv's JupyterLab."""
    browser = pytest.importorskip("test_browser")
    if reason := browser.missing_browser():
        pytest.skip(reason)
    if not (binder_clone / browser.NOTEBOOK).exists():
        pytest.skip(f"{browser.NOTEBOOK} is not written yet")
    monkeypatch.setattr(
        browser, "ROOT", binder_clone
    )  # the notebook served (and checked unchanged) is the clone's
    monkeypatch.setattr(browser, "ARTIFACTS", tmp_path / "screenshots")
    with binder_lab(binder_python, binder_clone, tmp_path / "lab") as lab:
        browser.test_the_app_adds_by_keyboard_alone_in_a_real_browser(lab)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_in_the_binder_environment(binder_python, binder_clone, notebook):
    """Strict nbval, with the clone's pytest configuration, in a kernel of the Binder venv's
    python."""
    status, output, peak = run_with_peak_memory(
        [
            binder_python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            f"notebooks/{notebook}",
        ],
        cwd=binder_clone,
        env=venv_environment(binder_python),
    )
    print(f"{notebook}: peak resident memory {peak / 2**20:.0f} MiB")
    assert status == 0, output[-6000:]
    assert peak < KERNEL_PEAK_LIMIT, f"{notebook} peaked at {peak / 2**20:.0f} MiB"
