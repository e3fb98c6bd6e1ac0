/** `items[index]`, or a RangeError naming the miss: the tests' checked alternative to `!`. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no item ${index} among ${items.length}`);
  return item;
}
