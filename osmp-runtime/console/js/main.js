// The console: connects to the server that served the page, reads its schema, and wires
// the command list, the selected command's form, the runs, active commands, events, login,
// history and theme together.

import { ActivePanel } from './active.js';
import { OsmpClient } from './client.js';
import { commandLine } from './cmdline.js';
import { byId, clock, h, pretty, replace } from './dom.js';
import { EventsPanel } from './events.js';
import { buildForm } from './form.js';
import { History } from './history.js';
import { Login } from './login.js';
import { commandHash, parseHash } from './route.js';
import { Runs } from './runs.js';
import { SchemaDocument } from './schema.js';
import { initTheme } from './theme.js';

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/osmp/v1`;
const fingerprint = document.querySelector('meta[name="osmp-fingerprint"]')?.content || null;

const state = {
  client: null,
  schema: null,
  user: null,
  /** The command shown: {command, form, params, tab}. */
  current: null,
};

const getClient = () => state.client;
const history = new History();
const events = new EventsPanel(getClient);
const active = new ActivePanel(getClient);
const runs = new Runs(byId('runs'), () => active.watch(byId('runs').querySelector('[data-state="running"]') !== null));
const login = new Login(getClient, (user, message) => {
  state.user = user;
  showUser(message);
  loadSchema();
});

// ---- connection -----------------------------------------------------------------------

function showConnection(connectionState, reason) {
  const element = byId('connection');
  element.dataset.state = connectionState;
  element.textContent = {
    connecting: 'connecting…',
    open: 'connected',
    closed: `disconnected${reason ? `: ${reason}` : ''}`,
  }[connectionState];
}

async function connect() {
  state.client?.close('reconnecting');
  const client = new OsmpClient(url);
  state.client = client;
  login.install(client);
  client.addEventListener('state', (event) => {
    if (state.client !== client) return;
    showConnection(event.detail.state, event.detail.reason);
    if (event.detail.state === 'closed') {
      state.user = null;
      showUser();
      active.watch(false);
    }
  });
  client.addEventListener('event', (event) => events.receive(event.detail));
  try {
    await client.connect();
  } catch {
    return; // the state shows why
  }
  await loadSchema();
  await events.renew();
  active.refresh();
}

function showUser(message) {
  byId('user').textContent = state.user ? `logged in as ${state.user}` : 'not logged in';
  byId('user').title = message ?? '';
  byId('login-open').hidden = state.user !== null;
  byId('logout').hidden = state.user === null;
  if (state.current) updateCommandLine();
}

// ---- schema and command list ------------------------------------------------------------

async function loadSchema() {
  const client = state.client;
  let response;
  try {
    response = await client.call('schema');
  } catch (error) {
    showListMessage(`The schema could not be read: ${error.message}`);
    return;
  }
  if (String(response.status).toUpperCase() === 'ERROR') {
    state.schema = null;
    showListMessage(response.result ?? 'The schema could not be read.');
    if (/authentication required/i.test(response.result ?? '')) login.open(response.result);
    return;
  }
  state.schema = new SchemaDocument(response.data);
  events.offer(state.schema.events);
  renderList();
  route();
}

function showListMessage(text) {
  replace(byId('command-list'), h('p', { class: 'notice', role: 'alert' }, text));
  byId('search-status').textContent = '';
}

function renderList() {
  if (!state.schema) return;
  const term = byId('search').value;
  const { commands, error } = state.schema.search(term);
  byId('search-status').textContent = error
    ?? `${commands.length} of ${state.schema.commands.length} commands${term ? ` match ${term}` : ''}`;
  const selected = state.current?.command.command;
  const groups = state.schema.sets.map((set) => ({ set, commands: commands.filter((c) => c.instructionSet === set.name) }))
    .filter((group) => group.commands.length > 0);
  replace(byId('command-list'), ...groups.map(({ set, commands: inSet }) => h('section', { class: 'set' },
    h('h2', { title: set.description }, set.name),
    h('ul', { class: 'plain' }, inSet.map((command) => h('li', {},
      h('a', { href: commandHash(command.command), dataset: { command: command.command }, 'aria-current': command.command === selected ? 'page' : null },
        h('span', { class: 'name' }, command.command),
        command.aliases?.length ? h('span', { class: 'aliases' }, ` ${command.aliases.join(', ')}`) : null,
        h('span', { class: 'description' }, command.description))))))));
}

// ---- the selected command ---------------------------------------------------------------

/** Shows what the location's hash asks for. */
function route() {
  if (!state.schema) return;
  const { command: name, params, error } = parseHash(location.hash);
  if (name === null) {
    if (error) showCommandMessage(error);
    return;
  }
  const command = state.schema.find(name);
  if (!command) {
    showCommandMessage(`There is no command '${name}' on this server.`);
    return;
  }
  if (state.current?.command.command !== command.command || params !== undefined) show(command, params ?? {});
  if (error) byId('raw-error').textContent = error;
}

function showCommandMessage(text) {
  state.current = null;
  replace(byId('command'), h('p', { class: 'notice', role: 'alert' }, text));
}

function show(command, params) {
  const declared = [...(command['mandatory-params'] ?? []), ...(command['optional-params'] ?? [])].map((param) => param.name);
  const form = buildForm(state.schema, command['params-schema'], declared);
  const raw = h('textarea', { id: 'raw-json', rows: 8, spellcheck: 'false', class: 'json', 'aria-describedby': 'raw-error' });
  const formTab = h('button', { type: 'button', role: 'tab', id: 'tab-form', 'aria-controls': 'panel-form' }, 'Form');
  const jsonTab = h('button', { type: 'button', role: 'tab', id: 'tab-json', 'aria-controls': 'panel-json' }, 'JSON');
  const formPanel = h('div', { role: 'tabpanel', id: 'panel-form', 'aria-labelledby': 'tab-form' }, form.element);
  const jsonPanel = h('div', { role: 'tabpanel', id: 'panel-json', 'aria-labelledby': 'tab-json' },
    h('label', { for: 'raw-json' }, 'Parameters as one JSON object (sent as the command\'s data)'), raw,
    h('p', { id: 'raw-error', class: 'error-text', role: 'alert' }));
  const run = h('button', { type: 'button', id: 'run', class: 'primary', title: 'Ctrl+Enter' }, 'Run');
  const copy = h('button', { type: 'button', id: 'copy-cmdline' }, 'Copy as command line');
  const meta = [`instruction set ${command.instructionSet}`, `version ${command.version ?? 0}`];
  if (command.aliases?.length) meta.push(`aliases ${command.aliases.join(', ')}`);
  if (command.requires) meta.push(`requires ${command.requires}`);
  replace(byId('command'),
    h('h2', { id: 'command-title' }, command.command),
    h('p', { class: 'meta' }, meta.join(' · ')),
    h('p', { class: 'description' }, command.description),
    command['long-description'] ? h('p', { class: 'long-description' }, command['long-description']) : null,
    h('div', { role: 'tablist', 'aria-label': 'Parameters' }, formTab, jsonTab),
    formPanel, jsonPanel,
    h('div', { class: 'actions' }, run, copy, h('span', { id: 'copy-status', class: 'help', role: 'status' })),
    h('pre', { id: 'cmdline', class: 'cmdline', 'aria-label': 'Command line' }),
    command['return-values']?.length ? h('details', { class: 'returns' }, h('summary', {}, 'Return values'),
      h('dl', {}, command['return-values'].map((field) => [h('dt', {}, field.name), h('dd', {}, field.description)]))) : null,
    command['result-schema'] ? h('details', { class: 'schema' }, h('summary', {}, 'Result schema'), h('pre', { class: 'json' }, pretty(command['result-schema']))) : null);

  state.current = { command, form, params: {}, raw };
  const selectTab = (tab) => {
    state.current.tab = tab;
    formTab.setAttribute('aria-selected', String(tab === 'form'));
    jsonTab.setAttribute('aria-selected', String(tab === 'json'));
    formTab.tabIndex = tab === 'form' ? 0 : -1;
    jsonTab.tabIndex = tab === 'json' ? 0 : -1;
    formPanel.hidden = tab !== 'form';
    jsonPanel.hidden = tab !== 'json';
  };
  formTab.addEventListener('click', () => selectTab('form'));
  jsonTab.addEventListener('click', () => selectTab('json'));
  for (const tab of [formTab, jsonTab]) {
    tab.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      const next = tab === formTab ? jsonTab : formTab;
      next.click();
      next.focus();
    });
  }
  selectTab('form');

  form.element.addEventListener('input', () => paramsChanged(form.get(), 'form'));
  form.element.addEventListener('change', () => paramsChanged(form.get(), 'form'));
  raw.addEventListener('input', () => {
    const text = raw.value.trim();
    let value;
    try {
      value = text === '' ? {} : JSON.parse(text);
    } catch (error) {
      byId('raw-error').textContent = `Not valid JSON: ${error.message}`;
      state.current.rawInvalid = true;
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      byId('raw-error').textContent = 'The parameters must be a JSON object.';
      state.current.rawInvalid = true;
      return;
    }
    paramsChanged(value, 'json');
  });
  run.addEventListener('click', runCurrent);
  copy.addEventListener('click', copyCommandLine);
  paramsChanged(params, 'link');
  renderList();
}

/** Keeps the form, the raw JSON, the command line and the link in step. */
function paramsChanged(params, from) {
  const current = state.current;
  current.params = params;
  current.rawInvalid = false;
  byId('raw-error').textContent = '';
  if (from !== 'form') current.form.set(params);
  if (from !== 'json') current.raw.value = pretty(params);
  updateCommandLine();
  const hash = commandHash(current.command.command, params);
  if (location.hash !== hash) window.history.replaceState(null, '', hash);
}

function updateCommandLine() {
  const current = state.current;
  byId('cmdline').textContent = commandLine({
    url, command: current.command.command, params: current.params, fingerprint, user: state.user,
  });
}

function runCurrent() {
  const current = state.current;
  if (!current || !state.client) return;
  if (current.tab === 'json' && current.rawInvalid) {
    current.raw.focus();
    return;
  }
  if (current.tab === 'form' && !current.form.validate()) return;
  history.add(current.command.command, current.params);
  renderHistory();
  runs.start(state.client, state.schema, current.command, current.params);
}

async function copyCommandLine() {
  const text = byId('cmdline').textContent;
  const status = byId('copy-status');
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    // No clipboard (a page served over plain http to another host): select it for Ctrl+C.
    const range = document.createRange();
    range.selectNodeContents(byId('cmdline'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    status.textContent = 'Selected: press Ctrl+C to copy.';
  }
}

// ---- history --------------------------------------------------------------------------

function renderHistory() {
  byId('history').hidden = !history.enabled;
  byId('history-enabled').checked = history.enabled;
  replace(byId('history-list'), ...history.entries().map((entry) => h('li', {},
    h('a', { href: commandHash(entry.command, entry.params) }, h('code', {}, entry.command),
      Object.keys(entry.params).length ? ` ${JSON.stringify(entry.params)}` : ''),
    ' ', h('time', { datetime: entry.at }, clock(new Date(entry.at))))));
}

// ---- wiring -----------------------------------------------------------------------------

byId('server').textContent = url;
byId('reconnect').addEventListener('click', connect);
byId('search').addEventListener('input', renderList);
byId('history-enabled').addEventListener('change', (event) => {
  history.enabled = event.target.checked;
  renderHistory();
});
byId('history-clear').addEventListener('click', () => {
  history.clear();
  renderHistory();
});
window.addEventListener('hashchange', route);
document.addEventListener('keydown', (event) => {
  const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName);
  if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    byId('search').focus();
  } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && state.current) {
    event.preventDefault();
    runCurrent();
  }
});
initTheme(byId('theme'));
renderHistory();
showUser();
connect();
