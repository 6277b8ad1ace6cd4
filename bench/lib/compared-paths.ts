/**
 * The four paths the latency scenarios compare, in the order they take turns: straight to the
 * simulator, through the bare pass-through proxy, through the minimal translator, through the
 * gateway; and a record with one value per path.
 */
export const COMPARED_PATHS = ['direct', 'passthrough', 'translator', 'gateway'] as const;
export type ComparedPath = (typeof COMPARED_PATHS)[number];

/** The paths through a server process of their own (all but direct). */
export type ProxyPath = Exclude<ComparedPath, 'direct'>;
export const PROXY_PATHS = COMPARED_PATHS.filter((name): name is ProxyPath => name !== 'direct');

/** One value per path: of every compared path, or of the paths given. */
export function perPath<T>(f: (name: ComparedPath) => T): Record<ComparedPath, T>;
export function perPath<T, N extends ComparedPath>(f: (name: N) => T, names: readonly N[]): Record<N, T>;
export function perPath<T>(
  f: (name: ComparedPath) => T,
  names: readonly ComparedPath[] = COMPARED_PATHS,
): Record<ComparedPath, T> {
  return Object.fromEntries(names.map((name) => [name, f(name)])) as Record<ComparedPath, T>;
}
