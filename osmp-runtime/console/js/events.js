// Events: subscriptions by name or '*', and a live timeline with a filter, pause, clear and
// a capped buffer. Subscriptions are renewed after a reconnect.

import { byId, clock, h, pretty, replace } from './dom.js';

/** Events the timeline keeps; the oldest are dropped and counted. */
const MAX_EVENTS = 1000;

export class EventsPanel {
  constructor(getClient) {
    this.getClient = getClient;
    this.subscribed = new Set();
    this.entries = [];
    this.dropped = 0;
    this.paused = false;
    this.timeline = byId('timeline');
    this.status = byId('event-status');
    this.filter = byId('event-filter');
    byId('subscribe-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const name = byId('subscribe-name').value.trim();
      if (name) this.subscribe(name);
    });
    this.filter.addEventListener('input', () => this.entries.forEach((entry) => this.applyFilter(entry)));
    byId('event-pause').addEventListener('change', (event) => {
      this.paused = event.target.checked;
      if (!this.paused) this.entries.forEach((entry) => this.show(entry));
      this.updateStatus();
    });
    byId('event-clear').addEventListener('click', () => {
      this.entries = [];
      this.dropped = 0;
      this.timeline.replaceChildren();
      this.updateStatus();
    });
  }

  /** The events of the schema, offered when typing a name. */
  offer(events) {
    replace(byId('event-names'), h('option', { value: '*' }, 'all events'),
      events.map((event) => h('option', { value: event.event }, event.description ?? '')));
  }

  async subscribe(name) {
    try {
      const response = await this.getClient().call('event-subscribe', { event: name });
      if (String(response.status).toUpperCase() === 'ERROR') {
        this.status.textContent = `${name}: ${response.result}`;
        return;
      }
      this.subscribed.add(name);
      this.status.textContent = `Subscribed to ${name}.`;
      this.renderSubscriptions();
    } catch (error) {
      this.status.textContent = `${name}: ${error.message}`;
    }
  }

  async unsubscribe(name) {
    try {
      await this.getClient().call('event-unsubscribe', { event: name });
    } catch {
      // The session is gone, and the subscription with it.
    }
    this.subscribed.delete(name);
    this.status.textContent = `Unsubscribed from ${name}.`;
    this.renderSubscriptions();
  }

  /** Subscribes again to everything after a reconnect. */
  async renew() {
    const names = [...this.subscribed];
    this.subscribed.clear();
    for (const name of names) await this.subscribe(name);
    this.renderSubscriptions();
  }

  renderSubscriptions() {
    replace(byId('subscriptions'), ...[...this.subscribed].map((name) => {
      const button = h('button', { type: 'button', class: 'small', 'aria-label': `Unsubscribe from ${name}` }, 'Unsubscribe');
      button.addEventListener('click', () => this.unsubscribe(name));
      return h('li', { dataset: { event: name } }, h('code', {}, name), ' ', button);
    }));
  }

  /** An event from the client: kept, and shown unless paused. */
  receive({ event, data, received }) {
    const entry = { event, data, received, element: null, text: `${event} ${JSON.stringify(data)}`.toLowerCase() };
    this.entries.push(entry);
    while (this.entries.length > MAX_EVENTS) {
      this.entries.shift().element?.remove();
      this.dropped += 1;
    }
    if (!this.paused) this.show(entry);
    this.updateStatus();
  }

  show(entry) {
    if (entry.element) return;
    entry.element = h('li', { class: 'event', dataset: { event: entry.event } },
      h('time', {}, clock(entry.received)), ' ', h('strong', {}, entry.event),
      entry.data === null ? null : h('pre', { class: 'json' }, pretty(entry.data)));
    this.applyFilter(entry);
    this.timeline.prepend(entry.element);
  }

  applyFilter(entry) {
    if (entry.element) entry.element.hidden = !entry.text.includes(this.filter.value.trim().toLowerCase());
  }

  updateStatus() {
    const waiting = this.entries.filter((entry) => !entry.element).length;
    const parts = [`${this.entries.length} ${this.entries.length === 1 ? 'event' : 'events'}`];
    if (waiting) parts.push(`${waiting} new while paused`);
    if (this.dropped) parts.push(`${this.dropped} older dropped`);
    byId('event-count').textContent = parts.join(', ');
  }
}
