// Runs: each command the operator runs gets its own panel with a progress bar, the stream
// items as they arrive, the result shown against the command's result schema, errors as
// errors, and a Cancel that sends the protocol's cancel. Several run at once.

import { clock, h, pretty, replace } from './dom.js';
import { renderData } from './render.js';

/** Stream items a panel keeps; older ones are dropped and counted. */
const MAX_ITEMS = 500;
/** Finished panels kept; the oldest go first. */
const MAX_FINISHED = 50;

export class Runs {
  /** `container`: where panels go, newest first; `onChange()`: a run started or ended. */
  constructor(container, onChange) {
    this.container = container;
    this.onChange = onChange;
  }

  /** Runs `command` (a schema entry) with `params` on `client`; `document` renders its data. */
  start(client, document, command, params) {
    const run = new RunPanel(document, command, params);
    this.container.prepend(run.element);
    const finished = [...this.container.children].filter((panel) => panel.dataset.state !== 'running');
    finished.slice(MAX_FINISHED).forEach((panel) => panel.remove());
    try {
      run.attach(client.start(command.command, Object.keys(params).length ? params : undefined));
    } catch (error) {
      run.failed(error);
      return run;
    }
    this.onChange();
    run.finished.then(() => this.onChange());
    return run;
  }
}

class RunPanel {
  constructor(document, command, params) {
    this.document = document;
    this.command = command;
    this.dropped = 0;
    this.status = h('span', { class: 'status', role: 'status' }, 'sending');
    this.cancelButton = h('button', { type: 'button', class: 'cancel', disabled: true }, 'Cancel');
    const close = h('button', { type: 'button', class: 'small close', 'aria-label': `Close this run of ${command.command}` }, 'Close');
    this.nrLabel = h('span', { class: 'nr' });
    this.progress = h('progress', { max: 1, 'aria-label': `Progress of ${command.command}` });
    this.progressText = h('span', { class: 'progress-text' });
    this.progressRow = h('div', { class: 'progress', hidden: true }, this.progress, this.progressText);
    this.items = h('ol', { class: 'stream', 'aria-label': 'Stream' });
    this.droppedNote = h('p', { class: 'help', hidden: true });
    this.text = null;
    this.result = h('div', { class: 'result' });
    this.element = h('article', { class: 'run', dataset: { command: command.command, state: 'running' } },
      h('header', {}, h('h3', {}, command.command), this.nrLabel, h('time', {}, clock()), this.status, this.cancelButton, close),
      h('details', { class: 'params' }, h('summary', {}, 'Parameters'), h('pre', {}, pretty(params))),
      this.progressRow, this.droppedNote, this.items, this.result);
    close.addEventListener('click', () => {
      this.call?.cancel();
      this.element.remove();
    });
    this.finished = new Promise((resolve) => { this.resolveFinished = resolve; });
  }

  attach(call) {
    this.call = call;
    this.element.dataset.nr = call.nr;
    this.nrLabel.textContent = `#${call.nr}`;
    this.setState('running', 'running');
    this.cancelButton.disabled = false;
    this.cancelButton.addEventListener('click', () => {
      this.cancelRequested = true;
      call.cancel();
      this.cancelButton.disabled = true;
      this.status.textContent = 'cancelling…';
    });
    call.onStream((data) => this.streamed(data));
    call.response.then((response) => this.answered(response), (error) => this.failed(error));
  }

  setState(state, text) {
    this.element.dataset.state = state;
    this.status.textContent = text;
  }

  streamed(data) {
    const type = data && typeof data === 'object' ? data.type : undefined;
    if (type === 'progress' || type === 'progress-indeterminate' || type === 'progress-complete') {
      this.showProgress(type, data);
      return;
    }
    if (data && typeof data.text === 'string' && Object.keys(data).length === 1) {
      if (!this.text) {
        this.text = h('pre', { class: 'text' });
        this.items.append(h('li', {}, this.text));
      }
      this.text.append(data.text);
      return;
    }
    this.text = null;
    const item = data && typeof data.line === 'string' && Object.keys(data).length === 1
      ? h('li', { class: 'line' }, data.line)
      : h('li', {}, renderData(this.document, this.command['stream-schema'], data));
    this.items.append(item);
    while (this.items.childElementCount > MAX_ITEMS) {
      this.items.firstElementChild.remove();
      this.dropped += 1;
      this.droppedNote.hidden = false;
      this.droppedNote.textContent = `${this.dropped} earlier items not shown.`;
    }
  }

  showProgress(type, data) {
    this.progressRow.hidden = false;
    const message = typeof data.message === 'string' ? data.message : '';
    if (type === 'progress') {
      const total = Number(data.total) > 0 ? Number(data.total) : 1;
      this.progress.max = total;
      this.progress.value = Math.min(Number(data.value) || 0, total);
      this.progressText.textContent = `${data.value} / ${data.total}${message ? ` · ${message}` : ''}`;
      this.element.dataset.progress = 'determinate';
    } else if (type === 'progress-indeterminate') {
      this.progress.removeAttribute('value');
      this.progressText.textContent = message || 'working…';
      this.element.dataset.progress = 'indeterminate';
    } else {
      this.progress.max = 1;
      this.progress.value = 1;
      this.progressText.textContent = 'complete';
      this.element.dataset.progress = 'complete';
    }
  }

  answered(response) {
    this.cancelButton.disabled = true;
    const ok = String(response.status).toUpperCase() !== 'ERROR';
    const cancelled = ok && (this.cancelRequested || /cancel/i.test(response.result ?? ''));
    this.setState(ok ? (cancelled ? 'cancelled' : 'ok') : 'error', ok ? (cancelled ? 'cancelled' : 'OK') : 'ERROR');
    replace(this.result,
      response.result ? h('p', { class: ok ? 'result-text' : 'error-text', role: ok ? null : 'alert' }, response.result) : null,
      response.data !== undefined && response.data !== null
        ? [h('div', { class: 'rendered' }, renderData(this.document, ok ? this.command['result-schema'] : undefined, response.data)),
          h('details', { class: 'raw' }, h('summary', {}, 'JSON'), h('pre', { class: 'json' }, pretty(response.data)))]
        : null);
    this.resolveFinished();
  }

  failed(error) {
    this.cancelButton.disabled = true;
    this.setState('failed', error.kind === 'timeout' ? 'timed out' : 'failed');
    replace(this.result, h('p', { class: 'error-text', role: 'alert' }, String(error.message ?? error)));
    this.resolveFinished();
  }
}
