// Runs up to `concurrency` async sources at once and yields their values as
// they arrive (order across sources is not kept). A usage query fans out over
// many shard partitions; this keeps them all in flight without buffering any
// partition whole. Stopping early or a failure closes the other sources.

type Step<T> = { readonly index: number; readonly result: IteratorResult<T> };

const ignore = (): void => undefined;

export async function* interleavePages<T>(
  sources: readonly (() => AsyncIterable<T>)[],
  concurrency: number,
): AsyncGenerator<T> {
  const iterators: AsyncIterator<T>[] = [];
  const pending = new Map<number, Promise<Step<T>>>();
  let nextSource = 0;

  const request = (index: number): void => {
    const step = (iterators[index] as AsyncIterator<T>).next().then((result) => ({ index, result }));
    // Rejections surface through Promise.race below; this only stops a
    // rejection nobody awaits any more (after an early exit) from going unhandled.
    step.catch(ignore);
    pending.set(index, step);
  };
  const startNext = (): void => {
    const index = nextSource;
    nextSource += 1;
    iterators[index] = (sources[index] as () => AsyncIterable<T>)()[Symbol.asyncIterator]();
    request(index);
  };

  while (nextSource < sources.length && pending.size < concurrency) startNext();
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        if (nextSource < sources.length) startNext();
      } else {
        request(index);
        yield result.value;
      }
    }
  } finally {
    for (const index of pending.keys()) void iterators[index]?.return?.()?.catch?.(ignore);
  }
}
