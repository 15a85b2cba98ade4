// The reference server's HTTP side: the admin calls (POST /call), CORS, static files (content types, no
// traversal), and what the default static root exposes (www/public/, never the server's own code in
// www/server/). Run: node --test tests/server/ (helpers in helpers.mjs).

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { startServer } from '../../www/server/server.js';
import { ROOT, connect, rawGet, request, subscribe, terminatePeers, useServers, within } from './helpers.mjs';

afterEach(terminatePeers);

describe('reference server', () => {
  const servers = useServers();
  const { control, call } = servers;

  describe('GET /health', () => {
    test('a single server: 200, mode single, its connection count', async () => {
      await connect(servers.wsBase);
      const res = await fetch(`${servers.base}/health`);
      assert.equal(res.status, 200);
      const h = await res.json();
      assert.equal(h.ok, true);
      assert.equal(h.mode, 'single');
      assert.ok(h.clients >= 1);
    });

    test('--redis that cannot be reached: the server refuses to start, naming it', async () => {
      await assert.rejects(startServer({ port: 0, redis: 'redis://127.0.0.1:1', log: null }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    });
  });

  describe('POST /call', () => {
    test('websocket.stats lists clients, channels and counters', async () => {
      const peers = await Promise.all([1, 2].map(() => connect(servers.wsBase)));
      for (const p of peers) await subscribe(p, 'stats-ch');
      const { status, json } = await call('websocket.stats');
      assert.equal(status, 200);
      assert.equal(json.ok, true);
      assert.equal(json.data.enabled, true);
      assert.ok(json.data.activeClients >= 2);
      assert.deepEqual(json.data.channels.find((c) => c.name === 'stats-ch'), { name: 'stats-ch', subscribers: 2 });
      for (const key of ['messagesIn', 'messagesOut', 'badFrames', 'connectionsTotal']) {
        assert.equal(typeof json.data[key], 'number', key);
      }
    });

    test('websocket.broadcast reaches every subscriber', async () => {
      const [a, b, outsider] = await Promise.all([1, 2, 3].map(() => connect(servers.wsBase)));
      for (const p of [a, b]) await subscribe(p, 'news');
      const { json } = await call('websocket.broadcast', { channel: 'news', data: { v: 1 } });
      assert.deepEqual(json, { ok: true, data: { delivered: 2 } });
      for (const p of [a, b]) {
        const msg = await p.next((f) => f.json?.type === 'message', 'broadcast');
        assert.deepEqual([msg.json.channel, msg.json.data], ['news', { v: 1 }]);
      }
      await outsider.roundTrip();
      assert.equal(outsider.ofType('message').length, 0);
    });

    test('websocket.send reaches every connection of the user, subscribed or not', async () => {
      const [one, two, other] = await Promise.all([
        connect(servers.wsBase, { userId: 'ann@x' }), connect(servers.wsBase, { userId: 'ann@x' }), connect(servers.wsBase, { userId: 'bob' }),
      ]);
      await subscribe(one, 'docs');
      const { json } = await call('websocket.send', { userId: 'ann@x', channel: 'docs', data: 'ready' });
      assert.deepEqual(json, { ok: true, data: { delivered: 2 } });
      for (const p of [one, two]) {
        const msg = await p.next((f) => f.json?.type === 'message', 'direct message');
        assert.deepEqual([msg.json.channel, msg.json.data], ['docs', 'ready']);
      }
      await other.roundTrip();
      assert.equal(other.ofType('message').length, 0);
    });

    test('unknown key, bad JSON, bad params and oversize bodies are rejected', async () => {
      const unknown = await call('websocket.nope');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.ok, false);
      assert.match(unknown.json.error, /unknown key/);
      assert.equal((await request(servers.base, '/call', { body: '{nope' })).status, 400);
      assert.equal((await call('websocket.broadcast', { data: 1 })).status, 400);
      const big = await request(servers.base, '/call', { body: JSON.stringify({ key: 'x', pad: 'y'.repeat(1024 * 1024) }) });
      assert.equal(big.status, 413);
    });
  });

  test('CORS: preflight and headers on /call and /__control/*', async () => {
    for (const route of ['/call', '/__control/mute']) {
      const pre = await request(servers.base, route, {
        method: 'OPTIONS',
        headers: { origin: 'http://other.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204, route);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
      assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type');
      assert.equal(pre.headers.get('access-control-max-age'), '600');
    }
    assert.equal((await call('websocket.stats')).headers.get('access-control-allow-origin'), '*');
    assert.equal((await control('clients', undefined, 'GET')).headers.get('access-control-allow-origin'), '*');
    assert.equal((await call('bad.key')).headers.get('access-control-allow-origin'), '*');
  });

  test('static files: the public folder at /, pkg at /pkg/, content types, no traversal', async () => {
    const root = await request(servers.base, '/', { method: 'GET' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/websocket-demo.html');
    const types = {
      '/websocket-demo.html': 'text/html',
      '/app.mjs': 'text/javascript',
      '/style.css': 'text/css',
      '/logo.svg': 'image/svg+xml',
      '/pkg/zantara_bg.wasm': 'application/wasm',
      '/pkg/zantara.js': 'text/javascript',
      '/pkg/package.json': 'application/json',
    };
    for (const [route, type] of Object.entries(types)) {
      const res = await request(servers.base, route, { method: 'GET' });
      assert.equal(res.status, 200, route);
      assert.equal(res.headers.get('content-type').split(';')[0], type, route);
    }
    const listing = await request(servers.base, '/pkg/snippets/', { method: 'GET' });
    assert.equal(listing.status, 200);
    assert.equal((await request(servers.base, '/missing.js', { method: 'GET' })).status, 404);
    assert.equal((await request(servers.base, '/ws', { method: 'GET' })).status, 426);
    // Dot segments, even encoded, are resolved by the URL parser inside the mount (so never reach secret.txt);
    // what survives it as a `..` path segment (an encoded slash or backslash) is refused.
    for (const raw of ['/../secret.txt', '/pkg/../../secret.txt', '/%2e%2e/secret.txt', '/pkg/%2E%2E/secret.txt']) {
      assert.equal(await rawGet(servers.srv.port, raw), 404, raw);
    }
    for (const raw of ['/..%2fsecret.txt', '/pkg/..%2F..%2fsecret.txt', '/..%5csecret.txt', '/pkg/%2e%2e%5csecret.txt']) {
      assert.equal(await rawGet(servers.srv.port, raw), 403, raw);
    }
  });
});

// ---- what the default static root exposes: www/public/, never the server's own code in www/server/ ----

describe('reference server: only www/public/ is served at /', () => {
  const WWW = path.join(ROOT, 'www');
  let srv;
  before(async () => {
    srv = await startServer({ port: 0, log: null }); // the default roots, as `node www/server/server.js` uses them
  });
  after(() => within(srv.close(), 5000, 'server close'));

  const get = (route) => request(srv.http, route, { method: 'GET' });
  /** Every file below `dir`, as paths relative to it with `/` separators. */
  const filesBelow = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));

  test('the server\'s source is 404: /server.js, /server/server.js, /lib/control.js, /supervisor.js, /feed.js', async () => {
    for (const route of ['/server.js', '/server/server.js', '/lib/control.js', '/supervisor.js', '/feed.js']) {
      assert.equal((await get(route)).status, 404, route);
    }
    // Whatever www/server/ holds, now or later: neither at its own path nor below /server/.
    const own = filesBelow(path.join(WWW, 'server'));
    assert.ok(own.includes('server.js') && own.includes('lib/control.js'), own.join(', '));
    for (const file of own) {
      for (const route of [`/${file}`, `/server/${file}`, `/www/server/${file}`]) {
        assert.equal((await get(route)).status, 404, route);
      }
    }
  });

  test('path traversal never reaches www/server/ (404 or 403)', async () => {
    for (const raw of [
      '/../server/server.js', '/%2e%2e/server/server.js', '/pkg/../www/server/server.js', '/pkg/%2e%2e/www/server/server.js',
      '/..%2fserver%2fserver.js', '/..%5cserver%5cserver.js', '/pkg/..%2f..%2fwww%2fserver%2fserver.js',
      '/../../www/server/lib/control.js', '/%2e%2e/%2e%2e/www/server/supervisor.js',
    ]) {
      assert.ok([403, 404].includes(await rawGet(srv.port, raw)), raw);
    }
  });

  test('the pages still serve: /websocket-demo.html, /app.css and every file of www/public/ are 200', async () => {
    const root = await get('/');
    assert.deepEqual([root.status, root.headers.get('location')], [302, '/websocket-demo.html']);
    const demo = await get('/websocket-demo.html');
    assert.deepEqual([demo.status, demo.headers.get('content-type').split(';')[0]], [200, 'text/html']);
    const css = await get('/app.css');
    assert.deepEqual([css.status, css.headers.get('content-type').split(';')[0]], [200, 'text/css']);
    for (const file of filesBelow(path.join(WWW, 'public'))) assert.equal((await get(`/${file}`)).status, 200, file);
  });
});
