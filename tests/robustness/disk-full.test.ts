/**
 * The gateway on a full disk: its data dir on a small tmpfs of its own (as root: `mount -t
 * tmpfs`), filled by the gateway's own writes (stored responses, recordings) and by a filler file,
 * then given space again by growing the tmpfs or deleting the filler.
 *
 * Asserted: every answer is complete and valid, or the documented 503 `storage_full` in the error
 * envelope (docs/errors.md), never a 500; a stream that started ends with one terminal event; a
 * response the client was told is stored reads back as told; once there is space the gateway works
 * again without a restart (SQLite and the recordings writer thread recover); no recording of a
 * finished request stays `recording`; the process logs no uncaught exception and closes cleanly;
 * and after a restart on the same data dir the database passes `PRAGMA integrity_check` and every
 * stored response reads back.
 *
 * The same with PostgreSQL: a server of the test's own (scripts/test-services.mjs) with its data
 * dir on a tmpfs. A full disk there is `53100 disk_full`, answered `storage_full`; should the
 * server stop (it cannot write its WAL) the store is unavailable (`store_unavailable`) until the
 * test starts it again once there is room.
 *
 * Needs root and a working `mount` (skipped otherwise, with the reason printed).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DATABASE_FILE, integrityCheck } from '../../src-server/store/database.js';
import { postJson, readSse, streamViolations } from '../support/gateway-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { expectError } from './helpers.js';
// @ts-expect-error: a plain ES module script without type declarations.
import { postgresRunning, start, startPostgres, stop } from '../../scripts/test-services.mjs';

const startServices = start as (
  owner: number,
  options: { parent: string },
) => Promise<{ dir: string; postgresUrl: string; redisUrl: string }>;
const stopServices = stop as (dir: string) => void;

/** Start-up takes about 230 KB (the WAL of the migrations, the reasoning key): little is left. */
const TMPFS_KB = 1536;
const GROWN_KB = 4096;
/** initdb's cluster, the WAL segments and the gateway's tables, with some room to fill. */
const PG_TMPFS_KB = 96 * 1024;
/** A bound against a gateway that never fills its disk, not a count the test relies on. */
const MAX_REQUESTS = 400;
const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);
const UNFINISHED = new Set(['queued', 'in_progress']);
const SIM = { 'x-simulator-deltas': '40', 'x-simulator-token-ms': '0', 'x-simulator-ttft-ms': '0' };

/** Why these tests cannot run here, or null. */
function cannotMount(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (mounting a tmpfs needs it)';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const SKIP = cannotMount();
if (SKIP) console.warn(`disk-full tests skipped: ${SKIP}`);

/** A tmpfs mounted on a new folder of /tmp; `unmount` is safe to call twice. */
class Tmpfs {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-disk-full-'));
  private mounted = false;

  constructor(kb: number) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k,mode=0755`, 'tmpfs', this.dir]);
    this.mounted = true;
  }

  grow(kb: number): void {
    execFileSync('mount', ['-o', `remount,size=${kb}k`, this.dir]);
  }

  /** Writes a filler file until the disk refuses (ENOSPC); returns its path. */
  fill(): string {
    const file = path.join(this.dir, 'filler');
    const fd = fs.openSync(file, 'w');
    try {
      for (const size of [64 * 1024, 4096, 512, 1]) {
        const chunk = Buffer.alloc(size, 1);
        for (;;) {
          try {
            fs.writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            break;
          }
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    return file;
  }

  unmount(): void {
    if (this.mounted) execFileSync('umount', [this.dir]);
    this.mounted = false;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

type Kind = 'json' | 'stream' | 'background' | 'conversation' | 'continuation';
const KINDS: Kind[] = ['json', 'stream', 'background', 'conversation', 'continuation'];

/** What one answer was: a response the client was told about (id, status), or an error code. */
type Outcome = { id: string; status: string } | string;

class Driver {
  /** Every response a client was told is stored, with the status it was told. */
  readonly told = new Map<string, string>();
  readonly outcomes = new Map<string, number>();
  /** Background responses, queued: each must end, stored, once there is room. */
  readonly background: string[] = [];
  private last: string | null = null;

  /** `refused`: the error codes a request may be answered with (besides a complete answer). */
  constructor(
    private readonly g: GatewayProcess,
    private readonly refused: readonly string[] = ['storage_full'],
  ) {}

  private count(what: string): void {
    this.outcomes.set(what, (this.outcomes.get(what) ?? 0) + 1);
  }

  /** One request of this kind; its answer checked. */
  async send(kind: Kind, n: number): Promise<Outcome> {
    const outcome = await this.answer(kind, n);
    this.count(`${kind} ${typeof outcome === 'string' ? outcome : outcome.status}`);
    if (typeof outcome !== 'string') {
      this.told.set(outcome.id, outcome.status.split(' ')[0]);
      this.last = outcome.id;
    }
    return outcome;
  }

  private async answer(kind: Kind, n: number): Promise<Outcome> {
    const body: Record<string, unknown> = { model: 'sim-chat', input: `request ${n}: tell me a story` };
    const url = `${this.g.url}/v1/responses`;
    if (kind === 'stream') return this.streamed(await postJson(url, { ...body, stream: true }, SIM));
    if (kind === 'continuation' && this.last) body.previous_response_id = this.last;
    if (kind === 'conversation') {
      const created = await postJson(`${this.g.url}/v1/conversations`, { items: [message(`first ${n}`)] });
      if (created.status !== 200) return this.error(created);
      body.conversation = ((await created.json()) as { id: string }).id;
    }
    if (kind === 'background') {
      const queued = await postJson(url, { ...body, background: true }, SIM);
      if (queued.status !== 200) return this.error(queued);
      const { id, status } = (await queued.json()) as { id: string; status: string };
      // Its end is read from the store once there is room again (finished()).
      this.background.push(id);
      return { id, status };
    }
    const res = await postJson(url, body, SIM);
    if (res.status !== 200) return this.error(res);
    const response = (await res.json()) as { id: string; status: string };
    return { id: response.id, status: response.status };
  }

  /** A clear refusal: 503 with one of the expected codes in the error envelope, and Retry-After. */
  async error(res: Response): Promise<string> {
    const { code } = await expectError(res, 503, { type: 'server_error', param: null });
    expect(this.refused).toContain(code);
    expect(res.headers.get('retry-after')).toBe('5');
    return code as string;
  }

  /** A streamed answer: valid with one terminal event last, or the error before it started. */
  async streamed(res: Response): Promise<Outcome> {
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return this.error(res);
    const stream = await readSse(res);
    const types = stream.events.map((e) => (e.data as { type: string }).type);
    expect(
      types.filter((t) => TERMINAL.has(t)),
      types.join(' '),
    ).toHaveLength(1);
    expect(TERMINAL.has(types[types.length - 1]), types.join(' ')).toBe(true);
    expect(streamViolations(stream, 'openai')).toEqual([]);
    const { response } = stream.events[stream.events.length - 1].data as {
      response: { id: string; status: string; error: { code: string } | null };
    };
    if (response.status === 'failed') expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    const failure = response.error === null ? '' : ` (${response.error.code})`;
    return { id: response.id, status: `${response.status}${failure}` };
  }
}

const message = (text: string) => ({ type: 'message', role: 'user', content: text });
const WEATHER = {
  type: 'function',
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

/** Every kind of request, answered completely (there is room). */
async function allWork(d: Driver, n: number): Promise<void> {
  for (const kind of KINDS)
    expect(await d.send(kind, n), kind).toMatchObject({ status: kind === 'background' ? 'queued' : 'completed' });
}

/** Every background response ends, and is stored with its end (the runs go on without clients). */
async function backgroundEnded(g: GatewayProcess, d: Driver): Promise<void> {
  for (const id of d.background) {
    let status = 'queued';
    await expect
      .poll(async () => {
        const res = await fetch(`${g.url}/v1/responses/${id}`);
        status = res.status === 200 ? ((await res.json()) as { status: string }).status : `HTTP ${res.status}`;
        return UNFINISHED.has(status);
      })
      .toBe(false);
    expect({ id, status }).toEqual({ id, status: 'completed' });
    d.told.set(id, status);
  }
}

async function recordingStatuses(g: GatewayProcess): Promise<Map<string, number>> {
  const page = (await (await fetch(`${g.url}/v1/recordings?limit=1000`)).json()) as {
    data: { status: string }[];
  };
  const statuses = new Map<string, number>();
  for (const r of page.data) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  return statuses;
}

/**
 * A stream that started with room, and the disk filled before it ended: a session-mode stream
 * (docs/streaming.md) waits for its tool outputs while the filler takes the rest of the disk.
 * Returns its outcome (recorded as told) and the filler.
 */
async function streamWhileTheDiskFills(
  g: GatewayProcess,
  d: Driver,
  disk: Tmpfs,
): Promise<{ outcome: Outcome; filler: string }> {
  const res = await postJson(
    `${g.url}/v1/responses`,
    { model: 'sim-chat', input: 'the weather?', stream: true, tools: [WEATHER] },
    { ...SIM, 'x-responses-session': 'on', 'x-simulator-tool': 'get_weather' },
  );
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const readUntil = async (enough: () => boolean): Promise<void> => {
    for (let chunk = await reader.read(); ; chunk = await reader.read()) {
      if (chunk.done) return;
      text += decoder.decode(chunk.value, { stream: true });
      if (enough()) return;
    }
  };
  await readUntil(() => /"id":"resp_/.test(text));
  const id = (/"id":"(resp_[A-Za-z0-9_-]+)"/.exec(text) as RegExpExecArray)[1];
  let pending: string[] = [];
  await expect
    .poll(async () => {
      const session = (await (await fetch(`${g.url}/v1/responses/${id}/session`)).json()) as {
        status: string;
        pending_call_ids: string[];
      };
      pending = session.pending_call_ids;
      return session.status;
    })
    .toBe('waiting');
  const filler = disk.fill();
  const posted = await postJson(`${g.url}/v1/responses/${id}/tool_outputs`, {
    tool_outputs: pending.map((call_id) => ({ call_id, output: 'sunny' })),
  });
  expect(posted.status).toBe(200);
  await readUntil(() => false);
  const outcome = await d.streamed(new Response(text, { headers: res.headers }));
  if (typeof outcome !== 'string') d.told.set(outcome.id, outcome.status.split(' ')[0]);
  return { outcome, filler };
}

/**
 * Once there is room again: what clients were told is stored reads back as told, no recording
 * of a finished request stays `recording`, the process is up and logged nothing unhandled.
 */
async function consistent(g: GatewayProcess, d: Driver): Promise<void> {
  await backgroundEnded(g, d);
  for (const [id, status] of d.told) {
    const back = await fetch(`${g.url}/v1/responses/${id}`);
    expect({ id, status: back.status }).toEqual({ id, status: 200 });
    expect({ id, status: ((await back.json()) as { status: string }).status }).toEqual({ id, status });
  }
  expect([...(await recordingStatuses(g)).keys()]).not.toContain('recording');
  expect(g.alive()).toBe(true);
  expect(unhandled(g)).toEqual([]);
}

/** The answers the gateway logged that say something went wrong it did not handle. */
function unhandled(g: GatewayProcess): string[] {
  return g
    .stderr()
    .split('\n')
    .filter((l) => /uncaught|unhandled|internal_error|"status":500|writer thread/i.test(l));
}

describe.skipIf(SKIP !== null)('M2 M6 X7 the gateway on a full disk', { tags: ['M2', 'M6', 'X7'] }, () => {
  let disk: Tmpfs;
  let dataDir: string;
  const started: GatewayProcess[] = [];
  const start = async (): Promise<GatewayProcess> => {
    const g = await startGatewayProcess(['--data-dir', dataDir, '--record', 'on', '--log-level', 'warn']);
    started.push(g);
    return g;
  };

  beforeAll(() => {
    disk = new Tmpfs(TMPFS_KB);
    dataDir = path.join(disk.dir, 'data');
  });
  afterAll(async () => {
    for (const g of started) if (g.alive()) await g.kill();
    disk.unmount();
  });

  test('SQLite: full, then space again, then a restart on the same data dir', { timeout: 120_000 }, async () => {
    const g = await start();
    const d = new Driver(g);
    await allWork(d, 0);

    // The gateway fills its disk by itself: stored responses and their recordings.
    let n = 1;
    for (; n < MAX_REQUESTS; n++) if ((await d.send(KINDS[n % KINDS.length], n)) === 'storage_full') break;
    expect(n, JSON.stringify([...d.outcomes])).toBeLessThan(MAX_REQUESTS);
    // Every kind of request on the full disk: an answer or storage_full, nothing else.
    for (const kind of KINDS) await d.send(kind, n++);

    // Space again, without a restart.
    disk.grow(GROWN_KB);
    await allWork(d, n++);

    // Its end could not be stored: the client is told so, and the store says the same later.
    const { outcome, filler } = await streamWhileTheDiskFills(g, d, disk);
    expect(outcome).toMatchObject({ status: 'failed (storage_full)' });
    for (const kind of KINDS) await d.send(kind, n++);
    fs.rmSync(filler);
    await allWork(d, n++);

    await consistent(g, d);
    await g.stop();

    // A restart on the same data dir: nothing was corrupted.
    const db = new BetterSqlite3(path.join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      expect(integrityCheck(db)).toBe('ok');
    } finally {
      db.close();
    }
    const again = await start();
    for (const [id, status] of d.told) {
      const back = await fetch(`${again.url}/v1/responses/${id}`);
      expect({ id, status: ((await back.json()) as { status: string }).status }).toEqual({ id, status });
    }
    await allWork(new Driver(again), n++);
    expect(unhandled(again)).toEqual([]);
    await again.stop();
    console.info(`disk full (SQLite): ${JSON.stringify(Object.fromEntries([...d.outcomes].sort()))}`);
  });

  test('PostgreSQL: its disk full, then space again', { tags: ['X8'], timeout: 120_000 }, async () => {
    // A PostgreSQL of this test's own, its data dir on a tmpfs (scripts/test-services.mjs).
    const pgDisk = new Tmpfs(PG_TMPFS_KB);
    let services: { dir: string; postgresUrl: string } | undefined;
    let g: GatewayProcess | undefined;
    try {
      services = await startServices(process.pid, { parent: pgDisk.dir });
      const { dir, postgresUrl } = services;
      g = await startGatewayProcess(['--store', postgresUrl, '--record', 'on', '--log-level', 'warn']);
      // A full disk is 53100 disk_full; PostgreSQL may also stop when it cannot write its WAL,
      // and then the store is unavailable: either is a clear 503.
      const d = new Driver(g, ['storage_full', 'store_unavailable']);
      await allWork(d, 0);
      // Whether PostgreSQL can still store this end depends on the room left in its pages: the
      // client is told what was stored either way (consistent() reads it back).
      const { outcome, filler } = await streamWhileTheDiskFills(g, d, pgDisk);
      expect(['completed', 'failed (storage_full)']).toContain((outcome as { status: string }).status);
      let n = 1;
      for (let round = 0; round < 2; round++) for (const kind of KINDS) await d.send(kind, n++);
      const refused = [...d.outcomes.keys()].filter((k) => / (storage_full|store_unavailable)$/.test(k));
      expect(refused.length, JSON.stringify([...d.outcomes])).toBeGreaterThan(0);

      fs.rmSync(filler);
      if (!postgresRunning(dir)) startPostgres(dir, Number(new URL(postgresUrl).port));
      const url = `${g.url}/v1/responses`;
      await expect.poll(async () => (await postJson(url, { model: 'sim-chat', input: 'back?' })).status).toBe(200);
      await allWork(d, n++);
      await consistent(g, d);
      await g.stop();
      console.info(`disk full (PostgreSQL): ${JSON.stringify(Object.fromEntries([...d.outcomes].sort()))}`);
    } finally {
      if (g?.alive()) await g.kill();
      if (services) stopServices(services.dir);
      pgDisk.unmount();
    }
  });
});
