/**
 * The console's Content Security Policy, one source for the Electron window (response header)
 * and the built page (meta tag, which cannot carry `frame-ancestors`).
 */
export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  // Monaco and React set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  // Gateways started by the desktop shell for backend profiles listen on other loopback ports.
  "connect-src 'self' http://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
] as const;
