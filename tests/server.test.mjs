// The static server: content types, the security policy, and paths that try
// to leave the web root.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { contentSecurityPolicy, startServer } from '../scripts/serve.mjs';

let server;
let baseUrl;
const root = mkdtempSync(join(tmpdir(), 'moe-bif-serve-'));

before(async () => {
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'web', 'module.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(root, 'secret.txt'), 'outside the web root');
  ({ server, url: baseUrl } = await startServer({ root: join(root, 'web'), port: 0 }));
});

after(() => server?.close());

test('serves index.html with the security policy', async () => {
  const response = await fetch(baseUrl);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /text\/html/);
  assert.equal(response.headers.get('content-security-policy'), contentSecurityPolicy);
  assert.doesNotMatch(contentSecurityPolicy, /unsafe-inline|'unsafe-eval'/);
});

test('serves wasm as application/wasm', async () => {
  const response = await fetch(new URL('module.wasm', baseUrl));
  assert.equal(response.headers.get('content-type'), 'application/wasm');
});

test('rejects paths outside the root and unknown files', async () => {
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00', '/%E0%A4%A']) {
    const response = await fetch(baseUrl.replace(/\/$/, '') + path);
    assert.ok([400, 404].includes(response.status), `${path} gave ${response.status}`);
    assert.doesNotMatch(await response.text(), /outside the web root/);
  }
  assert.equal((await fetch(new URL('missing.js', baseUrl))).status, 404);
  assert.equal((await fetch(baseUrl, { method: 'POST' })).status, 405);
});

test('listens on the loopback address only', () => {
  assert.equal(server.address().address, '127.0.0.1');
});
