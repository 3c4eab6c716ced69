// An in-memory table of one resource. Insertion order is kept so that lists
// come back newest first with ties (same `created` second) broken exactly.

export class Collection<T extends { id: string }> {
  private readonly rows = new Map<string, { value: T; seq: number }>();
  private seq = 0;

  insert(value: T): T {
    this.rows.set(value.id, { value, seq: this.seq++ });
    return value;
  }

  get(id: string): T | undefined {
    return this.rows.get(id)?.value;
  }

  delete(id: string): boolean {
    return this.rows.delete(id);
  }

  /** Newest first, as Stripe's list endpoints order objects. */
  newestFirst(filter: (value: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (const { value } of this.rows.values()) if (filter(value)) out.push(value);
    return out.reverse();
  }

  /** Oldest first (e.g. the lines of an invoice, in the order they were added). */
  oldestFirst(filter: (value: T) => boolean = () => true): T[] {
    return this.newestFirst(filter).reverse();
  }

  get size(): number {
    return this.rows.size;
  }

  clear(): void {
    this.rows.clear();
    this.seq = 0;
  }
}
