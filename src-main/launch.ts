/**
 * `npm start` / `npm run dev`. With an Electron binary: build and open the desktop window (the
 * main process hosts the gateway). Without one (CI, containers): serve the console and the
 * gateway from one local web server and print its URL.
 *
 *   tsx src-main/launch.ts start [gateway flags]   e.g. -- --backend http://127.0.0.1:8000
 *   tsx src-main/launch.ts dev   [gateway flags]   Vite dev server with hot reload + the gateway
 *   tsx src-main/launch.ts build                   build the console (and the Electron bundles when possible)
 */
import { reportFatal } from '../src-server/cli/fatal.js';
import { FlagError, helpText } from '../src-server/config/flags.js';
import { buildConsole, REPO_ROOT } from './launcher/build-console.js';
import { electronBinary } from './launcher/electron-binary.js';
import { probeBackend, startWebMode } from './launcher/web-mode.js';
import { defaultDataDir } from './launcher/data-dir.js';
import { LAUNCHER_FLAGS_HELP } from './launcher/console-config.js';
import { startDevMode } from './launcher/dev-mode.js';
import { spawnTied } from './launcher/lifeline.js';

type Closable = { close(): Promise<void> };

function closeOnSignal(target: Closable): void {
  let closing = false;
  const stop = () => {
    if (closing) process.exit(1);
    closing = true;
    void target.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The build and the Electron app run as children tied to this process (launcher/lifeline.ts):
 * signals are forwarded, and the app quits by itself if this launcher dies, even by SIGKILL.
 */
async function runElectron(binary: string, argv: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const b = spawnTied(
      process.execPath,
      [new URL('../node_modules/electron-vite/bin/electron-vite.js', import.meta.url).pathname, 'build'],
      { cwd: REPO_ROOT },
    );
    b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`electron-vite build exited with ${code}`))));
  });
  const child = spawnTied(binary, ['.', ...argv], { cwd: REPO_ROOT });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

async function main(): Promise<void> {
  // Web and dev mode host the gateway in this process: an uncaught exception is logged, then fatal.
  process.on('uncaughtExceptionMonitor', reportFatal);
  const [command = 'start', ...argv] = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(`${helpText(`npm ${command === 'start' ? 'start' : 'run dev'} --`)}\n\n${LAUNCHER_FLAGS_HELP}`);
    return;
  }
  if (command === 'build') {
    await buildConsole({ force: true });
    return;
  }
  if (command === 'dev') {
    const dev = await startDevMode(argv);
    // Signals are handled before the URL is printed: whoever reads it may stop us at once.
    closeOnSignal(dev);
    console.log(`Responses Studio (dev, hot reload): ${dev.url}\n  gateway: ${dev.gatewayUrl}`);
    return;
  }
  const binary = process.env.STUDIO_WEB_MODE === '1' ? null : electronBinary();
  if (binary) {
    await runElectron(binary, argv);
    return;
  }
  const gateway = await startWebMode({ argv, dataDir: defaultDataDir() });
  closeOnSignal(gateway);
  if (gateway.verbose)
    console.log(
      `No Electron binary here: serving the console and the gateway from one web server.\n  API: ${gateway.url}/v1/responses\n  data: ${gateway.dataDir ?? '(in memory)'}`,
    );
  // One line to act on: the URL. Everything else is in the console's Gateway panel (or --verbose).
  console.log(`Responses Studio: ${gateway.url}/  — open it in a browser; Ctrl+C stops it.`);
  const down = await probeBackend(gateway);
  if (down)
    console.warn(
      `warning: the backend ${gateway.backend.baseUrl} does not answer (${down}); requests will fail until it does.`,
    );
}

main().catch((e: unknown) => {
  console.error(e instanceof FlagError ? `error: ${e.message}` : e);
  process.exit(1);
});
