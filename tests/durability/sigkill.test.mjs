// Killing the server with SIGKILL in the middle of writes loses no acknowledged write
// (SQLite WAL, synchronous=NORMAL; see docs/decisions.md). Black box: the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const BIN = process.env.MASHANG_BIN ?? new URL('../../build/bin/mashang', import.meta.url).pathname;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function start(dir, port) {
  const cfg = join(dir, 'test.toml');
  writeFileSync(cfg, '[limits]\nrate_limit_per_s = 100000\nrate_limit_burst = 100000\n');
  const child = spawn(BIN, ['serve', '--db', `sqlite:${dir}/m.db`, '--data-dir', dir,
    '--listen', `127.0.0.1:${port}`, '--config', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Listen for the exit now: it may happen before anyone awaits it.
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.ok) return child;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('server did not become ready');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function login(base) {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: 'mashang-admin' }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

test('SIGKILL during writes loses no acknowledged write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mashang-kill-'));
  try {
    execFileSync(BIN, ['demo', '--db', `sqlite:${dir}/m.db`, '--data-dir', dir, '--json']);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let server = await start(dir, port);
    const token = await login(base);
    const acked = [];
    let n = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const username = `k${process.pid}_${n++}`;
        try {
          const r = await fetch(`${base}/api/accounts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ username, display_name: username, password: 'password-123' }),
          });
          if (r.status === 201) acked.push(username);
          else await r.body?.cancel();
        } catch { /* the connection died with the server */ }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    // Kill once enough writes were acknowledged, while requests are still in flight.
    while (acked.length < 60) await new Promise((r) => setTimeout(r, 5));
    server.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    await server.exited;

    server = await start(dir, port);
    try {
      const t2 = await login(base);
      const seen = new Set();
      let after = 0;
      for (;;) {
        const r = await fetch(`${base}/api/accounts?limit=200&after=${after}`, { headers: { authorization: `Bearer ${t2}` } });
        assert.equal(r.status, 200);
        const page = await r.json();
        for (const a of page.items) seen.add(a.username);
        if (page.next_after == null) break;
        after = page.next_after;
      }
      const lost = acked.filter((u) => !seen.has(u));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged accounts lost`);
      const check = execFileSync('sqlite3', [`${dir}/m.db`, 'PRAGMA integrity_check;']).toString().trim();
      assert.equal(check, 'ok');
    } finally {
      server.kill('SIGTERM');
      await server.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The points ledger after a SIGKILL in a burst of postings: every acknowledged posting is
// there (its key replays as 200, not 201), and `mashang points audit` finds nothing wrong.
test('SIGKILL during a burst of points postings leaves a ledger that audits clean', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mashang-kill-points-'));
  try {
    execFileSync(BIN, ['demo', '--size', 'small', '--db', `sqlite:${dir}/m.db`, '--data-dir', dir]);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let server = await start(dir, port);
    const token = await login(base);
    const community = Number(execFileSync('sqlite3', [`${dir}/m.db`,
      "SELECT id FROM nodes WHERE kind = 'community' ORDER BY id LIMIT 1"]).toString().trim());
    const grant = (key) => fetch(`${base}/api/points/budgets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ key, community_id: community, amount: 3, reason: '断电测试拨付' }),
    });
    const acked = [];
    let n = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const key = `kill-${process.pid}-${n++}`;
        try {
          const r = await grant(key);
          if (r.status === 201) acked.push(key);
          else await r.body?.cancel();
        } catch { /* the connection died with the server */ }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    while (acked.length < 100) await new Promise((r) => setTimeout(r, 5));
    server.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    await server.exited;

    const audit = () => execFileSync(BIN, ['points', 'audit', '--db', `sqlite:${dir}/m.db`]).toString();
    assert.match(audit(), / 0 discrepancies/);  // exits non-zero (throws) on any discrepancy
    server = await start(dir, port);
    try {
      const lost = [];
      for (const key of acked) {
        const r = await grant(key);
        await r.body?.cancel();
        if (r.status !== 200) lost.push(`${key}: ${r.status}`);
      }
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged postings lost`);
    } finally {
      server.kill('SIGTERM');
      await server.exited;
    }
    assert.match(audit(), / 0 discrepancies/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
