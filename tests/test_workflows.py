"""CI runs the README's test command on every push and every pull request (GitHub Actions).

The README gives one command that runs every test, `make test`; .ci/run runs it, and so does
.github/workflows/tests.yml, on a push to any branch and on any pull request, with what makes the
second run quick (pip's, npm's and uv's downloads) in GitHub's cache.
"""

import pathlib
import re

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML: in the pinned environment, not in every nox session

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "tests.yml"


def readme_test_command():
    """The command the README's "Two commands" section gives for running every test."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"^## Two commands$.*?```bash\n(.*?)```", readme, re.DOTALL | re.MULTILINE)
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    (test,) = [command for command in commands if command.split()[-1:] == ["test"]]
    return test


def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps():
    return [step for job in workflow()["jobs"].values() for step in job["steps"]]


def test_the_readme_gives_one_test_command_and_ci_runs_it():
    assert readme_test_command() == "make test"
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1].strip() == readme_test_command()


def test_the_workflow_runs_on_every_push_and_every_pull_request():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as True
    for event in ("push", "pull_request"):
        assert event in triggers, event
        assert not (triggers[event] or {}), f"{event} is limited to {triggers[event]}"


def test_the_workflow_runs_the_readme_test_command():
    runs = [step["run"].strip() for step in steps() if "run" in step]
    assert readme_test_command() in runs, runs


def test_the_workflow_caches_what_makes_the_second_run_quick():
    by_action = {
        step["uses"].split("@")[0]: step.get("with", {}) for step in steps() if "uses" in step
    }
    assert by_action["actions/setup-python"]["cache"] == "pip"
    assert set(by_action["actions/setup-python"]["python-version"].split()) == {
        "3.11",
        "3.12",
        "3.13",
    }  # the pinned environment's, and those nox's sessions ask for
    assert by_action["actions/setup-node"]["cache"] == "npm"
    assert by_action["actions/setup-node"]["cache-dependency-path"] == "tests/package-lock.json"
    assert "~/.cache/uv" in by_action["actions/cache"]["path"]
