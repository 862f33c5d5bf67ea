/**
 * Lazily regularized weights for SGD and AdaGrad: L2 (weight decay), L1 (cumulative penalty)
 * and both (Elastic Net), each update costing O(nnz(x)) instead of O(m).
 *
 * Per step t with rate η_t the reference ("eager") semantics, applied to EVERY coordinate, are
 *
 *   1. decay:    w_j ← a_t·w_j with a_t = 1 − η_t·λ2            (DESIGN §3, weight decay)
 *   2. gradient: w_j ← w_j − Δ_j  for the coordinates of the sample
 *   3. L1:       Tsuruoka, Tsujii & Ananiadou (2009), "Stochastic gradient descent training for
 *                L1-regularized log-linear models with cumulative penalty", Fig. 2:
 *                u ← u + η_t·λ1 (total penalty a weight could have received), then for every j
 *                  w_j > 0: w_j ← max(0, w_j − (u + q_j))
 *                  w_j < 0: w_j ← min(0, w_j + (u − q_j))
 *                  q_j ← q_j + (w_new − w_old)       (penalty actually applied)
 *                The clipping at 0 gives exact zeros; the carried-over part of the penalty
 *                (u + q_j > 0 after a clip) is what makes it stronger than plain truncation.
 *                With decay, u and q_j are amounts of weight and decay with the weights
 *                (u ← a_t·u, q_j ← a_t·q_j in step 1).
 *
 * Lazy form (what this class does): weights are stored as w_j = S·v_j with one global scale
 * S = Π a_t, so step 1 is `S ← a_t·S` for all coordinates at once. In stored units the penalty
 * budget becomes U = Σ_t η_t·λ1 / S_t and q_j is kept in stored units too, so step 3 is exactly
 * Tsuruoka's rule on (v_j, q_j, U). That rule can be deferred: applying it once with the current
 * U gives the same value as applying it at every intermediate step, because a weight's result
 * only depends on D_j = v_j − q_j (unchanged by the rule) and the sign of v_j, and |q_j| ≤ U
 * always holds. So a coordinate is brought up to date ("caught up") only when a sample touches
 * it, and `weight(j)` computes the pending value without storing it. The eager reference in
 * `eager.ts` applies steps 1–3 to every coordinate every step; tests check both agree to 1e-9.
 *
 * When S falls below 1e-64 every v_j, q_j and U are multiplied by S and S reset to 1: O(m),
 * but at most once every ln(1e64)/(η·λ2) ≈ 147/(η·λ2) steps, so amortised O(1).
 */

const RENORMALIZE_BELOW = 1e-64;

export class LazyRegularizedWeights {
  /** Stored values v_j; the weight is S·v_j (after the pending L1 penalty). */
  readonly stored: Float64Array;
  /** q_j: L1 penalty applied so far, in stored units (null without L1). */
  readonly applied: Float64Array | null;
  /** S: global decay scale. */
  scale = 1;
  /** U: cumulative L1 budget in stored units. */
  budget = 0;
  readonly l1: number;
  readonly l2: number;

  constructor(size: number, l1: number, l2: number) {
    this.l1 = l1;
    this.l2 = l2;
    this.stored = new Float64Array(size);
    this.applied = l1 > 0 ? new Float64Array(size) : null;
  }

  /** Current weight of coordinate j including its pending penalty. Pure, O(1). */
  weight(j: number): number {
    const v = this.stored[j]!;
    const q = this.applied;
    if (q === null || v === 0) return this.scale * v;
    return this.scale * pendingL1(v, q[j]!, this.budget);
  }

  /** Applies coordinate j's pending L1 penalty to its stored value (mutates). */
  catchUp(j: number): void {
    const q = this.applied;
    if (q === null) return;
    const v = this.stored[j]!;
    if (v === 0) return;
    const u = this.budget;
    let next: number;
    if (v > 0) {
      next = v - (u + q[j]!);
      if (next < 0) next = 0;
    } else {
      next = v + (u - q[j]!);
      if (next > 0) next = 0;
    }
    this.stored[j] = next;
    q[j]! += next - v;
  }

  /** Steps 1 and the budget part of 3 for one optimizer step with rate eta. O(1) amortised. */
  advance(eta: number): void {
    if (this.l2 > 0) {
      this.scale *= 1 - eta * this.l2;
      if (this.scale < RENORMALIZE_BELOW) this.renormalize();
    }
    if (this.l1 > 0) this.budget += (eta * this.l1) / this.scale;
  }

  /** Folds S into the stored values (O(m)); the weights do not change. */
  renormalize(): void {
    const s = this.scale;
    const v = this.stored;
    for (let j = 0; j < v.length; j++) v[j]! *= s;
    const q = this.applied;
    if (q !== null) for (let j = 0; j < q.length; j++) q[j]! *= s;
    this.budget *= s;
    this.scale = 1;
  }
}

/** Tsuruoka's penalty rule evaluated without storing: the caught-up stored value. */
export function pendingL1(v: number, q: number, u: number): number {
  if (v > 0) {
    const next = v - (u + q);
    return next > 0 ? next : 0;
  }
  const next = v + (u - q);
  return next < 0 ? next : 0;
}
