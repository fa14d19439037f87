// A request body that can be sent more than once: retries replay it and mirrors get a copy.
// It streams to the current attempt with backpressure while keeping up to `limit` bytes; past
// the limit the copy is dropped (as Envoy stops buffering for retries), so a later attempt
// cannot replay it and the request is not retried. Mirror copies never slow the main request:
// one that falls `limit` bytes behind is cut off.

import { Readable } from "node:stream";

class Copy extends Readable {
  private readonly onRead: () => void;
  constructor(onRead: () => void) {
    super();
    this.onRead = onRead;
  }
  override _read(): void {
    this.onRead();
  }
}

export class BufferedBody {
  private readonly src: Readable;
  private readonly limit: number;
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  /** Set once more than `limit` bytes came: nothing is kept any more. */
  overflowed = false;
  private primary: Copy | undefined;
  private readonly mirrors = new Set<Copy>();

  constructor(src: Readable, limit: number) {
    this.src = src;
    this.limit = limit;
    src.on("data", (c: Buffer) => this.onData(c));
    src.on("end", () => {
      this.ended = true;
      this.primary?.push(null);
      for (const m of this.mirrors) m.push(null);
    });
    src.on("error", (e) => {
      this.primary?.destroy(e);
      for (const m of this.mirrors) m.destroy(e);
    });
  }

  private onData(c: Buffer): void {
    if (!this.overflowed) {
      this.size += c.length;
      if (this.size > this.limit) {
        this.overflowed = true;
        this.chunks = [];
      } else this.chunks.push(c);
    }
    if (this.primary && !this.primary.destroyed && !this.primary.push(c)) this.src.pause();
    for (const m of this.mirrors) {
      m.push(c);
      if (m.readableLength > this.limit) {
        m.destroy();
        this.mirrors.delete(m);
      }
    }
  }

  /** Whether the whole body seen so far can be replayed. */
  get replayable(): boolean {
    return !this.overflowed;
  }

  private copy(onRead: () => void): Copy {
    const c = new Copy(onRead);
    for (const chunk of this.chunks) c.push(chunk);
    if (this.ended) c.push(null);
    return c;
  }

  /** The body for the next attempt (replaying what came so far); the previous one is dropped. */
  attempt(): Readable {
    this.primary?.destroy();
    const c = this.copy(() => this.src.resume());
    c.once("close", () => {
      // a finished or abandoned attempt must not hold the source paused
      if (this.primary === c) this.src.resume();
    });
    this.primary = c;
    return c;
  }

  /** A copy for a mirror, or null when the body no longer fits the buffer. */
  mirror(): Readable | null {
    if (this.overflowed) return null;
    const c = this.copy(() => undefined);
    this.mirrors.add(c);
    c.once("close", () => this.mirrors.delete(c));
    return c;
  }
}
