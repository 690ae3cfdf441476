"""The interactive adder in a real browser: JupyterLab, headless Chromium, Playwright.

JupyterLab starts on 127.0.0.1 with a random free port and a random token; its settings, workspaces,
checkpoints and runtime files live in a temporary folder, with autosave off. The test opens
notebooks/08_interactive_adder.ipynb, clears its outputs, runs every cell, moves the ``a`` slider with the
keyboard, types a 200-digit sum and a bad one into the text box, and checks what the result area shows.

It never saves the notebook (its stored outputs are what nbval compares) and checks that the file is
unchanged at the end. Screenshots go to test-artifacts/ (gitignored). Without Chromium or Playwright it is
skipped with the reason, unless the environment variable CI is "true", where that is a failure.
"""

import json
import os
import pathlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/08_interactive_adder.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
SETTINGS = {  # JupyterLab user settings: never save on its own, no news or update checks, every cell in the DOM
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def missing_browser():
    """Why the test cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements-dev.txt)"
    return None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A running JupyterLab server: its base URL, token, and a small REST client."""

    def __init__(self, url, token):
        self.url, self.token = url, token

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", "DELETE")
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", "DELETE")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test must run in CI: {reason}")
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("jupyterlab")
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(24)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}",
    ]  # no .ipynb_checkpoints in the repo
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        lab = Lab(f"http://127.0.0.1:{port}", token)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    lab.api("status")
                    break
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(
                            f"JupyterLab did not start; its log:\n{log_path.read_text()[-3000:]}"
                        )
                    time.sleep(0.5)
            yield lab
        finally:
            try:
                if server.poll() is None:
                    lab.shut_down_kernels()
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def click_menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel:visible", has_text=re.compile(f"^{item}$")).click()


def wait_until_run(page, panel, timeout_ms):
    """Until the kernel is idle and every code cell shows an execution count, [n]:."""
    page.wait_for_function(
        """panel => {
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                .map(prompt => prompt.textContent.trim());
            const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
            return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p)) && status === 'idle';
        }""",
        arg=panel.element_handle(),
        timeout=timeout_ms,
    )


def test_the_app_adds_in_a_real_browser(lab):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    stored = (ROOT / NOTEBOOK).read_bytes()
    a, b = int("7" * 200), int("3" * 199 + "9")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.set_default_timeout(60_000)
        try:
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?reset&token={lab.token}")
            panel = page.locator(".jp-NotebookPanel:visible")
            kernel_status = page.locator(
                "#jp-main-statusbar .jp-StatusBar-TextItem", has_text="Python 3"
            )
            expect(kernel_status).to_have_text(
                re.compile(r"\| Idle$"), timeout=120_000
            )  # connected, ready
            click_menu(page, "Edit", "Clear Outputs of All Cells")
            expect(panel.locator(".adder-app")).to_have_count(0)
            click_menu(page, "Run", "Run All Cells")
            wait_until_run(page, panel, timeout_ms=300_000)
            prompts = panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
            assert prompts == [f"[{n}]:" for n in range(1, len(prompts) + 1)]

            app = panel.locator(".adder-app")
            result, text = app.locator(".adder-result"), app.locator(".adder-text input")
            expect(result).to_contain_text(
                "107 + 46: the network says 153, the true sum is 153: they agree"
            )

            handle = app.locator(".adder-a .noUi-handle")
            handle.focus()
            handle.press("ArrowRight")
            expect(result).to_contain_text(
                "108 + 46: the network says 154, the true sum is 154: they agree"
            )
            expect(text).to_have_value("108 + 46")
            app.scroll_into_view_if_needed()
            app.screenshot(path=ARTIFACTS / "interactive_adder_slider.png")

            text.fill(f"{a} + {b}")
            text.press("Enter")
            expect(result.locator(".adder-network-sum")).to_have_text(str(a + b), timeout=120_000)
            expect(result.locator(".adder-true-sum")).to_have_text(str(a + b))
            expect(result.locator(".adder-verdict")).to_have_text("they agree")
            expect(app.locator(".adder-a .widget-readout")).to_have_text(
                "108"
            )  # typing leaves the sliders
            app.screenshot(path=ARTIFACTS / "interactive_adder.png")

            text.fill("-3 + 4")
            text.press("Enter")
            expect(result.locator(".adder-error")).to_have_text(
                "-3 is negative: the adder adds whole numbers from 0 up."
            )
            handle.focus()
            handle.press("ArrowLeft")  # still working after bad input
            expect(result).to_contain_text(
                "107 + 46: the network says 153, the true sum is 153: they agree"
            )
        finally:
            page.screenshot(path=ARTIFACTS / "interactive_adder_page.png")
            browser.close()
            lab.shut_down_kernels()
    assert (ROOT / NOTEBOOK).read_bytes() == stored, (
        "the browser saved the notebook: its outputs changed"
    )
