// What the server runs for this session now, as `active-cmds` reports it, with a Cancel
// for each: refreshed when a run starts or ends, and every few seconds while any runs.

import { byId, h, replace } from './dom.js';

const REFRESH_MS = 3000;

export class ActivePanel {
  constructor(getClient) {
    this.getClient = getClient;
    this.list = byId('active-list');
    this.timer = null;
    byId('active-refresh').addEventListener('click', () => this.refresh());
  }

  /** Refreshes now, and keeps refreshing while `running` is true. */
  watch(running) {
    this.refresh();
    if (running && !this.timer) this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    if (!running && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  async refresh() {
    const client = this.getClient();
    if (!client || client.state !== 'open') {
      this.list.replaceChildren();
      return;
    }
    let response;
    try {
      response = await client.call('active-cmds');
    } catch {
      return;
    }
    if (String(response.status).toUpperCase() === 'ERROR') {
      replace(this.list, h('li', { class: 'help' }, response.result ?? 'unavailable'));
      return;
    }
    const commands = response.data?.cmds ?? [];
    replace(this.list, ...commands.map((command) => {
      const cancel = h('button', { type: 'button', class: 'small', 'aria-label': `Cancel ${command.name} #${command['cmd-nr']}` }, 'Cancel');
      cancel.addEventListener('click', () => {
        client.cancel([command['cmd-nr']]);
        setTimeout(() => this.refresh(), 300);
      });
      return h('li', { dataset: { nr: command['cmd-nr'], name: command.name } },
        h('code', {}, command.name), ` #${command['cmd-nr']} since ${command['start-time'] ?? '?'} `, cancel);
    }));
    if (commands.length === 0) this.list.append(h('li', { class: 'help none' }, 'none'));
  }
}
