// Preload (`node --import bench/lib/phase-probe.mjs`) for the first-event scenario: where one
// stream's time to first event goes inside a server process, with no change to the server's code.
// Per request: when it arrived (its headers were parsed: Node's `http.server.request.start`), when
// the first bytes of its upstream request were handed to a socket (the first write on a socket the
// process opened itself, whatever client wrote it), when the upstream answer's headers came in
// (node:http's `http.client.response.finish`, undici's `undici:request:headers`), and when the
// first bytes of the answer were written (`res.write`/`res.end`). The upstream write is marked on
// the socket rather than by the clients' start channels because the two clients publish those at
// different moments: node:http's `http.client.request.start` after its request is written, undici's
// `undici:client:sendHeaders` before, a whole write system call apart. Meant for one stream at a
// time: upstream events belong to the latest request. The rows are written as JSON to
// $BENCH_PHASE_DIR/<pid>.json when the process exits.
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const rows = [];
const byResponse = new WeakMap();
let latest = null;

dc.subscribe('http.server.request.start', ({ response }) => {
  latest = { arrived: performance.now(), upstreamSent: 0, upstreamHeaders: 0, firstWrite: 0 };
  byResponse.set(response, latest);
  rows.push(latest);
});
const upstreamHeaders = () => {
  if (latest && latest.upstreamHeaders === 0) latest.upstreamHeaders = performance.now();
};
// node:http clients (the pass-through, the translator) and undici (the gateway's upstream client).
dc.subscribe('http.client.response.finish', upstreamHeaders);
dc.subscribe('undici:request:headers', upstreamHeaders);

// Every TCP write goes through `_writeGeneric` (`_write` and `_writev`); a socket a server
// accepted has `_server`, one the process connected itself does not.
const writeGeneric = net.Socket.prototype._writeGeneric;
net.Socket.prototype._writeGeneric = function (...args) {
  if (latest && latest.upstreamSent === 0 && !this._server) latest.upstreamSent = performance.now();
  return writeGeneric.apply(this, args);
};

for (const method of ['write', 'end']) {
  const original = http.ServerResponse.prototype[method];
  http.ServerResponse.prototype[method] = function (...args) {
    const row = byResponse.get(this);
    if (row && row.firstWrite === 0) row.firstWrite = performance.now();
    return original.apply(this, args);
  };
}

process.on('exit', () => {
  const dir = process.env.BENCH_PHASE_DIR;
  if (dir) writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify(rows));
});
