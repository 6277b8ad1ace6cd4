// Preload (`node --import bench/lib/phase-probe.mjs`) for the first-event scenario: where one
// stream's time to first event goes inside a server process, from the diagnostics channels of
// Node's HTTP server and client and of undici, with no change to the server's code. Per request:
// when it arrived (its headers were parsed), when the server sent its upstream request, when the
// upstream answer's headers came in, and when the first bytes of the answer were written. Meant
// for one stream at a time: client events belong to the latest request. node:http marks "sent"
// when the request is created, undici when its headers are handed to the socket, so the first
// two phases of the gateway (undici) and of the reference servers (node:http) split at slightly
// different moments; their sum compares exactly. The rows are written as JSON to
// $BENCH_PHASE_DIR/<pid>.json when the process exits.
import dc from 'node:diagnostics_channel';
import http from 'node:http';
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
const upstreamSent = () => {
  if (latest && latest.upstreamSent === 0) latest.upstreamSent = performance.now();
};
const upstreamHeaders = () => {
  if (latest && latest.upstreamHeaders === 0) latest.upstreamHeaders = performance.now();
};
// node:http clients (the pass-through, the translator) …
dc.subscribe('http.client.request.start', upstreamSent);
dc.subscribe('http.client.response.finish', upstreamHeaders);
// … and undici's (the gateway's upstream client): its own channels, same moments.
dc.subscribe('undici:client:sendHeaders', upstreamSent);
dc.subscribe('undici:request:headers', upstreamHeaders);

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
