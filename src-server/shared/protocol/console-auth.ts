/**
 * The header that carries the desktop console's per-launch secret (docs/headers.md). Shared by the
 * gateway, which requires it on console and library routes when one is configured, and the
 * console's gateway client, which sends it on every request.
 */
export const CONSOLE_SECRET_HEADER = 'x-studio-console-secret';
