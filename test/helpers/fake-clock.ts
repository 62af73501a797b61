/** A clock that moves only when a test says so: `now` is passed where code takes a clock. */
export class FakeClock {
  #ms: number;

  constructor(start = Date.now()) {
    this.#ms = start;
  }

  readonly now = (): number => this.#ms;

  /** The current time as a Date, for code that takes `() => Date`. */
  readonly date = (): Date => new Date(this.#ms);

  advance(ms: number): void {
    this.#ms += ms;
  }
}
