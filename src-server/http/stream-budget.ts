/**
 * The bytes that every stream of the gateway holds unsent for its client, counted together so
 * that many slow clients cannot exhaust memory (E8, `--responses-stream-max-buffered-total-bytes`).
 * Each stream writer (SSE here, WebSocket alike) reports the change of its own unsent bytes; the
 * writer that pushes the total past the limit ends its stream with `stream_buffer_exceeded`.
 */
export class StreamBudget {
  /** Unsent bytes of all streams, as last reported by their writers. */
  private bytes = 0;
  /** Most bytes ever counted at once (for metrics and tests). */
  private peakBytes = 0;

  constructor(readonly limitBytes: number) {}

  get total(): number {
    return this.bytes;
  }

  get peak(): number {
    return this.peakBytes;
  }

  /** Adds a writer's change (negative when its client took bytes); true while within the limit. */
  change(delta: number): boolean {
    this.bytes += delta;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
    return this.bytes <= this.limitBytes;
  }
}
