"""The web console in a real browser, against examples/pa_system --console: the command list
and search, form-built and raw-JSON calls, copy as command line, progress, cancel, events,
login, deep links, history, keyboard use and the dark theme."""

import base64
import json
import os
import re
import shutil
import urllib.parse
from pathlib import Path

from playwright.sync_api import expect
import pytest

from conftest import listed_commands, open_console, run_command_line

ROOT = Path(__file__).resolve().parents[2]


def frames(page):
    """Collects the page's WebSocket messages, both ways, parsed."""
    seen = {"sent": [], "received": []}

    def watch(socket):
        socket.on("framesent", lambda payload: seen["sent"].append(json.loads(payload)))
        socket.on("framereceived", lambda payload: seen["received"].append(json.loads(payload)))

    page.on("websocket", watch)
    return seen


def run_button(page):
    return page.locator("#run")


def latest_run(page, command):
    return page.locator(f'.run[data-command="{command}"]').first


def test_every_command_is_listed_under_a_strict_policy(page, pa):
    response = open_console(page, pa)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    document = pa.call("schema")["data"]
    names = {command["command"] for s in document["instruction-sets"] for command in s["commands"]}
    assert sorted(listed_commands(page)) == sorted(names)
    assert {"echo", "wait", "vcall-create", "log-stream", "line-test"} <= names
    # Aliases, descriptions and sets are shown as the schema says.
    vcc = page.locator('#command-list a[data-command="vcall-create"]')
    expect(vcc).to_contain_text("vcc")
    expect(vcc).to_contain_text("Create a new or change an existing announcement.")
    expect(page.locator("#command-list .set h2")).to_have_text(["standard", "director", "vd1", "maintenance"])


def test_search_finds_what_apropos_finds(page, pa):
    open_console(page, pa)
    for term in ["call", "LOG", "^vcall-(play|stop)$", "zone|line", "cancel", "announce", "no-such-thing-anywhere"]:
        page.fill("#search", term)
        expected = sorted(command["cmd"] for command in pa.call("apropos", f"term={term}")["data"]["commands"])
        assert sorted(listed_commands(page)) == expected, term
        expect(page.locator("#search-status")).to_contain_text(f"{len(expected)} of")
    page.fill("#search", "(")
    expect(page.locator("#search-status")).to_contain_text("not a valid regular expression")
    assert pa.call("apropos", "term=(")["status"] == "ERROR", "the server refuses it too"
    page.fill("#search", "")
    assert len(listed_commands(page)) > 20


def test_a_call_built_with_the_form(page, pa):
    open_console(page, pa, "#/cmd/vcall-create")
    expect(page.locator("#command-title")).to_have_text("vcall-create")
    form = page.locator("#panel-form")
    form.locator('[data-param="call-id"] input').fill("form-built")
    for index, source in enumerate(["Gong", "AllClear"]):
        form.locator('[data-param="sources"] > button.add').click()
        form.locator('[data-param="sources"] li input').nth(index).fill(source)
    form.locator('[data-param="zones"] > button.add').click()
    form.locator('[data-param="zones"] li input').first.fill("Lobby")
    priority = form.locator('[data-param="priority"] input')
    expect(priority).to_have_attribute("min", "0")
    expect(priority).to_have_attribute("max", "255")
    priority.fill("60")
    form.locator('[data-param="start"] select').select_option("false")
    # The raw JSON follows the form.
    page.click("#tab-json")
    expected = {"call-id": "form-built", "sources": ["Gong", "AllClear"], "zones": ["Lobby"], "priority": 60, "start": False}
    assert json.loads(page.input_value("#raw-json")) == expected
    page.click("#tab-form")
    line = page.text_content("#cmdline")
    assert line.endswith(
        """vcall-create call-id=form-built priority=60 sources='["Gong","AllClear"]' start=false zones='["Lobby"]'"""
    ), line
    run_button(page).click()
    run = latest_run(page, "vcall-create")
    expect(run).to_have_attribute("data-state", "ok")
    status = pa.call("vcall-list", "filter=^form-built$")["data"]
    call = next(call for call in status["calls"] if call["call-id"] == "form-built")
    assert (call["sources"], call["zones"], call["priority"]) == (["Gong", "AllClear"], ["Lobby"], 60), call
    # A mandatory field left empty stops the run in the browser.
    page.goto(pa.console_url + "#/cmd/vcall-status")
    expect(page.locator("#command-title")).to_have_text("vcall-status")
    run_button(page).click()
    assert page.locator('.run[data-command="vcall-status"]').count() == 0
    assert page.evaluate("document.activeElement.name") == "call-id"


def test_a_raw_json_call_and_its_command_line(page, pa):
    open_console(page, pa, "#/cmd/echo")
    page.click("#tab-json")
    token = {"html": "<b>not bold</b>", "quote": "it's \"42\"", "json-looking": "42", "list": [1, 2.5, True, None]}
    page.fill("#raw-json", json.dumps({"token": token}))
    # The form follows the JSON: the token is a JSON value there.
    assert json.loads(page.locator('#panel-form [data-param="token"] textarea').input_value()) == token
    run_button(page).click()
    run = latest_run(page, "echo")
    expect(run).to_have_attribute("data-state", "ok")
    expect(run.locator(".rendered")).to_contain_text("<b>not bold</b>")
    assert run.locator("b").count() == 0, "data is shown as text, never as HTML"
    assert json.loads(run.locator("pre.json").text_content()) == {"token": token}
    # The command line sends the same parameters.
    line = page.text_content("#cmdline")
    assert line.startswith(f"osmp --fingerprint {pa.fingerprint} call {pa.url} echo token=")
    assert run_command_line(line)["data"] == {"token": token}
    # Plain strings stay plain, strings that read as JSON are quoted as JSON.
    page.fill("#raw-json", json.dumps({"token": "42"}))
    assert page.text_content("#cmdline").endswith("""echo token='"42"'""")
    assert run_command_line(page.text_content("#cmdline"))["data"] == {"token": "42"}
    page.fill("#raw-json", json.dumps({"token": "hello world"}))
    assert page.text_content("#cmdline").endswith("echo token='hello world'")
    # Invalid JSON is not sent.
    page.fill("#raw-json", "{not json")
    expect(page.locator("#raw-error")).to_contain_text("Not valid JSON")
    run_button(page).click()
    expect(page.locator('.run[data-command="echo"]')).to_have_count(1)
    page.click("#copy-cmdline")
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    # An ERROR answer is shown as an error.
    page.evaluate("""location.hash = '#/cmd/vcall-status?params={"call-id":"no-such-call"}'""")
    expect(page.locator("#command-title")).to_have_text("vcall-status")
    run_button(page).click()
    failed = latest_run(page, "vcall-status")
    expect(failed).to_have_attribute("data-state", "error")
    expect(failed.locator(".error-text[role=alert]")).to_have_text("No such call: no-such-call")


def test_progress_runs_side_by_side(page, pa):
    seen = frames(page)
    open_console(page, pa, '#/cmd/line-test?params={"zone":"Floor 1","seconds-per-line":0.4}')
    run_button(page).click()
    page.fill('#panel-form [data-param="zone"] input', "Floor 2")
    run_button(page).click()
    first, second = page.locator('.run[data-command="line-test"]').nth(1), page.locator('.run[data-command="line-test"]').nth(0)
    expect(first).to_have_attribute("data-state", "running")
    expect(second).to_have_attribute("data-state", "running")
    expect(first.locator(".progress-text")).to_have_text(re.compile(r"^[1-5] / 6 · Measuring lo\.1\.ao\.\d+$"))
    bar = first.locator("progress")
    assert float(bar.get_attribute("max")) == 6 and 0 < bar.evaluate("bar => bar.value") < 6
    for run in (first, second):
        expect(run).to_have_attribute("data-state", "ok")
        expect(run).to_have_attribute("data-progress", "complete")
        assert run.locator("progress").evaluate("bar => bar.value === bar.max")
        expect(run.locator(".rendered table tbody tr")).to_have_count(6)
    expect(second.locator(".rendered")).to_contain_text("lo.1.ao.9")
    kinds = [m["data"].get("type") for m in seen["received"] if m.get("type") == "stream"]
    assert kinds[0] == "progress-indeterminate" and "progress" in kinds and kinds[-1] == "progress-complete", kinds


def test_cancel_stops_a_running_wait_on_the_server(page, pa):
    seen = frames(page)
    open_console(page, pa, "#/cmd/wait")
    run_button(page).click()
    run = latest_run(page, "wait")
    expect(run).to_have_attribute("data-state", "running")
    nr = int(run.get_attribute("data-nr"))
    # The server's own list of what runs for this session (active-cmds) shows it.
    active = page.locator(f'#active-list li[data-name="wait"][data-nr="{nr}"]')
    expect(active).to_be_visible()
    run.locator("button.cancel").click()
    expect(run).to_have_attribute("data-state", "cancelled")
    expect(run.locator(".result")).to_contain_text("Cancelled")
    page.click("#active-refresh")
    expect(active).to_have_count(0)
    expect(page.locator("#active-list")).to_contain_text("none")
    assert any(m.get("type") == "cancel" and m["data"] == {"cmds": [nr]} for m in seen["sent"]), seen["sent"]
    numbers = [m["nr"] for m in seen["sent"]]
    assert numbers == list(range(1, len(numbers) + 1)), f"every message the console sends is numbered: {numbers}"
    answers = [m for m in seen["received"] if m.get("type") == "response" and m.get("cmd-nr") == nr]
    assert [(m["status"], m.get("result")) for m in answers] == [("OK", "Cancelled")], answers
    # Asked once more as a command of its own: the server runs no wait for this session.
    page.evaluate("location.hash = '#/cmd/active-cmds'")
    run_button(page).click()
    listing = latest_run(page, "active-cmds")
    expect(listing).to_have_attribute("data-state", "ok")
    running = json.loads(listing.locator("pre.json").text_content())["cmds"]
    assert [command for command in running if command["name"] == "wait"] == [], running


def test_a_long_command_outlives_the_call_timeout(page, pa):
    """The console fails a call that shows no sign of life for 10 s; the server's
    session-status keeps a longer one alive."""
    open_console(page, pa, '#/cmd/wait?params={"seconds":11}')
    run_button(page).click()
    run = latest_run(page, "wait")
    page.wait_for_timeout(10_500)
    expect(run).to_have_attribute("data-state", "running")
    expect(run).to_have_attribute("data-state", "ok", timeout=5_000)


def test_events_appear_live_with_filter_pause_and_clear(page, pa):
    seen = frames(page)
    open_console(page, pa)
    page.fill("#subscribe-name", "vcall-status-changed")
    page.click("#subscribe-form button[type=submit]")
    expect(page.locator('#subscriptions li[data-event="vcall-status-changed"]')).to_be_visible()
    timeline = page.locator("#timeline li")
    # Another client makes something happen.
    created = pa.call("vcall-create", "call-id=live-event", 'sources=["Gong"]', 'zones=["Staircase"]', "start=true")
    assert created["status"] == "OK", created
    live = page.locator('#timeline li[data-event="vcall-status-changed"]', has_text="live-event").first
    expect(live).to_be_visible()
    page.fill("#event-filter", "no-event-has-this")
    expect(live).to_be_hidden()
    page.fill("#event-filter", "LIVE-EVENT")
    expect(live).to_be_visible()
    page.fill("#event-filter", "")
    page.check("#event-pause")
    shown = timeline.count()
    assert pa.call("vcall-stop", "call-id=live-event")["status"] == "OK"
    expect(page.locator("#event-count")).to_contain_text("new while paused")
    assert timeline.count() == shown
    page.uncheck("#event-pause")
    expect(timeline).to_have_count(shown + 1)
    page.click("#event-clear")
    expect(timeline).to_have_count(0)
    # '*' subscribes to every event; unsubscribing ends the subscription.
    page.fill("#subscribe-name", "*")
    page.click("#subscribe-form button[type=submit]")
    expect(page.locator('#subscriptions li[data-event="*"]')).to_be_visible()
    expect(page.locator('#timeline li[data-event="vdevice-status-changed"]').first).to_be_visible()
    # Events that happen together arrive as one multi-event: each of its events is shown.
    for call, zone in [("multi-1", "Floor 1"), ("multi-2", "Floor 2")]:
        created = pa.call("vcall-create", f"call-id={call}", 'sources=["EvacuationText"]', f'zones=["{zone}"]', "start=true")
        assert created["status"] == "OK", created
    mark = len(seen["received"])
    assert pa.call("vcall-stop", "call-id=*")["status"] == "OK"
    expect(page.locator('#timeline li[data-event="vcall-status-changed"]', has_text="multi-2")).to_have_count(2)
    multi = [m for m in seen["received"][mark:] if m.get("type") == "event" and m.get("id") is None]
    assert multi, "the stops arrived in one multi-event"
    for item in (item for m in multi for item in m["data"]["events"]):
        entry = page.locator(f'#timeline li[data-event="{item["event"]}"]', has_text=item["data"]["call-id"])
        expect(entry.filter(has_text=item["data"]["status"]).first).to_be_visible()
    assert pa.call("vcall-delete", "call-id=multi-1")["status"] == "OK"
    assert pa.call("vcall-delete", "call-id=multi-2")["status"] == "OK"
    # Reconnect: a new session, and the subscriptions come back with it.
    page.click("#reconnect")
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    expect(page.locator("#event-status")).to_have_text("Subscribed to *.")
    created = pa.call("vcall-create", "call-id=after-reconnect", 'sources=["Gong"]', 'zones=["Yard"]', "start=true")
    assert created["status"] == "OK", created
    expect(page.locator('#timeline li[data-event="vcall-status-changed"]', has_text="after-reconnect").first).to_be_visible()
    assert pa.call("vcall-delete", "call-id=after-reconnect")["status"] == "OK"
    page.click('#subscriptions li[data-event="vcall-status-changed"] button')
    expect(page.locator('#subscriptions li[data-event="vcall-status-changed"]')).to_have_count(0)
    assert pa.call("vcall-delete", "call-id=live-event")["status"] == "OK"


def test_login_with_a_wrong_and_the_right_password(page, pa_auth):
    seen = frames(page)
    open_console(page, pa_auth, logged_in=False)
    dialog = page.locator("#login-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#command-list")).to_contain_text("Authentication required!")
    page.fill("#login-user", "jon")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#login-message")).to_have_text("Login failed!")
    expect(page.locator("#login-password")).to_have_value("")
    page.fill("#login-password", "secret")
    page.click("#login-submit")
    expect(dialog).to_be_hidden()
    expect(page.locator("#user")).to_have_text("logged in as jon")
    # Each password-request was answered over the protocol: PKCS#1 v1.5 for the 2048-bit key.
    challenges = [m for m in seen["received"] if m.get("type") == "cmd" and m.get("id") == "password-request"]
    answers = [m for m in seen["sent"] if m.get("type") == "response" and m.get("id") == "password-request"]
    assert [a["cmd-nr"] for a in answers] == [c["nr"] for c in challenges] and len(answers) == 2, seen["sent"]
    ciphertexts = [base64.b64decode(a["data"]["encrypted-password"]) for a in answers]
    assert [len(c) for c in ciphertexts] == [256, 256] and ciphertexts[0] != ciphertexts[1]
    assert all("secret" not in json.dumps(m) for m in seen["sent"]), "the password never leaves unencrypted"
    expect(page.locator("#command-list a").first).to_be_visible()
    # The session is logged in on the server: commands run.
    page.goto(pa_auth.console_url + '#/cmd/echo?params={"token":"after login"}')
    expect(page.locator("#command-title")).to_have_text("echo")
    run_button(page).click()
    expect(latest_run(page, "echo")).to_have_attribute("data-state", "ok")
    assert page.text_content("#cmdline").startswith(f"osmp --user jon call {pa_auth.url} echo")
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert "secret" not in stored, stored
    page.click("#logout")
    expect(page.locator("#user")).to_have_text("not logged in")
    expect(page.locator("#command-list")).to_contain_text("Authentication required!")


def test_deep_links_select_and_fill_but_never_run(page, pa):
    params = urllib.parse.quote(json.dumps({"token": "hi there + more"}))
    open_console(page, pa, f"#/cmd/echo?params={params}")
    expect(page.locator("#command-title")).to_have_text("echo")
    assert json.loads(page.locator('#panel-form [data-param="token"] textarea').input_value()) == "hi there + more"
    assert page.locator(".run").count() == 0
    # Aliases and dashless names lead to their command.
    for link, command in [("#/cmd/vcc", "vcall-create"), ("#/cmd/eventlist", "event-list"), ("#/cmd/%3F", "help")]:
        page.evaluate(f"location.hash = {json.dumps(link)}")
        expect(page.locator("#command-title")).to_have_text(command)
    page.evaluate("location.hash = '#/cmd/no-such-command'")
    expect(page.locator("#command")).to_contain_text("There is no command 'no-such-command'")
    # Editing a form updates the link, which opens the same form again.
    page.evaluate("location.hash = '#/cmd/vcall-status'")
    page.fill('#panel-form [data-param="call-id"] input', "from a link")
    expected = "#/cmd/vcall-status?params=" + urllib.parse.quote(json.dumps({"call-id": "from a link"}, separators=(",", ":")), safe="")
    assert page.evaluate("location.hash") == expected
    page.reload()
    expect(page.locator('#panel-form [data-param="call-id"] input')).to_have_value("from a link")
    page.evaluate("location.hash = '#/cmd/echo?params=[1]'")
    expect(page.locator("#raw-error")).to_contain_text("not a JSON object")


def test_keyboard_and_history(page, pa):
    open_console(page, pa)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("^echo$")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.dataset.command")
    assert focused == "echo"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", "focus is visible"
    page.keyboard.press("Enter")
    expect(page.locator("#command-title")).to_have_text("echo")
    page.check("#history-enabled")
    page.locator('#panel-form [data-param="token"] textarea').fill('"kept"')
    page.keyboard.press("Control+Enter")
    expect(latest_run(page, "echo")).to_have_attribute("data-state", "ok")
    page.reload()
    expect(page.locator("#history-list li").first).to_contain_text('echo {"token":"kept"}')
    page.click("#history-list a")
    expect(page.locator("#command-title")).to_have_text("echo")
    page.uncheck("#history-enabled")
    expect(page.locator("#history")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('osmp-console.history')") is None
    # Every control has a label.
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, textarea, button')]
             .filter(c => c.offsetParent !== null && !(c.labels?.length || c.getAttribute('aria-label') || c.textContent.trim()))
             .map(c => c.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


def background(page):
    rgb = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(part) for part in re.findall(r"\d+", rgb)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize("color_scheme", ["dark"])
def test_the_dark_theme_follows_the_system_and_the_toggle(page, pa, color_scheme):
    open_console(page, pa)
    assert background(page) < 0.2, "dark when the system prefers dark"
    expect(page.locator("#theme")).to_have_text("Theme: system (dark)")
    page.click("#theme")
    expect(page.locator("#theme")).to_have_text("Theme: dark")
    page.click("#theme")
    expect(page.locator("#theme")).to_have_text("Theme: light")
    assert background(page) > 0.8
    page.reload()
    expect(page.locator("#theme")).to_have_text("Theme: light")
    assert background(page) > 0.8, "the choice is kept"
    page.click("#theme")
    expect(page.locator("#theme")).to_have_text("Theme: system (dark)")
    assert background(page) < 0.2


def test_a_light_system_gets_the_light_theme(page, pa):
    open_console(page, pa)
    assert background(page) > 0.8
    expect(page.locator("#theme")).to_have_text("Theme: system (light)")


def test_screenshot(page, pa):
    """The README's picture: a line test, an event timeline, a result."""
    open_console(page, pa)
    page.fill("#subscribe-name", "vcall-status-changed")
    page.click("#subscribe-form button[type=submit]")
    page.fill("#search", "call|line")
    page.goto(pa.console_url + '#/cmd/vcall-create?params={"call-id":"evac","sources":["Gong","EvacuationText"],"zones":["Floor 3","Lobby"],"priority":30,"start":true}')
    run_button(page).click()
    expect(latest_run(page, "vcall-create")).to_have_attribute("data-state", "ok")
    page.goto(pa.console_url + '#/cmd/line-test?params={"zone":"Parking","seconds-per-line":2}')
    run_button(page).click()
    run = latest_run(page, "line-test")
    expect(run.locator(".progress-text")).to_have_text(re.compile(r"^[2-9] / 12"), timeout=30_000)
    target = ROOT / "target" / "browser"
    target.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(target / "console.png"))
    run.locator("button.cancel").click()
    expect(run).to_have_attribute("data-state", "cancelled")
    pa.call("vcall-delete", "call-id=evac")
    if os.environ.get("OSMP_UPDATE_SCREENSHOT"):
        shutil.copy(target / "console.png", ROOT / "docs" / "console.png")


def test_forms_from_schemas_of_every_kind(page, pa):
    """The form generator on a schema with what the PA sets do not use: nested objects,
    choices with descriptions, mandatory booleans, maps, lists of objects, defaults."""
    open_console(page, pa)
    result = page.evaluate(
        """async () => {
        const { buildForm } = await import('/assets/js/form.js');
        const { SchemaDocument } = await import('/assets/js/schema.js');
        const document_ = new SchemaDocument({
          'instruction-sets': [],
          '$defs': {
            Mode: { oneOf: [{ const: 'fast', description: 'Quick and rough' }, { const: 'exact', description: 'Slow' }] },
            Point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] },
          },
        });
        const form = buildForm(document_, {
          type: 'object',
          required: ['enabled', 'mode', 'origin'],
          properties: {
            enabled: { type: 'boolean', description: 'Whether it runs' },
            mode: { $ref: '#/$defs/Mode' },
            origin: { $ref: '#/$defs/Point', description: 'Where it starts' },
            limit: { type: ['integer', 'null'], minimum: 1, maximum: 10, default: 5 },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            path: { type: 'array', items: { $ref: '#/$defs/Point' } },
            color: { type: 'string', enum: ['red', 'green'] },
          },
        }, ['enabled', 'mode', 'origin', 'limit', 'labels', 'path', 'color']);
        document.body.append(form.element);
        const value = { enabled: true, mode: 'exact', origin: { x: 1, y: 2.5 }, limit: 7,
                        labels: { a: 'A', b: 'B' }, path: [{ x: 0, y: 0 }, { x: 3, y: 4 }], extra: [1] };
        form.set(value);
        const read = form.get();
        const controls = [...form.element.querySelectorAll('[data-param]')].map((field) => field.dataset.param);
        const limit = form.element.querySelector('[data-param="limit"] input');
        const mode = form.element.querySelector('[data-param="mode"] select');
        form.set({});
        const empty = form.get();
        const valid = form.validate();
        return {
          read, controls, empty, valid,
          limit: [limit.type, limit.min, limit.max, limit.placeholder],
          modeOptions: [...mode.options].map((option) => option.textContent),
          help: form.element.querySelector('[data-param="mode"] .help').textContent,
          checkbox: form.element.querySelector('[data-param="enabled"] input').type,
          extras: form.element.querySelector('.extras').hidden,
        };
      }"""
    )
    assert result["read"] == {
        "extra": [1], "enabled": True, "mode": "exact", "origin": {"x": 1, "y": 2.5}, "limit": 7,
        "labels": {"a": "A", "b": "B"}, "path": [{"x": 0, "y": 0}, {"x": 3, "y": 4}],
    }
    assert result["controls"][:4] == ["enabled", "mode", "origin", "x"], result["controls"]
    assert result["limit"] == ["number", "1", "10", "5"]
    assert result["modeOptions"] == ["— choose —", "fast", "exact"]
    assert "exact: Slow" in result["help"]
    assert result["checkbox"] == "checkbox"
    assert result["empty"] == {"enabled": False, "origin": {}}, "optional fields left empty are not sent"
    assert result["valid"] is False, "mandatory fields left empty stop the run"
    assert result["extras"] is True
