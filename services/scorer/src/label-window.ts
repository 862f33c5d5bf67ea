/** Log loss clips p to [ε, 1-ε] (DESIGN section 3), so one confident mistake costs ~34.5, not Infinity. */
const EPSILON = 1e-15;

export interface LabelWindowFigures {
  /** Mean log loss over the window (NaN when empty). */
  readonly logloss: number;
  /** Fraction classified right at the threshold (NaN when empty). */
  readonly accuracy: number;
  /** Labelled events in the window. */
  readonly n: number;
}

/**
 * Log loss and accuracy over the last `size` labelled events the scorer saw (held-out evaluation
 * with delayed feedback, DESIGN section 4): a ring buffer with running sums, O(1) per event and
 * O(size) memory. Sums are rebuilt from the buffer once per `size` events, so floating-point
 * drift from adding and subtracting cannot accumulate.
 */
export class LabelWindow {
  readonly #loss: Float64Array;
  readonly #correct: Uint8Array;
  #next = 0;
  #n = 0;
  #lossSum = 0;
  #correctSum = 0;
  #sinceRebuild = 0;

  constructor(
    readonly size: number,
    readonly threshold: number,
  ) {
    if (!(Number.isInteger(size) && size > 0)) throw new TypeError(`size: must be a whole number > 0, got ${size}`);
    if (!(threshold >= 0 && threshold <= 1)) throw new TypeError(`threshold: must be in [0, 1], got ${threshold}`);
    this.#loss = new Float64Array(size);
    this.#correct = new Uint8Array(size);
  }

  add(label: 0 | 1, probability: number): void {
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, probability));
    const loss = label === 1 ? -Math.log(p) : -Math.log(1 - p);
    const correct = (probability >= this.threshold ? 1 : 0) === label ? 1 : 0;
    const i = this.#next;
    if (this.#n === this.size) {
      this.#lossSum -= this.#loss[i]!;
      this.#correctSum -= this.#correct[i]!;
    } else {
      this.#n++;
    }
    this.#loss[i] = loss;
    this.#correct[i] = correct;
    this.#lossSum += loss;
    this.#correctSum += correct;
    this.#next = i + 1 === this.size ? 0 : i + 1;
    if (++this.#sinceRebuild === this.size) this.#rebuild();
  }

  figures(): LabelWindowFigures {
    const n = this.#n;
    return { logloss: n === 0 ? Number.NaN : this.#lossSum / n, accuracy: n === 0 ? Number.NaN : this.#correctSum / n, n };
  }

  #rebuild(): void {
    let sum = 0;
    for (let i = 0; i < this.#n; i++) sum += this.#loss[i]!;
    this.#lossSum = sum;
    this.#sinceRebuild = 0;
  }
}
