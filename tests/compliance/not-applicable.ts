/**
 * IDs that no automated test can prove, each with the reason. The compliance report (T1) prints
 * them as "not applicable" instead of failing for want of a test; an ID listed here that gains a
 * test is reported with its tests (and this entry should go).
 */
import type { BriefId } from '../support/brief-ids.js';

export const NOT_APPLICABLE: Partial<Record<BriefId, string>> = {};
