// Small HTTP helpers shared by the reference server and the supervisor: JSON in and out, CORS, static files.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';

/** An error that maps to an HTTP status and a JSON `{ok:false, error}` answer. */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Browser tests run on another origin: every API answer carries this. */
export const CORS_HEADERS = Object.freeze({ 'Access-Control-Allow-Origin': '*' });

const PREFLIGHT_HEADERS = Object.freeze({
  ...CORS_HEADERS,
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'content-type',
  'Access-Control-Max-Age': '600',
});

export function sendJson(res, status, body, extraHeaders = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}

/** Answers a CORS preflight (204). Also grants Chromium's Private Network Access when it asks. */
export function sendPreflight(req, res) {
  const headers = { ...PREFLIGHT_HEADERS };
  if (req.headers['access-control-request-private-network'] === 'true') {
    headers['Access-Control-Allow-Private-Network'] = 'true';
  }
  res.writeHead(204, headers);
  res.end();
}

/** Sends an error as JSON; an over-long body also closes the connection (the rest of it is never read). */
export function sendError(res, err) {
  const status = err instanceof HttpError ? err.status : 500;
  sendJson(res, status, { ok: false, error: err.message }, status === 413 ? { Connection: 'close' } : {});
}

/**
 * Reads a JSON request body of at most `limit` bytes. An empty body reads as `{}`.
 * @returns {Promise<any>}
 */
export function readJsonBody(req, limit) {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      reject(new HttpError(413, `body over ${limit} bytes`));
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => { failed = true; reject(new HttpError(400, err.message)); });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new HttpError(400, `bad JSON: ${err.message}`));
      }
    });
  });
}

/** Writes a bare HTTP answer on a raw socket (refused or misdirected upgrades), then destroys the socket. */
export function rejectUpgrade(socket, status, message = STATUS_CODES[status] ?? 'Error') {
  if (!socket.writable) return socket.destroy();
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
    () => socket.destroy(),
  );
}

// ---- static files ----

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * Serves `relPath` (the URL path below the mount point, still percent-encoded) from `root`.
 * Rejects `..` segments (also when encoded) with 403. Directories serve their index.html, else a listing.
 * @param {{root: string, mount: string, indexRedirect?: string}} where mount is the URL prefix ('/' or '/pkg/');
 *   indexRedirect names a page the mount's root redirects to when it has no index.html.
 */
export async function serveStatic(req, res, relPath, { root, mount, indexRedirect }) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { ok: false, error: 'method not allowed' }, { Allow: 'GET, HEAD' });
  }
  let decoded;
  try {
    decoded = decodeURIComponent(relPath);
  } catch {
    return sendText(res, 400, 'bad path encoding');
  }
  const segments = decoded.split(/[/\\]/);
  if (segments.includes('..') || decoded.includes('\0')) return sendText(res, 403, 'forbidden path');
  const file = path.join(root, ...segments.filter((s) => s !== '' && s !== '.'));
  if (file !== root && !file.startsWith(root + path.sep)) return sendText(res, 403, 'forbidden path');

  let info;
  try {
    info = await stat(file);
  } catch {
    return sendText(res, 404, 'not found');
  }
  if (info.isDirectory()) {
    if (!relPath.endsWith('/') && relPath !== '') return redirect(res, `${mount}${relPath}/`);
    const index = path.join(file, 'index.html');
    const hasIndex = await stat(index).then((s) => s.isFile(), () => false);
    if (hasIndex) return streamFile(req, res, index, (await stat(index)).size);
    if (file === root && indexRedirect) {
      const target = await stat(path.join(root, indexRedirect)).then((s) => s.isFile(), () => false);
      if (target) return redirect(res, `${mount}${indexRedirect}`);
    }
    return sendListing(res, file, `${mount}${relPath}`);
  }
  if (!info.isFile()) return sendText(res, 404, 'not found');
  return streamFile(req, res, file, info.size);
}

function streamFile(req, res, file, size) {
  res.writeHead(200, {
    ...CORS_HEADERS, // lets a page on another origin import the glue and fetch the .wasm
    'Content-Type': contentType(file),
    'Content-Length': size,
    'Cache-Control': 'no-store', // pkg/ is rebuilt between runs
  });
  if (req.method === 'HEAD') return res.end();
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

async function sendListing(res, dir, urlPath) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const items = entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => {
      const name = e.name + (e.isDirectory() ? '/' : '');
      return `<li><a href="${escapeHtml(encodeURIComponent(e.name) + (e.isDirectory() ? '/' : ''))}">${escapeHtml(name)}</a></li>`;
    });
  const html = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(urlPath)}</title>` +
    `<h1>${escapeHtml(urlPath)}</h1><ul>${items.join('')}</ul>\n`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function redirect(res, location) {
  res.writeHead(302, { Location: location, 'Content-Length': 0 });
  res.end();
}

function sendText(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
