import { signMessage, type KeyPair } from '@parley/protocol';
import WebSocket from 'ws';
import type { RunningHub } from '../src/index.js';
import { nowS, postJson } from './helpers.js';

/** A Juji client as the seed describes it: register, then /ws with the signature in the URL. For the hub's juji tests. */
export interface JujiAgent {
  keys: KeyPair;
  alias: number;
  wsToken: string;
  parleyId: string;
}

export async function jujiRegister(hub: RunningHub, keys: KeyPair, name?: string): Promise<JujiAgent> {
  const res = await postJson(`${hub.url}/agent/register`, { public_key: keys.publicKey, ...(name ? { name } : {}) });
  if (res.status !== 200) throw new Error(`juji register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const b = res.body as { agent_id: number; ws_token: string; parley_agent_id: string };
  return { keys, alias: b.agent_id, wsToken: b.ws_token, parleyId: b.parley_agent_id };
}

export function jujiUrl(hub: RunningHub, a: JujiAgent, ts = nowS(), sig?: string): string {
  const s = sig ?? signMessage(a.keys.secretKey, `juji-ws-v1|${a.alias}|${ts}`);
  return `${hub.url.replace('http', 'ws')}/ws?agent_id=${a.alias}&token=${a.wsToken}&ts=${ts}&sig=${s}`;
}

type Msg = Record<string, unknown>;

/** A socket with a queue of what it received, and its close code once closed. */
export class JujiSocket {
  readonly messages: Msg[] = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];
  private n = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const t = d.toString();
      try {
        this.messages.push(JSON.parse(t) as Msg);
      } catch {
        this.messages.push({ text: t });
      }
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The first message (received or to come) matching `pred`, removed from the queue. */
  async next(pred: (m: Msg) => boolean = () => true, timeoutMs = 15_000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0]!;
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode}) before the message came`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no such message in time: ' + JSON.stringify(this.messages));
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async closed(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      if (Date.now() > deadline) throw new Error('not closed in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closeCode;
  }

  async call(alias: number, action: string, params: unknown = {}): Promise<Msg> {
    const uId = `j-${process.pid}-${Date.now()}-${++this.n}`;
    this.ws.send(JSON.stringify({ agent_id: alias, u_id: uId, params: { action, params } }));
    return this.next((m) => m.u_id === uId);
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed();
  }
}

export async function jujiOpen(url: string): Promise<JujiSocket> {
  const ws = new WebSocket(url);
  const s = new JujiSocket(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return s;
}

/** Opens and waits for `connected`. */
export async function jujiConnect(hub: RunningHub, a: JujiAgent, ts?: number): Promise<JujiSocket> {
  const s = await jujiOpen(jujiUrl(hub, a, ts));
  const first = await s.next();
  if (first.type !== 'connected') throw new Error('expected connected, got ' + JSON.stringify(first));
  return s;
}
