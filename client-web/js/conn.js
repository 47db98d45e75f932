// The WebSocket connection: hello/resume, request/reply matching, reconnect
// with exponential backoff and full jitter, and a heartbeat that notices a
// dead link. It knows nothing about the UI; the app listens to its callbacks.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;
const PING_EVERY_MS = 25000;
const PONG_GRACE_MS = 10000;

export class RequestError extends Error {
  constructor(code, message, frame) {
    super(message || code);
    this.code = code;
    this.frame = frame;
  }
}

export class Connection {
  // opts: url, since() -> last seq seen, onFrame(frame), onState(state, info),
  //       onWelcome(frame), onSynced(frame), onClose(info)
  constructor(opts) {
    this.opts = opts;
    this.ws = null;
    this.state = 'connecting'; // connecting | live | offline
    this.ready = false; // welcome received on the current socket
    this.attempt = 0;
    this.reqSeq = 0;
    this.pending = new Map(); // req -> {resolve, reject, timer}
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stopped = true;
    this.nextRetryAt = 0;
    this.onOnline = () => { if (!this.ws && !this.stopped) this.connectNow(); };
    this.onOffline = () => { if (this.ws) this.ws.close(4000, 'browser offline'); };
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.open();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close(1000, 'signed out');
    }
    this.failAll('signed out');
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    if (!this.ws) this.open();
  }

  setState(state) {
    this.state = state;
    this.opts.onState?.(state, { nextRetryAt: this.nextRetryAt });
  }

  open() {
    if (this.stopped) return;
    this.ready = false;
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.opts.url, 'weft.v1');
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'hello', since: this.opts.since() }));
      this.startHeartbeat();
    };
    ws.onmessage = (ev) => {
      let frame;
      try { frame = JSON.parse(ev.data); } catch { return; }
      if (!frame || typeof frame.type !== 'string') return;
      this.handle(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      this.stopHeartbeat();
      this.failAll('connection lost');
      this.opts.onClose?.({ code: ev.code, reason: ev.reason, wasLive: this.state === 'live' });
      this.scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  scheduleRetry() {
    if (this.stopped) return;
    // Full jitter: spread reconnects of many clients after a server restart.
    const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(cap / 2 + Math.random() * cap / 2);
    this.attempt++;
    this.nextRetryAt = Date.now() + delay;
    this.setState('offline');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  handle(frame) {
    if (frame.type === 'pong') this.gotPong();
    if (frame.req !== undefined && this.pending.has(frame.req)) {
      const p = this.pending.get(frame.req);
      this.pending.delete(frame.req);
      clearTimeout(p.timer);
      if (frame.type === 'error') p.reject(new RequestError(frame.code, frame.message, frame));
      else p.resolve(frame);
      return;
    }
    if (frame.type === 'welcome') {
      this.ready = true;
      this.opts.onWelcome?.(frame);
      return;
    }
    if (frame.type === 'synced') {
      this.attempt = 0;
      this.setState('live');
      this.opts.onSynced?.(frame);
      return;
    }
    if (frame.type === 'pong') return;
    this.opts.onFrame?.(frame);
  }

  isReady() { return Boolean(this.ws && this.ready && this.ws.readyState === WebSocket.OPEN); }

  // Sends a request and resolves with its direct reply; rejects with a
  // RequestError for an error reply, or code 'offline' when not connected.
  request(obj, { timeout = REQUEST_TIMEOUT_MS } = {}) {
    if (!this.isReady()) return Promise.reject(new RequestError('offline', 'You are offline. Try again when the connection is back.'));
    const req = `r${++this.reqSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(new RequestError('timeout', 'The server did not answer in time.'));
      }, timeout);
      this.pending.set(req, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...obj, req }));
    });
  }

  // Fire-and-forget (e.g. read markers).
  send(obj) {
    if (!this.isReady()) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  failAll(why) {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError('offline', `The connection was lost (${why}).`));
    }
    this.pending.clear();
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      this.ws.send(JSON.stringify({ type: 'ping' }));
      clearTimeout(this.pongTimer);
      const ws = this.ws;
      this.pongTimer = setTimeout(() => { if (this.ws === ws) ws.close(4001, 'no pong'); }, PONG_GRACE_MS);
    }, PING_EVERY_MS);
  }

  gotPong() { clearTimeout(this.pongTimer); }

  stopHeartbeat() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
