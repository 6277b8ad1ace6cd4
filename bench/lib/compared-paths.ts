/**
 * The four paths the latency scenarios compare, in the order they take turns: straight to the
 * simulator, through the bare pass-through proxy, through the minimal translator, through the
 * gateway; and a record with one value per path.
 */
export const COMPARED_PATHS = ['direct', 'passthrough', 'translator', 'gateway'] as const;
export type ComparedPath = (typeof COMPARED_PATHS)[number];

export function perPath<T>(f: (name: ComparedPath) => T): Record<ComparedPath, T> {
  return Object.fromEntries(COMPARED_PATHS.map((name) => [name, f(name)])) as Record<ComparedPath, T>;
}
