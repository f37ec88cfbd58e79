"""Fixtures of the web console's browser tests: the PA example's server with --console, the
`osmp` command line as a second client, and headless Debian chromium driven by Playwright.

scripts/browser.sh sets OSMP_PA_SYSTEM and OSMP_CLI to the binaries it built, and
OSMP_CHROMIUM to the browser (default /usr/bin/chromium).
"""

import json
import os
import queue
import re
import shlex
import subprocess
import tempfile
import threading

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("OSMP_CHROMIUM", "/usr/bin/chromium")
PA_SYSTEM = os.environ.get("OSMP_PA_SYSTEM", "target/debug/examples/pa_system")
OSMP_CLI = os.environ.get("OSMP_CLI", "target/debug/osmp")
# Browser downloads and Google's services are not reachable here: without the
# background-networking flags chromium's own connections are refused, many at a time.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every wait of a test is bounded.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


class PaServer:
    """examples/pa_system on 127.0.0.1:0 with the console, until stopped."""

    def __init__(self, *flags):
        self.log = tempfile.NamedTemporaryFile(prefix="pa-system-", suffix=".log", delete=False)
        command = [PA_SYSTEM, "--bind", "127.0.0.1:0", "--console", "--no-device-changes", *flags]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        self.fingerprint = None
        self.console_url = None
        while True:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"pa_system did not start; its log: {self.log.name}")
            if match := re.search(r"SHA-256 fingerprint (\S+)", line):
                self.fingerprint = match.group(1)
            if match := re.search(r"console on (\S+)", line):
                self.console_url = match.group(1)
            if match := re.search(r"listening on (\S+)", line):
                self.url = match.group(1)
                break
        assert self.console_url, "--console announces the console"

    def cli_prefix(self):
        """The `osmp` command line with what trusts this server."""
        prefix = [OSMP_CLI]
        if self.fingerprint:
            prefix += ["--fingerprint", self.fingerprint]
        return prefix

    def call(self, command, *params, user=None, password=None):
        """Runs `osmp --json call URL COMMAND KEY=VALUE…` as another client; the response."""
        words = self.cli_prefix() + ["--json", "--timeout", "10"]
        environment = dict(os.environ)
        if user:
            words += ["--user", user]
            environment["OSMP_PASSWORD"] = password
        words += ["call", self.url, command, *params]
        done = subprocess.run(words, capture_output=True, text=True, timeout=30, env=environment)
        return response_of(done)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def response_of(done):
    """The response message among the JSON lines `osmp --json call` printed."""
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    responses = [message for message in messages if message.get("type") == "response"]
    assert responses, f"no response (exit {done.returncode}): {done.stdout} {done.stderr}"
    return responses[-1]


def run_command_line(line):
    """Runs a command line the console copied, with the built `osmp` and `--json`, in a shell."""
    assert line.startswith("osmp "), line
    shell_line = f"{shlex.quote(OSMP_CLI)} {line[len('osmp '):]} --json --timeout 10"
    return response_of(subprocess.run(["bash", "-c", shell_line], capture_output=True, text=True, timeout=30))


@pytest.fixture(scope="session")
def pa():
    """The PA example over wss:// with a generated certificate."""
    server = PaServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pa_auth():
    """The PA example over plain ws://, logins required, one account jon:secret."""
    server = PaServer("--no-tls", "--require-auth", "--user", "jon:secret")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def color_scheme():
    """The color scheme the browser reports; tests override it."""
    return "light"


@pytest.fixture
def page(browser, color_scheme):
    """A page in a fresh context; the test fails if the page logs an error (a script error,
    a refused resource or a Content-Security-Policy violation)."""
    context = browser.new_context(
        ignore_https_errors=True, viewport={"width": 1440, "height": 960}, color_scheme=color_scheme
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and errors.append(f"console: {message.text}"))
    page.errors = errors
    yield page
    context.close()
    assert not errors, errors


def open_console(page, server, hash_="", logged_in=True):
    """Opens the console and waits until it is connected and lists the commands."""
    response = page.goto(server.console_url + hash_)
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    if logged_in:
        expect(page.locator("#command-list a").first).to_be_visible()
    return response


def listed_commands(page):
    return page.locator("#command-list a").evaluate_all("links => links.map(link => link.dataset.command)")
