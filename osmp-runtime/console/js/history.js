// The opt-in history of the last requests, in localStorage. It never holds secrets: login
// is never recorded, nor the values of parameters whose names say they are secret.

const ENABLED = 'osmp-console.history.enabled';
const ENTRIES = 'osmp-console.history';
const SECRET = /pass|secret|private|credential/i;

export class History {
  constructor(limit = 50) {
    this.limit = limit;
  }

  get enabled() {
    return localStorage.getItem(ENABLED) === 'true';
  }

  /** Turning it off forgets every entry. */
  set enabled(on) {
    if (on) localStorage.setItem(ENABLED, 'true');
    else {
      localStorage.removeItem(ENABLED);
      localStorage.removeItem(ENTRIES);
    }
  }

  /** The entries, newest first: {command, params, at}. */
  entries() {
    try {
      const entries = JSON.parse(localStorage.getItem(ENTRIES) ?? '[]');
      return Array.isArray(entries) ? entries : [];
    } catch {
      return [];
    }
  }

  /** Records a request, when enabled. */
  add(command, params) {
    if (!this.enabled || command === 'login') return;
    const kept = {};
    for (const [key, value] of Object.entries(params ?? {})) {
      if (!SECRET.test(key)) kept[key] = value;
    }
    const entry = { command, params: kept, at: new Date().toISOString() };
    const same = (other) => other.command === command && JSON.stringify(other.params) === JSON.stringify(kept);
    const entries = [entry, ...this.entries().filter((other) => !same(other))].slice(0, this.limit);
    localStorage.setItem(ENTRIES, JSON.stringify(entries));
  }

  clear() {
    localStorage.removeItem(ENTRIES);
  }
}
