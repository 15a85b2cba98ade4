// Shared by the zantara adapters (zantara.js, zantara-web.js).

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
  close() {
    this.c.disconnect();
    this.c.free?.();
  }
}
