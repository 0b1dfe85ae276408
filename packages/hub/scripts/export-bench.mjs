#!/usr/bin/env node
// Measures what a big topic export costs the hub: its RSS (VmRSS from
// /proc/<pid>/status) and how long GET /healthz takes while exports run.
// Not part of CI. Build the hub first (pnpm exec turbo run build), then:
//
//   node packages/hub/scripts/export-bench.mjs [--messages 1500] [--chars 65536] [--format markdown] [--memory 15]
//
// A real hub runs as a child process on an ephemeral port with a fresh data
// dir. The script fills one topic with --messages messages of --chars
// characters over HTTP, then runs one export, then three at once, sampling
// every 25 ms. An export pages through `next_cursor` when the hub returns one
// (paged hubs) and is one call otherwise (older hubs). With --memory N it
// also calls memory/export N times and reports the database growth.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--serve') {
  const { startHub } = await import(join(here, '../dist/index.js'));
  const hub = await startHub({ port: 0, dataDir: process.argv[3], logLevel: 'warn', rateLimit: false, addressRateLimit: false });
  process.stdout.write(`${JSON.stringify({ url: hub.url })}\n`);
  process.on('SIGTERM', () => void hub.close().then(() => process.exit(0)));
} else {
  await main();
}

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
}

async function main() {
  const MESSAGES = Number(arg('messages', 1500));
  const CHARS = Number(arg('chars', 65536));
  const FORMAT = arg('format', 'markdown');
  const MEMORY = Number(arg('memory', 0));
  const p = await import('@parley/protocol');

  const dataDir = mkdtempSync(join(tmpdir(), 'parley-export-bench-'));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).url);
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024;

  const keys = p.generateKeyPair();
  const ts = Math.floor(Date.now() / 1000);
  const reg = await (
    await fetch(`${url}/v1/agents/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public_key: keys.publicKey, name: 'bench', ts, sig: p.signMessage(keys.secretKey, p.registerSigningString(keys.publicKey, ts)) }),
    })
  ).json();
  let n = 0;
  const call = async (action, params) => {
    const res = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.token}` },
      body: JSON.stringify({ agent_id: reg.agent_id, u_id: `b-${++n}`, params: { action, params } }),
    });
    const body = await res.json();
    if (body.status !== 'success') throw new Error(`${action}: ${JSON.stringify(body.content)}`);
    return body.content;
  };

  const topic = await call('topic/create', { name: 'big export' });
  const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(CHARS / 27));
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        await call('topic/publish', { topic_id: topic.topic_id, content: `${i} ${filler}`.slice(0, CHARS), content_type: 'markdown' });
      }
    }),
  );
  console.log(`filled ${MESSAGES} messages of ${CHARS} chars in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 2000));

  /** Runs `work` while sampling RSS and /healthz latency; returns the figures. */
  async function measure(label, work) {
    const base = rss();
    let peak = base;
    let worstHealth = 0;
    let healthChecks = 0;
    let done = false;
    const sampler = (async () => {
      while (!done) {
        peak = Math.max(peak, rss());
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const health = (async () => {
      while (!done) {
        const s = performance.now();
        await (await fetch(`${url}/healthz`)).text();
        worstHealth = Math.max(worstHealth, performance.now() - s);
        healthChecks++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const s = performance.now();
    const out = await work();
    const took = performance.now() - s;
    done = true;
    await Promise.all([sampler, health]);
    const r = {
      label,
      base_mib: +(base / 2 ** 20).toFixed(1),
      peak_mib: +(peak / 2 ** 20).toFixed(1),
      extra_mib: +((peak - base) / 2 ** 20).toFixed(1),
      worst_healthz_ms: +worstHealth.toFixed(1),
      healthz_checks: healthChecks,
      took_s: +(took / 1000).toFixed(2),
      ...out,
    };
    console.log(JSON.stringify(r));
    await new Promise((r) => setTimeout(r, 2000));
    return r;
  }

  async function exportAll() {
    let bytes = 0;
    let pages = 0;
    let cursor;
    let messages = 0;
    do {
      const page = await call('topic/export', { topic_id: topic.topic_id, format: FORMAT, limit: 10_000, ...(cursor ? { cursor } : {}) });
      bytes += Buffer.byteLength(page.content);
      messages = page.message_count;
      pages++;
      cursor = page.next_cursor;
    } while (cursor);
    return { bytes, pages, messages };
  }

  await measure('export x1', async () => {
    const r = await exportAll();
    return { export_mib: +(r.bytes / 2 ** 20).toFixed(1), pages: r.pages, messages: r.messages };
  });
  await measure('export x3', async () => {
    const rs = await Promise.all([exportAll(), exportAll(), exportAll()]);
    return { export_mib: +(rs[0].bytes / 2 ** 20).toFixed(1), pages: rs[0].pages, messages: rs[0].messages };
  });
  if (MEMORY > 0) {
    const dbBytes = () => readdirSync(dataDir).reduce((s, f) => s + statSync(join(dataDir, f)).size, 0);
    const before = dbBytes();
    await measure(`memory/export x${MEMORY}`, async () => {
      // Each export as an agent would: the whole topic, and on payload_too_large again with the limit the hub says fits.
      let refused = 0;
      let saved = 0;
      for (let i = 0; i < MEMORY; i++) {
        const name = `copy ${i}`;
        try {
          await call('memory/export', { topic_id: topic.topic_id, name, limit: 10_000 });
          saved++;
        } catch (err) {
          refused++;
          if (refused === 1) console.log(`memory/export refused: ${err.message}`);
          const fits = /"messages_that_fit":(\d+)/.exec(err.message)?.[1];
          if (fits && Number(fits) > 0) {
            await call('memory/export', { topic_id: topic.topic_id, name, limit: Number(fits) }).then(
              () => saved++,
              (e) => console.log(`memory/export with limit ${fits} refused: ${e.message}`),
            );
          }
        }
      }
      return { saved, refused, db_growth_mib: +((dbBytes() - before) / 2 ** 20).toFixed(1) };
    });
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
