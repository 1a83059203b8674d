// Holds the current routing table; a rebuild swaps the reference in one assignment, so a
// request that has read `current()` keeps a consistent view for its whole life.
export class Store<T> {
  private table: T;

  constructor(initial: T) {
    this.table = initial;
  }

  current(): T {
    return this.table;
  }

  swap(next: T): void {
    this.table = next;
  }
}
