// An OSMP client over one WebSocket: numbered messages, responses matched by cmd-nr,
// streams, cancellation, events (single and multi-events), commands the server sends to
// the client, and the session-status keep-alive that saves long commands from timing out.

/** Why a call ended without a response. */
export class CallError extends Error {
  constructor(message, kind) {
    super(message);
    this.name = 'CallError';
    /** 'timeout' or 'closed'. */
    this.kind = kind;
  }
}

/** One command sent to the server, waiting for its response. */
export class Call {
  constructor(client, nr, id, data) {
    this.client = client;
    this.nr = nr;
    this.id = id;
    this.data = data;
    this.started = new Date();
    this.lastHeard = Date.now();
    this.streamListeners = [];
    /** The response message ({status, result, data, …}); rejects with a CallError. */
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Calls `listener(data, message)` for each stream message, as it arrives. */
  onStream(listener) {
    this.streamListeners.push(listener);
  }

  /** Asks the server to cancel the command; its response still comes. */
  cancel() {
    this.client.cancel([this.nr]);
  }
}

/**
 * The client. Events it dispatches: `state` (detail: {state, reason}), `event` (detail:
 * {event, data}) for every server event, one by one, multi-events taken apart.
 */
export class OsmpClient extends EventTarget {
  #socket = null;
  #nr = 0;
  #pending = new Map();
  #handlers = new Map();
  #watchdog = null;
  #state = 'closed';

  /** `url`: ws:// or wss://…/osmp/v1; `callTimeout`: ms without a sign of life (reference: 10 s). */
  constructor(url, { callTimeout = 10_000 } = {}) {
    super();
    this.url = url;
    this.callTimeout = callTimeout;
    /** The data of `session-initiated` (protocol, version, date-time, public-key). */
    this.session = null;
  }

  get state() {
    return this.#state;
  }

  /** Opens the WebSocket; resolves with `session-initiated`'s data. */
  connect() {
    this.close();
    this.#setState('connecting');
    const socket = new WebSocket(this.url);
    this.#socket = socket;
    return new Promise((resolve, reject) => {
      this.initiated = { resolve, reject };
      socket.addEventListener('message', (message) => this.#receive(message.data));
      socket.addEventListener('close', (close) => {
        if (this.#socket !== socket) return;
        const reason = close.reason || (close.code === 1000 ? 'closed' : `connection lost (code ${close.code})`);
        this.#closed(reason);
      });
      this.#watchdog = setInterval(() => this.#expire(), 500);
      // A server sends session-initiated first; one that does not is no OSMP server.
      setTimeout(() => {
        if (this.#socket === socket && this.#state === 'connecting') this.close('no session-initiated from the server');
      }, this.callTimeout);
    });
  }

  /** Closes the session; pending calls fail. */
  close(reason = 'closed by the console') {
    if (!this.#socket) return;
    const socket = this.#socket;
    socket.close(1000, reason);
    this.#closed(reason);
  }

  /** Sends a command; returns its Call. */
  start(id, data) {
    if (this.#state !== 'open') throw new CallError(`not connected (${this.#state})`, 'closed');
    const nr = this.#next();
    const call = new Call(this, nr, id, data);
    this.#pending.set(nr, call);
    const message = { type: 'cmd', nr, id };
    if (data !== undefined && data !== null) message.data = data;
    this.#socket.send(JSON.stringify(message));
    return call;
  }

  /** Sends a command and waits for its response (OK or ERROR). */
  call(id, data) {
    return this.start(id, data).response;
  }

  /** Cancels commands by number, or all of this session's with '*'. */
  cancel(nrs) {
    if (this.#state !== 'open') return;
    this.#send({ type: 'cancel', nr: this.#next(), data: { cmds: nrs } });
  }

  /** Answers the server's command `name` with `handler(data, message)`, which returns
   *  {status?, result?, data?} (status OK unless it says ERROR) or throws. */
  handle(name, handler) {
    this.#handlers.set(name.toLowerCase(), handler);
  }

  /** Numbers of the calls waiting for a response. */
  pendingNumbers() {
    return [...this.#pending.keys()];
  }

  #next() {
    this.#nr += 1;
    return this.#nr;
  }

  #send(message) {
    this.#socket.send(JSON.stringify(message));
  }

  #setState(state, reason) {
    this.#state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, reason } }));
  }

  #closed(reason) {
    clearInterval(this.#watchdog);
    this.#socket = null;
    for (const call of this.#pending.values()) call.reject(new CallError(`connection closed: ${reason}`, 'closed'));
    this.#pending.clear();
    if (this.initiated) this.initiated.reject(new Error(reason));
    this.initiated = null;
    this.#setState('closed', reason);
  }

  /** Fails calls that heard nothing (no response, stream or session-status) for too long. */
  #expire() {
    const now = Date.now();
    for (const [nr, call] of this.#pending) {
      if (now - call.lastHeard > this.callTimeout) {
        this.#pending.delete(nr);
        call.reject(new CallError(`no response within ${this.callTimeout / 1000} s`, 'timeout'));
      }
    }
  }

  #receive(text) {
    if (typeof text !== 'string') return; // binary frames carry no protocol messages
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('OSMP: a message that is not JSON', text);
      return;
    }
    if (message === null || typeof message !== 'object') return;
    switch (String(message.type).toLowerCase()) {
      case 'response': return this.#response(message);
      case 'stream': return this.#stream(message);
      case 'event': return this.#event(message);
      case 'cmd': return this.#command(message);
      default: return undefined; // `cancel` of a server command: ours answer at once
    }
  }

  #response(message) {
    const call = this.#pending.get(message['cmd-nr']);
    if (!call) return;
    this.#pending.delete(message['cmd-nr']);
    // The reference's peers may send `reason` for `result`.
    call.resolve({ ...message, result: message.result ?? message.reason ?? null });
  }

  #stream(message) {
    const call = this.#pending.get(message['cmd-nr']);
    if (!call) return;
    call.lastHeard = Date.now();
    for (const listener of call.streamListeners) listener(message.data, message);
  }

  #event(message) {
    const data = message.data ?? null;
    if (message.id === 'session-initiated') {
      this.session = data ?? {};
      this.#setState('open');
      this.initiated?.resolve(this.session);
      this.initiated = null;
      return;
    }
    if (message.id === 'session-status') {
      for (const nr of data?.['active-cmds'] ?? []) {
        const call = this.#pending.get(nr);
        if (call) call.lastHeard = Date.now();
      }
      return;
    }
    if (message.id === null || message.id === undefined) {
      for (const item of data?.events ?? []) this.#deliver(item.event, item.data ?? null);
      return;
    }
    this.#deliver(message.id, data);
  }

  #deliver(event, data) {
    this.dispatchEvent(new CustomEvent('event', { detail: { event, data, received: new Date() } }));
  }

  async #command(message) {
    const handler = this.#handlers.get(String(message.id).toLowerCase());
    let answer;
    if (!handler) {
      answer = { status: 'ERROR', result: `Error: command '${message.id}' not found` };
    } else {
      try {
        answer = { status: 'OK', ...(await handler(message.data ?? null, message)) };
      } catch (error) {
        answer = { status: 'ERROR', result: String(error?.message ?? error) };
      }
    }
    if (this.#state !== 'open') return;
    const response = { type: 'response', nr: this.#next(), 'cmd-nr': message.nr, id: message.id, status: answer.status };
    if (answer.result !== undefined) response.result = answer.result;
    if (answer.data !== undefined) response.data = answer.data;
    this.#send(response);
  }
}
