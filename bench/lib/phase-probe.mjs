// Preload (`node --import bench/lib/phase-probe.mjs`) for the first-event scenario: where one
// stream's time to first event goes inside a server process, from Node's own HTTP diagnostics
// channels, with no change to the server's code. Per request: when it arrived (its headers were
// parsed), when the server sent its upstream request, when the upstream answer's headers came in,
// and when the first bytes of the answer were written. Meant for one stream at a time: client
// events belong to the latest request. The rows are written as JSON to
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
dc.subscribe('http.client.request.start', () => {
  if (latest && latest.upstreamSent === 0) latest.upstreamSent = performance.now();
});
dc.subscribe('http.client.response.finish', () => {
  if (latest && latest.upstreamHeaders === 0) latest.upstreamHeaders = performance.now();
});

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
