// `npx zantara-websocket check <url>` (src/js/cli.js, pkg/cli.js): against the reference server it
// passes every step, against a port nobody listens on it fails the connect step with exit code 1, a
// token never shows in its output, and the packed tarball installed into a fresh project runs it
// through npx.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { PKG, ROOT, freePort, sh, startRefServer } from './helpers.mjs';

let srv;
before(async () => {
  srv = await startRefServer();
});
after(async () => {
  await srv?.close();
});

/** Runs the CLI with `args`: {code, stdout, stderr}, whatever its exit code. */
function cli(args, cwd = ROOT, cmd = [process.execPath, path.join(PKG, 'cli.js')]) {
  return new Promise((resolve) => {
    execFile(cmd[0], [...cmd.slice(1), ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const STEPS = ['connect', 'welcome', 'protocol', 'subscribe', 'message', 'ping'];

test('check against the reference server: every step passes, exit code 0, the token hidden', async () => {
  const r = await cli(['check', `${srv.ws}?token=s3cr3t-token`, '--json', '--pings', '2']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, true);
  assert.deepEqual(report.steps.map((s) => [s.name, s.ok]), STEPS.map((n) => [n, true]));
  assert.match(report.steps[2].detail, /^2 /, 'protocol v2');
  assert.match(report.steps[4].detail, /^acknowledged by the server/);
  assert.match(report.steps[5].detail, /^2 round trips/);
  assert.equal(report.stats.protocol, 2);
  assert.doesNotMatch(r.stdout + r.stderr, /s3cr3t/);
  assert.match(report.url, /token=\*\*\*/);

  const text = await cli(['check', srv.ws, '--token', 's3cr3t-token']);
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, /^zantara-websocket check ws:\/\/127\.0\.0\.1:\d+\/ws\n/);
  for (const s of STEPS) assert.match(text.stdout, new RegExp(`✓ ${s} `));
  assert.match(text.stdout, /\nOK\n?$/);
  assert.doesNotMatch(text.stdout + text.stderr, /s3cr3t/);
});

test('check against a port nobody listens on: the connect step fails with the reason, exit code 1', async () => {
  const port = await freePort();
  const r = await cli(['check', `ws://127.0.0.1:${port}/ws`, '--json', '--timeout', '3000']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, false);
  assert.deepEqual(report.steps.map((s) => [s.name, s.ok]), [['connect', false]]);
  assert.match(report.error, /^connect: closed before the connection \(code 1006\): refused or unreachable$/);
  const text = await cli(['check', `ws://127.0.0.1:${port}/ws`, '--timeout', '3000']);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /✗ connect .*refused or unreachable\n[\s\S]*FAILED: connect: /);
});

test('bad command lines: usage and exit code 1; --help exit code 0', async () => {
  for (const args of [[], ['check'], ['check', 'http://example.com/'], ['probe', srv.ws], ['check', srv.ws, '--pings', '0']]) {
    const r = await cli(args);
    if (args.length === 0) {
      assert.equal(r.code, 0, 'no arguments prints the usage');
      assert.match(r.stdout, /^usage: zantara-websocket check <url>/);
      continue;
    }
    assert.equal(r.code, 1, JSON.stringify(args));
    assert.match(r.stderr, /^zantara-websocket: .+\n\nusage: /, JSON.stringify(args));
  }
  assert.equal((await cli(['--help'])).code, 0);
});

test('npx zantara-websocket check, from the packed tarball installed into a fresh project', async () => {
  const dir = mkdtempSync(path.join(ROOT, '.tmp', 'cli-app-'));
  try {
    const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', dir], { cwd: PKG, timeout: 60_000 });
    const tarball = JSON.parse(stdout)[0].filename;
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cli-check-app', private: true }));
    await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `./${path.basename(tarball)}`], { cwd: dir, timeout: 120_000 });
    assert.ok(readdirSync(path.join(dir, 'node_modules')).includes('ws'), 'ws installed with it');
    const r = await cli(['check', srv.ws, '--json'], dir, ['npx', '--no-install', 'zantara-websocket']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).ok, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
