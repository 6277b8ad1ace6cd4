/**
 * The heap probe of a bench server process: started with `--expose-gc`, it answers SIGUSR2 with
 * one `{"heap": …}` line on stdout holding the live heap after a full GC
 * (`ServerProcess.heapAfterGc` in bench/lib/processes.ts reads it). That tells memory a process
 * keeps from garbage it has not collected yet. Without `--expose-gc` it does nothing.
 */
export function answerHeapProbe(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  process.on('SIGUSR2', () => {
    gc();
    const { heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ heap: { heapUsed, heapTotal, external, arrayBuffers } })}\n`);
  });
}
