// Shared by the zantara adapters (zantara.js, zantara-web.js).

/**
 * Queue bounds for the bursts (20,000 messages in one synchronous loop): on protocol v2 every message stays queued
 * until the server acknowledges it, and the default bound (1,000 messages) would refuse the rest of a burst; the
 * other clients have no bound at all.
 */
export const BULK = { maxQueuedMessages: 100_000, maxQueuedBytes: 64 * 1024 * 1024 };

// The bench client is the SDK's client behind prototype methods: per connection it adds one small object holding
// only that client (no closures), as cheap as the other adapters' scaffolding, so that the memory scenario measures
// the SDK.
export class ZantaraClient {
  constructor(c) {
    this.c = c;
  }
  on(ch, fn) {
    this.c.on(ch, fn);
  }
  subscribe(ch) {
    return this.c.subscribe(ch);
  }
  send(ch, data) {
    return this.c.sendMessage(ch, data);
  }
  /** Sends with the SDK's acknowledgement callback (protocol v2): `done(ok)` once the server took it. */
  sendAcked(ch, data, done) {
    this.c.sendMessage(ch, data, (ack) => done(ack.success && ack.confirmed));
  }
  close() {
    this.c.disconnect();
    this.c.free?.();
  }
}
