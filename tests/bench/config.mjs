// The benchmark runner's command line (parsed when this module loads: see run.mjs for the flags) and its fixed
// settings: paths, the counts per scenario, the clients measured, and the log line.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const WORK = path.join(ROOT, '.tmp', 'bench');

function parseArgs(argv) {
  const o = { runs: 5, smoke: false, out: null, chart: null, pkg: path.join(ROOT, 'pkg'), only: null, scenarios: null, profile: false, build: false, wasm: null, render: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--runs': o.runs = Number(value()); break;
      case '--smoke': o.smoke = true; break;
      case '--out': o.out = path.resolve(value()); break;
      case '--chart': o.chart = path.resolve(value()); break;
      case '--pkg': o.pkg = path.resolve(value()); break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--scenarios': o.scenarios = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--profile': o.profile = true; break;
      case '--wasm': o.wasm = path.resolve(value()); break;
      case '--render': o.render = path.resolve(value()); break;
      case '--build': o.build = true; break;
      case '--help': case '-h':
        process.stdout.write(fs.readFileSync(path.join(HERE, 'run.mjs'), 'utf8').split('\n// Method.')[0]
          .split('\n').slice(1).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown flag ${argv[i]} (see --help)`);
    }
  }
  if (!Number.isInteger(o.runs) || o.runs < 1 || o.runs > 50) throw new Error('--runs must be an integer in 1..50');
  if (o.smoke) o.runs = 1;
  if (o.out && !o.chart) o.chart = path.join(ROOT, 'docs', 'bench.png');
  return o;
}

export const opts = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
})();

/** Counts per scenario: full runs, and the smoke run's tiny ones. */
export const N = opts.smoke
  // mem 8: Chromium opens one WebSocket to a host at a time and slows down after a dozen pending (~4 s for 20).
  ? { inSmall: 300, inMedium: 200, out: 300, acked: 200, rtt: 30, rttWarmup: 5, mem: 8 }
  : { inSmall: 20_000, inMedium: 10_000, out: 20_000, acked: 1000, rtt: 1000, rttWarmup: 200, mem: 200 };
export const SIZE_SMALL = 130;
export const SIZE_MEDIUM = 800;

export const CLIENTS = [
  { id: 'raw', label: 'raw WebSocket', peer: 'ref' },
  { id: 'zantara', label: 'zantara (index.js)', peer: 'ref' },
  { id: 'partysocket', label: 'partysocket 1.3.0', peer: 'ref' },
  { id: 'socketio', label: 'socket.io-client 4.8.4', peer: 'sio' },
];
export const WEB_ENTRY = { id: 'zantara-web', label: 'zantara (web.js + .wasm)', peer: 'ref' };
export const selected = CLIENTS.filter((c) => !opts.only || c.id === 'raw' || opts.only.includes(c.id));
export const withWeb = !opts.only || opts.only.includes('zantara') || opts.only.includes('zantara-web');

export const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
