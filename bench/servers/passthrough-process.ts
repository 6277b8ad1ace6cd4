/**
 * Bench child process: the smallest possible Node HTTP proxy in front of the simulator (pipe the
 * request up, pipe the response down, nothing parsed). It is the floor any Node gateway pays for
 * the extra hop on this machine, so the gateway's added latency can be read against it.
 * Usage: passthrough-process.ts <upstream base url>
 */
import http from 'node:http';
import { serveOnLoopback } from './serve.js';

const upstream = new URL(process.argv[2] ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const server = http.createServer((req, res) => {
  const up = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  req.pipe(up);
});
serveOnLoopback(server);
