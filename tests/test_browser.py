"""The interactive adder in a real browser, by keyboard alone: JupyterLab, headless Chromium.

JupyterLab starts on 127.0.0.1 with a random free port and a random token; its settings,
workspaces, checkpoints and runtime files live in a temporary folder, with autosave off. The test
opens notebooks/08_interactive_adder.ipynb, clears its outputs and runs every cell (from
JupyterLab's menus). Then, through Playwright, it uses the app as a reader with a keyboard and a
screen reader would, with key presses only: up through the cells to the app's, Tab into the app
and from control to control, each found by the name a screen reader says ("slider a", "textbox
a + b"), in the order they are drawn; the arrow keys move the sliders, typing and Enter set a
value box and the text box (a 200-digit sum, a bad one). It reads the sum from the page and from
the live region a screen reader reads out, and runs axe-core on the app: no serious or critical
violation of WCAG 2.0/2.1 A and AA.

It never saves the notebook (its stored outputs are what nbval compares) and checks that the file
is unchanged at the end. Screenshots go to test-artifacts/ (gitignored), among them the app
reached by keyboard. Without Chromium, Playwright or axe-core (`make test` installs it from npm)
it is skipped with the reason, unless the environment variable CI is "true", where that is a
failure.
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
# axe-core, the accessibility rules, as tests/package-lock.json pins it (`npm ci` in tests/)
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # the rules axe tags with these
FAILING_IMPACTS = {"serious", "critical"}
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
# JupyterLab user settings: never save on its own, no news or update checks, every cell in the DOM
SETTINGS = {
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


def missing_axe():
    """Why the accessibility audit cannot run here, or None."""
    if not AXE.exists():
        return (
            f"no axe-core at {AXE.relative_to(ROOT)} (`make test` installs it: npm ci in tests/)"
        )
    return None


def unavailable(reason):
    """Skip a test that cannot run here, saying why; in CI (CI is "true") fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"this test must run in CI: {reason}")
    pytest.skip(reason)


def axe_violations(page, context=None, rules=None):
    """axe-core's violations on the page (or inside the element ``context``), as axe reports them.

    By default the WCAG 2.0 and 2.1 A and AA rules; ``rules`` names some rules to run instead.
    """
    page.add_script_tag(path=str(AXE))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_A_AA}
    results = page.evaluate(
        """([context, runOnly]) =>
            axe.run(context || document, {runOnly, resultTypes: ['violations']})""",
        [context.element_handle() if context else None, run_only],
    )
    return results["violations"]


def failing(violations, exceptions=None):
    """The serious and critical ones, less those ``exceptions`` ({rule: reason}) accepts."""
    return [
        v
        for v in violations
        if v["impact"] in FAILING_IMPACTS and v["id"] not in (exceptions or {})
    ]


def describe(violations):
    """Violations as text a failing test can show: rule, impact, help, and the first elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -- {v['helpUrl']}")
        lines += [
            f"    {' '.join(map(str, n['target']))}: {n['html'][:160]}" for n in v["nodes"][:5]
        ]
    return "\n".join(lines)


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
    reason = missing_browser() or missing_axe()
    if reason:
        unavailable(reason)
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
            return prompts.length > 0
                && prompts.every(p => /^\\[\\d+\\]:$/.test(p))
                && status === 'idle';
        }""",
        arg=panel.element_handle(),
        timeout=timeout_ms,
    )


def reach_the_app_by_keyboard(page, panel, app):
    """Key presses only: from the active cell up to the app's, then Tab into the app."""
    page.keyboard.press("Escape")  # command mode: the arrow keys move from cell to cell
    for _ in range(panel.locator(".jp-Cell").count()):
        if panel.locator(".jp-Cell.jp-mod-active .adder-app").count():
            break
        page.keyboard.press("ArrowUp")
    assert panel.locator(".jp-Cell.jp-mod-active .adder-app").count() == 1, (
        "the arrow keys did not reach the app's cell"
    )
    stops = []  # where Tab went before the app: the cell's toolbar
    for _ in range(10):
        page.keyboard.press("Tab")
        if app.evaluate("(app) => app.contains(document.activeElement)"):
            return stops
        stops.append(page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)"))
    raise AssertionError(f"Tab did not reach the app; it went to: {stops}")


def test_the_app_adds_by_keyboard_alone_in_a_real_browser(lab):
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

            # the controls, by the role and name a screen reader announces
            app = panel.locator(".adder-app")
            slider = {n: app.get_by_role("slider", name=n, exact=True) for n in ("bits", "a", "b")}
            box = {n: app.get_by_role("textbox", name=n, exact=True) for n in ("bits", "a", "b")}
            text = app.get_by_role("textbox", name="a + b", exact=True)
            said = app.get_by_role("status")  # the live region: what a screen reader reads out
            result = app.locator(".adder-result")
            expect(result).to_contain_text(
                "107 + 46: the network says 153, the true sum is 153: they agree"
            )

            def tab(control, back=False):
                page.keyboard.press("Shift+Tab" if back else "Tab")
                expect(control).to_be_focused()

            def says(sentence):
                expect(said).to_have_text(sentence)
                expect(result.locator(".adder-summary, .adder-error")).to_have_text(sentence)

            def type_into(control, value):
                page.keyboard.press("ControlOrMeta+A")  # all of the box's text, then replace it
                page.keyboard.type(value)
                page.keyboard.press("Enter")
                expect(control).to_be_focused()

            # Tab reaches the first control, then each in the order they are drawn
            reach_the_app_by_keyboard(page, panel, app)
            expect(slider["bits"]).to_be_focused()
            tab(box["bits"])
            tab(slider["a"])
            page.keyboard.press("ArrowRight")
            says("108 + 46: the network says 154, the true sum is 154: they agree.")
            expect(text).to_have_value("108 + 46")
            app.scroll_into_view_if_needed()
            app.screenshot(path=ARTIFACTS / "interactive_adder_keyboard.png")  # focus on a

            tab(box["a"])
            type_into(box["a"], "200")
            says("200 + 46: the network says 246, the true sum is 246: they agree.")
            expect(slider["a"]).to_have_attribute("aria-valuenow", "200.0")
            tab(slider["b"])
            page.keyboard.press("ArrowLeft")
            says("200 + 45: the network says 245, the true sum is 245: they agree.")
            tab(box["b"])
            tab(text)
            type_into(text, f"{a} + {b}")  # the sum is read from the page
            expect(result.locator(".adder-network-sum")).to_have_text(str(a + b), timeout=120_000)
            expect(result.locator(".adder-true-sum")).to_have_text(str(a + b))
            says(f"{a} + {b}: the network says {a + b}, the true sum is {a + b}: they agree.")
            expect(box["a"]).to_have_text("200")  # typing a sum leaves the sliders
            app.screenshot(path=ARTIFACTS / "interactive_adder.png")

            type_into(text, "-3 + 4")
            says("-3 is negative: the adder adds whole numbers from 0 up.")
            tab(box["b"], back=True)
            tab(slider["b"], back=True)
            page.keyboard.press("ArrowRight")  # still working after bad input
            says("200 + 46: the network says 246, the true sum is 246: they agree.")

            violations = failing(axe_violations(page, context=app))
            assert not violations, "the app in JupyterLab:\n" + describe(violations)
        finally:
            page.screenshot(path=ARTIFACTS / "interactive_adder_page.png")
            browser.close()
            lab.shut_down_kernels()
    assert (ROOT / NOTEBOOK).read_bytes() == stored, (
        "the browser saved the notebook: its outputs changed"
    )
