/**
 * The `Host` allow-list (X5), checked on every request before anything else, static console files
 * included. It stops DNS rebinding: a page on `http://rebind.attacker.example:8080` whose name
 * now resolves to 127.0.0.1 reaches this gateway as "same origin" from the browser's point of
 * view, and the peer-address check of loopback.ts (`assertLoopbackClient`) cannot see it — the
 * connection does come from this machine. Only the `Host` header still carries the attacker's
 * name, so a name this gateway does not answer to is refused with a 403.
 *
 * Accepted: the loopback names (`localhost`, `127.0.0.1` and the rest of 127.0.0.0/8, `[::1]`)
 * with any port; the `--host` value; every `--allowed-host` (a name, or `name:port`; `*` accepts
 * anything, for a gateway behind a proxy that checks Host itself); and, when `--host` is a
 * wildcard address (0.0.0.0, ::), any IP literal — rebinding needs a DNS name, so a literal
 * address is never a rebinding. A request without a `Host` header (HTTP/1.0) cannot come from a
 * browser and is accepted.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { errors } from '../shared/protocol/errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '[::1]']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

export interface HostSettings {
  /** `--host`: the address the gateway listens on. */
  host: string;
  /** `--allowed-host` entries. */
  allowedHosts: readonly string[];
}

/** `name[:port]` → lower-case name (IPv6 kept in brackets, trailing dot dropped) and port. */
export function splitHost(value: string): { name: string; port: string | null } | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return null;
  return { name: m[1].replace(/\.$/, ''), port: m[2] ?? null };
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host.toLowerCase()}]` : host.toLowerCase();
}

export class HostAllowList {
  private readonly any: boolean;
  private readonly anyIpLiteral: boolean;
  /** Names accepted with any port. */
  private readonly names = new Set<string>();
  /** `name:port` pairs accepted exactly. */
  private readonly pairs = new Set<string>();

  constructor(settings: HostSettings) {
    this.any = settings.allowedHosts.includes('*');
    this.anyIpLiteral = WILDCARD_HOSTS.has(settings.host.trim());
    if (!this.anyIpLiteral) this.names.add(bracketed(settings.host.trim()));
    for (const entry of settings.allowedHosts) {
      if (entry === '*') continue;
      const parsed = splitHost(entry);
      if (!parsed || parsed.name === '') throw new Error(`--allowed-host: not a host name: '${entry}'`);
      if (parsed.port === null) this.names.add(parsed.name);
      else this.pairs.add(`${parsed.name}:${parsed.port}`);
    }
  }

  allows(value: string | undefined): boolean {
    if (value === undefined || this.any) return true;
    const parsed = splitHost(value);
    if (!parsed || parsed.name === '') return false;
    const { name, port } = parsed;
    if (LOOPBACK_NAMES.has(name) || (isIP(name) === 4 && name.startsWith('127.'))) return true;
    if (this.names.has(name) || (port !== null && this.pairs.has(`${name}:${port}`))) return true;
    const literal = name.startsWith('[') ? name.slice(1, -1) : name;
    return this.anyIpLiteral && isIP(literal) !== 0;
  }

  /** Throws the 403 `host_not_allowed` for a Host this gateway does not answer to. */
  check(req: IncomingMessage): void {
    const host = req.headers.host;
    if (!this.allows(host)) throw errors.hostNotAllowed(String(host));
  }
}
