/**
 * Request bodies (http/body.ts): a body with a Content-Length is complete with its last declared
 * byte and is taken then, not a tick later at the stream's 'end' (the first event's critical
 * path); the connection still serves the next request. A chunked body is taken at its end.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { ClientLeftError, readBody } from '../../src-server/http/body.js';

let server: Server | undefined;
/** One keep-alive connection per test: a second request reuses the first one's socket. */
let agent: Agent;

beforeEach(() => {
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});

afterEach(async () => {
  agent.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that echoes each body and reports whether the request stream had ended when it was read. */
async function echoServer(): Promise<{ port: number; endedWhenRead: boolean[] }> {
  const endedWhenRead: boolean[] = [];
  server = createServer((req, res) => {
    readBody(req, 1_000).then(
      (body) => {
        endedWhenRead.push(req.readableEnded);
        res.end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, endedWhenRead };
}

function post(port: number, body: string, chunked: boolean): Promise<{ text: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ text, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    if (chunked) {
      req.write(body.slice(0, 3));
      setImmediate(() => req.end(body.slice(3)));
    } else {
      req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    }
  });
}

test('a body with a Content-Length is taken with its last byte, and the connection serves the next request', async () => {
  const { port, endedWhenRead } = await echoServer();
  expect(await post(port, '{"input":"one"}', false)).toEqual({ text: '{"input":"one"}', reused: false });
  expect(await post(port, '{"input":"two"}', false)).toEqual({ text: '{"input":"two"}', reused: true });
  // Read before the request stream's 'end', which comes a tick later.
  expect(endedWhenRead).toEqual([false, false]);
});

test('a chunked body is taken at its end', async () => {
  const { port, endedWhenRead } = await echoServer();
  expect(await post(port, '{"input":"chunked"}', true)).toEqual({ text: '{"input":"chunked"}', reused: false });
  expect(endedWhenRead).toEqual([true]);
});

test.each([
  ['half of its body', '{"a"'],
  ['all of its body', '{"a": 1 }'],
])(
  'a client that sent %s and left before the route read it: the read rejects at once, it never waits',
  async (_, sent) => {
    const outcome = new Promise<unknown>((resolve) => {
      server = createServer((req) => {
        // The route reads only after the client is gone ('close' has fired already).
        req.once('close', () => readBody(req, 1_000).then(resolve, resolve));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const socket = connect((server?.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n${sent}`, () => socket.destroy());
    expect(await outcome).toBeInstanceOf(ClientLeftError);
  },
);
