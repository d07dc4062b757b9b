/** `body` over `items`, at most `limit` at a time; the results in the items' order. */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  body: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await body(items[index]);
      }
    }),
  );
  return results;
}
