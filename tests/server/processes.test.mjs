// The reference server's command line (www/server/server.js) and its supervisor (www/server/supervisor.js), as
// child processes: the ready line, SIGTERM, kill/start/restart through the supervisor, and a SIGKILLed supervisor's
// server exiting by itself. Run: node --test tests/server/ (helpers in helpers.mjs).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';

import {
  Peer, ROOT, STEP_MS, connect, exited, processAlive, readyLine, request, terminatePeers, until, within,
} from './helpers.mjs';

afterEach(terminatePeers);

// ---- the command line and the supervisor, as child processes ----

describe('processes', () => {
  const children = new Set();
  const launch = (script, args) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'www', 'server', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.stderr.resume();
    child.once('exit', () => children.delete(child));
    return child;
  };
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  test('CLI prints one ready line, and SIGTERM closes clients with 1001 and exits 0', async () => {
    const child = launch('server.js', ['--port', '0', '--host', '127.0.0.1', '--faults', '--heartbeat-ms', '0']);
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    const { line, info } = await readyLine(child, 'ZANTARA_SERVER');
    assert.equal(line, `ZANTARA_SERVER {"port":${info.port},"http":"http://127.0.0.1:${info.port}","ws":"ws://127.0.0.1:${info.port}/ws","faults":true}`);
    const peer = await connect(`ws://127.0.0.1:${info.port}`);
    child.kill('SIGTERM');
    assert.deepEqual(await peer.closedWithin(), { code: 1001, reason: 'server shutting down' });
    assert.equal(await within(exited(child), 5000, 'exit'), 0);
    assert.equal(stdout, `${line}\n`, 'nothing but the ready line on stdout');
  });

  test('supervisor: kill gives 1006, start brings the server back on the same port', async () => {
    const sup = launch('supervisor.js', ['--port', '0', '--faults']);
    const { line, info } = await readyLine(sup, 'ZANTARA_SUPERVISOR');
    const c = info.control;
    assert.equal(line, `ZANTARA_SUPERVISOR {"port":${info.port},"http":"http://127.0.0.1:${info.port}","ws":"ws://127.0.0.1:${info.port}/ws","control":"${c}"}`);
    const wsBase = `ws://127.0.0.1:${info.port}`;

    const status = await request(c, '/status', { method: 'GET' });
    assert.deepEqual([status.json.ok, status.json.running, status.json.restarts], [true, true, 0]);
    assert.equal(status.headers.get('access-control-allow-origin'), '*');
    assert.equal((await request(c, '/kill', { method: 'OPTIONS' })).status, 204);

    const peer = await connect(wsBase);
    const killed = await request(c, '/kill', { body: {} });
    assert.deepEqual(killed.json, { ok: true, pid: status.json.pid, wasRunning: true });
    assert.equal((await peer.closedWithin()).code, 1006);
    assert.equal((await request(c, '/status', { method: 'GET' })).json.running, false);
    const refused = new Peer(`${wsBase}/ws`);
    await assert.rejects(within(refused.opened, STEP_MS, 'refused connection'), /ECONNREFUSED/);

    const started = await request(c, '/start', { body: {} });
    assert.equal(started.json.ok, true);
    assert.ok(started.json.upAt <= Date.now());
    const again = await connect(wsBase);
    await again.roundTrip();

    // restart: the connection drops, the server is back when the call answers.
    const restarted = await request(c, '/restart', { body: { downMs: 100 } });
    assert.equal(restarted.json.ok, true);
    assert.equal((await again.closedWithin()).code, 1006);
    await connect(wsBase);

    // kill, then a scheduled start: the call answers at once, the server comes back later.
    await request(c, '/kill', { body: {} });
    const scheduled = await request(c, '/start', { body: { delayMs: 200 } });
    assert.deepEqual([scheduled.json.ok, scheduled.json.scheduled], [true, true]);
    const back = await until(async () => {
      const s = (await request(c, '/status', { method: 'GET' })).json;
      return s.running && s;
    }, STEP_MS, 'scheduled start');
    assert.equal(back.restarts, 3);
    const last = await connect(wsBase);

    // SIGTERM on the supervisor stops the server gracefully (1001) and leaves no child behind.
    sup.kill('SIGTERM');
    assert.equal((await last.closedWithin()).code, 1001);
    assert.equal(await within(exited(sup), 5000, 'supervisor exit'), 0);
    assert.equal(processAlive(back.pid), false);
  });

  test('supervisor killed with SIGKILL: its server exits by itself', async () => {
    const sup = launch('supervisor.js', ['--port', '0']);
    const { info } = await readyLine(sup, 'ZANTARA_SUPERVISOR');
    const { pid } = (await request(info.control, '/status', { method: 'GET' })).json;
    assert.equal(processAlive(pid), true);
    sup.kill('SIGKILL'); // no handler runs: the server notices its stdin closing
    await within(exited(sup), STEP_MS, 'supervisor exit');
    await until(() => !processAlive(pid), STEP_MS, 'the orphaned server to exit');
  });
});
