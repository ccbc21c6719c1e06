/**
 * In-memory state read from the store that a reload replaces whole, in one assignment, so a reader sees either the
 * old state or the new one and never a half-built map.
 *
 * A change this process makes while a reload is reading may be missing from what the reload read (its query ran
 * before the change was stored), and a swap would then lose it until the next reload: a key just created here
 * would be refused. So every change is also recorded for the reloads in flight and applied again to what they read
 * before it goes live. Changes are idempotent (set this record, delete those), so applying one to a state that
 * already holds it does no harm.
 */
export class ReloadableState<S> {
  private readonly inFlight = new Set<((state: S) => void)[]>();

  constructor(private state: S) {}

  get current(): S {
    return this.state;
  }

  /** Applies a change this process made (after the store accepted it) now, and again after any reload in flight. */
  change(apply: (state: S) => void): void {
    apply(this.state);
    for (const changes of this.inFlight) changes.push(apply);
  }

  /** Reads the state anew and swaps it in; when `load` fails, the current state stays and the error is thrown. */
  async reload(load: () => Promise<S>): Promise<void> {
    const changes: ((state: S) => void)[] = [];
    this.inFlight.add(changes);
    try {
      const next = await load();
      for (const apply of changes) apply(next);
      this.state = next;
    } finally {
      this.inFlight.delete(changes);
    }
  }
}
