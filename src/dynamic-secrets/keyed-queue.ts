/**
 * Runs tasks with the same key one after another (in this process); different keys run in
 * parallel. A failed task does not stop the ones queued behind it. Each task receives the result
 * of the task just before it under the same key (undefined for the first, or after a failure).
 */
export function createKeyedQueue<T = unknown>() {
  const tails = new Map<string, Promise<T | undefined>>();
  return {
    run(key: string, task: (predecessor: T | undefined) => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve(undefined);
      const result = previous.then(task);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    /** Keys with queued or running tasks (for tests). */
    get size() {
      return tails.size;
    },
  };
}
