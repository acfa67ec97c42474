interface Pending<Entry> {
  entry: Entry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: entries handed in together are written by one call of `write` (one transaction,
 * one fsync), and each caller's promise settles only after its entry is durably stored. It
 * serves acknowledged sends (each answer waits for its message's row) and webhook confirmations
 * (each instance's next push waits for the previous one's).
 */
export class GroupCommit<Entry> {
  private pending: Array<Pending<Entry>> = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly writeBatch: (entries: Entry[]) => Promise<void>) {}

  write(entry: Entry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the entries already on their way (requests read off the sockets, answers just in) join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.writeBatch(batch.map((pending) => pending.entry));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.flushing = undefined;
  }

  /** Resolves when everything handed in so far is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
