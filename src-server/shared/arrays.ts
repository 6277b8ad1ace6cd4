/**
 * `list` with `value` appended, for arrays an open response keeps: the first value makes a new
 * array of one, since an empty array's first `push` reserves 17 slots (136 bytes), which every open
 * stream would keep for its one item, part or entry. Callers store the result in place of `list`.
 */
export function appended<T>(list: T[], value: T): T[] {
  if (list.length === 0) return [value];
  list.push(value);
  return list;
}
