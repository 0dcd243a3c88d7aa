/**
 * Gathers the items that callers hand in during one turn of the event loop and sends them with
 * one call. Concurrent work in one process (a batch of tasks in the worker, concurrent requests
 * in the local runtime) then makes a few PutEvents or SendMessageBatch calls instead of many;
 * a lone caller waits only until the current turn ends. Every caller learns whether its items
 * were sent: a failed send rejects every caller that had items in it.
 */
export class MicroBatcher<T> {
  private pending: { items: T[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly send: (items: T[]) => Promise<void>) {}

  add(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const callers = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      await this.send(callers.flatMap((caller) => caller.items));
      for (const caller of callers) caller.resolve();
    } catch (error) {
      for (const caller of callers) caller.reject(error);
    }
  }
}
