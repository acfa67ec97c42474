import type { StoredMessage } from "./instance.js";
import type { MessagesRepository } from "./messages.repository.js";

interface Pending {
  entry: { idInstance: number; message: StoredMessage };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for acknowledged sends: requests that arrive together are
 * written in one transaction, and each request is answered only after its row
 * is durably stored. One fsync serves many acknowledgements.
 */
export class MessageWriter {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly messages: MessagesRepository) {}

  write(idInstance: number, message: StoredMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry: { idInstance, message }, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the requests already read off the sockets join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.messages.insertMany(batch.map((pending) => pending.entry));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = undefined;
  }

  /** Resolves when everything handed in so far is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
