import type { StudioApi } from '../../src-main/shared/studio-api.js';

declare global {
  interface Window {
    /** Present only in the desktop window (set by the preload script). */
    studio?: StudioApi;
  }
}

/** The desktop bridge, or null in web mode. */
export function bridge(): StudioApi | null {
  return typeof window !== 'undefined' && window.studio ? window.studio : null;
}
