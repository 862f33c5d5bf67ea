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
 *
 * Storage: v_j (and q_j with L1) are fields of the learner's slot table (slot-table.ts).
 */
import { rmsTerm, standardTerm, type FeatureScaler } from './normalizer.js';
import { readFieldAt, writeField, type SlotTable } from './slot-table.js';
import type { SparseVector } from './sparse-vector.js';

const RENORMALIZE_BELOW = 1e-64;

export class LazyRegularizedWeights {
  /** Fields per slot: v, and q when λ1 > 0. */
  static fields(l1: number): number {
    return l1 > 0 ? 2 : 1;
  }

  readonly table: SlotTable;
  /** Offset of v_j in a slot's record. */
  readonly valueAt: number;
  /** Offset of q_j, or −1 without L1. */
  readonly appliedAt: number;
  /** S: global decay scale. */
  scale = 1;
  /** U: cumulative L1 budget in stored units. */
  budget = 0;
  readonly l1: number;
  readonly l2: number;

  constructor(table: SlotTable, offset: number, l1: number, l2: number) {
    this.table = table;
    this.valueAt = offset;
    this.appliedAt = l1 > 0 ? offset + 1 : -1;
    this.l1 = l1;
    this.l2 = l2;
  }

  /** Current weight of coordinate j including its pending penalty. Pure, O(1). */
  weight(j: number): number {
    const data = this.table.data;
    const b = j * this.table.stride;
    const v = data[b + this.valueAt]!;
    if (this.appliedAt < 0 || v === 0) return this.scale * v;
    return this.scale * pendingL1(v, data[b + this.appliedAt]!, this.budget);
  }

  /**
   * Stores coordinate j's pending penalty and returns its weight: the same value `weight(j)`
   * returned just before (the caught-up value is computed exactly as in `pendingL1`).
   */
  prepareWeight(j: number): number {
    if (this.appliedAt >= 0) this.catchUp(j);
    return this.scale * this.table.data[j * this.table.stride + this.valueAt]!;
  }

  /**
   * Σ_k w_j·(1/s_j)·(x_k − c_j) over the entries of x in order (j = x.indices[k]; scaling from
   * `scaler`, none when null), the weights being `prepareWeight(j)` with `prepare` and
   * `weight(j)` without. The optimizers' margin: one loop, no per-feature dispatch.
   */
  margin(x: SparseVector, scaler: FeatureScaler | null, prepare: boolean): number {
    const data = this.table.data;
    const stride = this.table.stride;
    const indices = x.indices;
    const values = x.values;
    const nnz = x.nnz;
    let z = 0;
    if (scaler === null) {
      for (let k = 0; k < nnz; k++) {
        const j = indices[k]!;
        const w = prepare ? this.prepareWeight(j) : this.weight(j);
        if (w !== 0) z += w * values[k]!;
      }
    } else if (scaler.mode === 'standard') {
      const scalerAt = scaler.offset;
      for (let k = 0; k < nnz; k++) {
        const j = indices[k]!;
        const w = prepare ? this.prepareWeight(j) : this.weight(j);
        if (w !== 0) z += standardTerm(data, j * stride + scalerAt, w, values[k]!);
      }
    } else {
      const scalerAt = scaler.offset;
      for (let k = 0; k < nnz; k++) {
        const j = indices[k]!;
        const w = prepare ? this.prepareWeight(j) : this.weight(j);
        if (w !== 0) z += rmsTerm(data, j * stride + scalerAt, w, values[k]!);
      }
    }
    return z;
  }

  /** Applies coordinate j's pending L1 penalty to its stored value (mutates). */
  catchUp(j: number): void {
    if (this.appliedAt < 0) return;
    const data = this.table.data;
    const b = j * this.table.stride;
    const v = data[b + this.valueAt]!;
    if (v === 0) return;
    const u = this.budget;
    const q = data[b + this.appliedAt]!;
    let next: number;
    if (v > 0) {
      next = v - (u + q);
      if (next < 0) next = 0;
    } else {
      next = v + (u - q);
      if (next > 0) next = 0;
    }
    data[b + this.valueAt] = next;
    data[b + this.appliedAt] = q + (next - v);
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
    const { data, stride } = this.table;
    for (let b = this.valueAt; b < data.length; b += stride) data[b]! *= s;
    if (this.appliedAt >= 0) for (let b = this.appliedAt; b < data.length; b += stride) data[b]! *= s;
    this.budget *= s;
    this.scale = 1;
  }

  /**
   * Named per-slot arrays (copies) for snapshots: `weights` (v) and `l1Applied` (q), of every
   * slot, or of `slots` only (see readFieldAt).
   */
  arrays(slots: Int32Array | null = null): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = { weights: readFieldAt(this.table, this.valueAt, slots) };
    if (this.appliedAt >= 0) out['l1Applied'] = readFieldAt(this.table, this.appliedAt, slots);
    return out;
  }

  restoreArrays(arrays: Readonly<Record<string, Float64Array>>): void {
    writeField(this.table, this.valueAt, arrays['weights'], 'weights');
    if (this.appliedAt >= 0) writeField(this.table, this.appliedAt, arrays['l1Applied'], 'l1Applied');
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
