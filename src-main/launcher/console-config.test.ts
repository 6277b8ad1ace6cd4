import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fileSavedRequests } from '../../src-server/console/saved-requests-store.js';
import { emptySavedRequests } from '../../src-server/shared/saved-requests.js';
import { consoleGatewayConfig, splitLauncherFlags } from './console-config.js';
import { defaultDataDir } from './data-dir.js';

describe('where web mode keeps its data', () => {
  test('the XDG data folder, else ~/.local/share; a relative XDG_DATA_HOME is ignored', { tags: ['U6'] }, () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/x' }, '/home/ada')).toBe('/data/x/responses-studio');
    expect(defaultDataDir({}, '/home/ada')).toBe('/home/ada/.local/share/responses-studio');
    expect(defaultDataDir({ XDG_DATA_HOME: 'rel' }, '/home/ada')).toBe('/home/ada/.local/share/responses-studio');
  });

  test('--data-dir chooses another folder, --in-memory none; the two together are refused', { tags: ['U6'] }, () => {
    const d = { dataDir: '/home/ada/.local/share/responses-studio' };
    expect(consoleGatewayConfig([], d).config.dataDir).toBe(d.dataDir);
    expect(consoleGatewayConfig(['--data-dir', '/tmp/x'], d).config.dataDir).toBe('/tmp/x');
    expect(consoleGatewayConfig(['--in-memory'], d).config.dataDir).toBeUndefined();
    expect(() => consoleGatewayConfig(['--in-memory', '--data-dir', '/tmp/x'], d)).toThrow(/exclude each other/);
    // Without a default (tests, dev mode) nothing is written anywhere.
    expect(consoleGatewayConfig([]).config.dataDir).toBeUndefined();
  });

  test('the launcher flags are taken out before the gateway flags are parsed', { tags: ['U7'] }, () => {
    expect(splitLauncherFlags(['--verbose', '--port', '0', '--in-memory'])).toEqual({
      launcher: { verbose: true, inMemory: true },
      gatewayArgv: ['--port', '0'],
    });
  });

  test('saved requests are written atomically, readable by the owner only', { tags: ['U1'] }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'studio-saved-'));
    try {
      const store = fileSavedRequests(join(dir, 'nested'));
      expect(await store.read()).toEqual(emptySavedRequests());
      const doc = { ...emptySavedRequests(), collections: [{ id: 'c', name: 'C', variables: {}, requests: [] }] };
      await store.write(doc);
      expect(await store.read()).toEqual(doc);
      expect((await stat(join(dir, 'nested', 'saved-requests.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
