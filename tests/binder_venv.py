"""A virtual environment with what Binder installs, so the notebooks can be run in it here.

repo2docker builds the Binder image in three steps that matter to the notebooks: it installs
binder/requirements.txt with pip, copies the repository in, and runs binder/postBuild from the
repository's root. ``build_binder_venv`` does the same in a venv with the Python of
binder/runtime.txt: the same pip command on the same file, then the real binder/postBuild (run
with the venv's bin first on PATH) in a copy of the files a clone of this repository would
contain. Only then does it add pytest and nbval, the versions of requirements-dev.txt, as test
tooling, and it refuses to go on if they changed the version of anything Binder installed.

The venv is reused while binder/requirements.txt, binder/runtime.txt's Python, binder/postBuild
and the tooling pins stay the same (their hash is recorded in the venv); when other files change
(gru_helpers), postBuild runs again in it. The benchmark script imports this file by path to
measure the notebooks in the same environment.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOOLING = ("pytest", "nbval")  # test tooling added after Binder's own packages
STATE_FILE = "binder-venv.json"


def repository_files(repo=ROOT):
    """The files a clone of ``repo``'s working tree would hold: tracked files, and untracked files
    that git does not ignore."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted(name for name in out.split("\0") if name and (repo / name).is_file())


def copy_repository(dest, repo=ROOT, names=None):
    """Copy ``names`` (default ``repository_files(repo)``) to ``dest``, file modes kept; return
    ``dest``."""
    dest = pathlib.Path(dest)
    for name in repository_files(repo) if names is None else names:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, dest / name)
    return dest


class MissingPython(RuntimeError):
    """This machine lacks the Python that binder/runtime.txt names: the Binder venv cannot be
    built."""


def _runtime_python(repo):
    """An interpreter of the version binder/runtime.txt names (``python-3.11``)."""
    runtime = (repo / "binder" / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    if not match:
        raise RuntimeError(f"binder/runtime.txt should read python-X.Y, not {runtime!r}")
    version = tuple(int(part) for part in match.groups())
    if sys.version_info[:2] == version:
        return sys.executable  # `-m venv` from inside a venv builds on the base interpreter
    found = shutil.which("python{}.{}".format(*version))
    if found is None or subprocess.run([found, "-c", ""], capture_output=True).returncode:
        raise MissingPython(
            "binder/runtime.txt asks for Python {}.{}, which is not installed".format(*version)
        )
    return found


def _tooling_pins(repo):
    """The ``pytest==...`` and ``nbval==...`` lines of requirements-dev.txt."""
    pins = {}
    for line in (repo / "requirements-dev.txt").read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+)", line)
        if match and match.group(1).lower() in TOOLING:
            pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    missing = set(TOOLING) - set(pins)
    if missing:
        raise RuntimeError(f"requirements-dev.txt pins no version of {sorted(missing)}")
    return [pins[name] for name in TOOLING]


def _digest(*parts):
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part if isinstance(part, bytes) else str(part).encode())
        sha.update(b"\0")
    return sha.hexdigest()


def _run(cmd, **kwargs):
    """Run ``cmd``; on failure raise with its whole output, so a test report shows why."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _freeze(python):
    lines = _run([python, "-m", "pip", "freeze", "--all"]).splitlines()
    return {line.split("==")[0].lower(): line for line in lines if "==" in line}


def site_packages_bytes(python):
    """Bytes in the venv's site-packages (what pip installed there)."""
    folder = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).strip()
    return sum(
        f.stat().st_size
        for f in pathlib.Path(folder).rglob("*")
        if f.is_file() and not f.is_symlink()
    )


def venv_environment(python):
    """The environment a command in the venv should get: its bin first on PATH, nothing of ours
    leaking in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    }
    env["VIRTUAL_ENV"] = str(pathlib.Path(python).parent.parent)
    env["PATH"] = str(pathlib.Path(python).parent) + os.pathsep + env.get("PATH", "")
    return env


def _wanted(repo):
    """What an up-to-date venv records: hashes of what it was built from, and the tooling pins."""
    base_python = _runtime_python(repo)
    base_version = _run([base_python, "-c", "import sys; print(sys.version)"]).strip()
    tooling = _tooling_pins(repo)
    return {
        # A new requirements file, Python, postBuild or tooling: a fresh venv.
        # Other files: postBuild again.
        "requirements_sha256": _digest(
            (repo / "binder" / "requirements.txt").read_bytes(),
            base_version,
            (repo / "binder" / "postBuild").read_bytes(),
            *tooling,
        ),
        "repository_sha256": _repository_digest(repo, repository_files(repo)),
        "tooling": tooling,
    }


def _repository_digest(folder, names):
    """What postBuild could read: every file but the notebooks (they change often, and pip never
    reads them)."""
    return _digest(
        *(
            name.encode() + b"\0" + (folder / name).read_bytes()
            for name in names
            if not name.endswith(".ipynb") and (folder / name).is_file()
        )
    )


def _state(path):
    state_file = path / STATE_FILE
    return json.loads(state_file.read_text()) if state_file.exists() else {}


def _up_to_date(path, wanted):
    state = _state(path)
    return (path / "bin" / "python").exists() and all(
        state.get(key) == value for key, value in wanted.items()
    )


@contextlib.contextmanager
def binder_venv(path, repo=ROOT):
    """Build (or reuse) the Binder venv at ``path``; yield its python while holding it in use.

    A lock file next to ``path`` is held shared while the venv is in use and exclusively while it
    is built, so a second test run (or the benchmark) never rebuilds it under a running notebook.
    """
    path, repo = pathlib.Path(path).resolve(), pathlib.Path(repo).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        wanted = _wanted(repo)
        if not _up_to_date(path, wanted):
            fcntl.flock(lock, fcntl.LOCK_UN)
            fcntl.flock(lock, fcntl.LOCK_EX)
            _build(path, repo, wanted)
            fcntl.flock(lock, fcntl.LOCK_SH)
        yield path / "bin" / "python"


def build_binder_venv(path, repo=ROOT):
    """Create (or reuse) the Binder venv at ``path`` and return the path of its python."""
    with binder_venv(path, repo) as python:
        return python


def _build(path, repo, wanted):
    python = path / "bin" / "python"
    state = _state(path)
    if state.get("requirements_sha256") != wanted["requirements_sha256"] or not python.exists():
        shutil.rmtree(path, ignore_errors=True)
        _run([_runtime_python(repo), "-m", "venv", path])
        # repo2docker's command, where binder/requirements.txt is the only file, as in the image.
        with tempfile.TemporaryDirectory(prefix="binder-requirements-") as alone:
            (pathlib.Path(alone) / "binder").mkdir()
            shutil.copy2(repo / "binder" / "requirements.txt", pathlib.Path(alone) / "binder")
            _run(
                [
                    python,
                    "-m",
                    "pip",
                    "install",
                    "--no-cache-dir",
                    "-r",
                    "binder/requirements.txt",
                ],
                cwd=alone,
                env=venv_environment(python),
            )
        state = {"requirements_sha256": wanted["requirements_sha256"]}
        _save(path, state)

    if state.get("repository_sha256") != wanted["repository_sha256"]:
        with tempfile.TemporaryDirectory(prefix="binder-clone-") as clone:
            names = repository_files(repo)
            clone = copy_repository(clone, repo, names)
            # Run postBuild the way repo2docker does: made executable, run as ./binder/postBuild
            # from the repository's root, with the environment's bin first on PATH.
            postbuild = clone / "binder" / "postBuild"
            if postbuild.exists():
                postbuild.chmod(postbuild.stat().st_mode | 0o111)
                _run(["./binder/postBuild"], cwd=clone, env=venv_environment(python))
            if "tooling" not in state:  # the size of Binder's install alone, before the tooling
                state["binder_site_packages_bytes"] = site_packages_bytes(python)
            state["repository_sha256"] = _repository_digest(clone, names)
            _save(path, state)

    if state.get("tooling") != wanted["tooling"]:
        before = _freeze(python)
        _run(
            [python, "-m", "pip", "install", "--no-cache-dir", *wanted["tooling"]],
            env=venv_environment(python),
        )
        after = _freeze(python)
        changed = sorted(line for name, line in before.items() if after.get(name) != line)
        if changed:
            raise RuntimeError(
                f"installing {wanted['tooling']} changed what Binder installed: {changed} -> "
                f"{[after.get(line.split('==')[0].lower()) for line in changed]}"
            )
        state["tooling"] = wanted["tooling"]
        _save(path, state)


def _save(path, state):
    (path / STATE_FILE).write_text(json.dumps(state, indent=1))


# A child starts with the peak memory of the process that forked it (Linux keeps it across exec),
# so a command started straight from a process that holds TensorFlow (pytest, the benchmark) could
# never report less than that process's size. A small process of its own in between measures it.
PEAK_OF_CHILDREN = (
    "import pathlib, resource, subprocess, sys; "
    "status = subprocess.run(sys.argv[2:]).returncode; "
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
    "pathlib.Path(sys.argv[1]).write_text(str(peak)); "
    "sys.exit(status)"
)


def run_with_peak_memory(cmd, **kwargs):
    """Run ``cmd`` and return (exit status, its stdout and stderr, peak resident bytes).

    The peak is the largest resident set of the command and every process it started and waited
    for (a notebook's kernel, for pytest with nbval or nbconvert).
    """
    with tempfile.TemporaryDirectory() as folder:
        peak_file = pathlib.Path(folder) / "peak"
        result = subprocess.run(
            [sys.executable, "-c", PEAK_OF_CHILDREN, str(peak_file), *map(str, cmd)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            **kwargs,
        )
        return result.returncode, result.stdout, int(peak_file.read_text()) * 1024


if __name__ == "__main__":  # build it by hand: python tests/binder_venv.py [path]
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "binder-venv"
    print(build_binder_venv(target))
