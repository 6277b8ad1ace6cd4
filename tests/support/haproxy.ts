/**
 * HAProxy (Debian's package) in front of gateway instances: a config written for the test, a free
 * port, round robin, no buffering of streams (HAProxy forwards SSE as it arrives), generous
 * timeouts so that a stream waiting for tool outputs is never cut by the balancer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Balancer {
  url: string;
  stop(): Promise<void>;
}

const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => fs.existsSync(p));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startBalancer(backends: string[]): Promise<Balancer> {
  if (!HAPROXY)
    throw new Error('HAProxy is not installed: run `node scripts/test-services.mjs install` as root (.ci/run does).');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-haproxy-'));
  const port = await freePort();
  const servers = backends.map((url, i) => `  server gw${i + 1} ${new URL(url).host}`).join('\n');
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    `global
  maxconn 2000
defaults
  mode http
  timeout connect 5s
  timeout client 10m
  timeout server 10m
  timeout http-request 60s
frontend api
  bind 127.0.0.1:${port}
  default_backend gateways
backend gateways
  balance roundrobin
${servers}
`,
  );
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 500) throw new Error(`haproxy did not listen: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
