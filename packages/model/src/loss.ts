/**
 * Logistic loss (DESIGN §3): p = σ(z), L = −[y log p + (1−y) log(1−p)], ∂L/∂z = p − y,
 * so ∂L/∂w_j = (p − y)·x_j and ∂L/∂b = p − y.
 */

/**
 * Logits are clamped to ±MAX_LOGIT before σ. σ(35) = 1 − 6.3e-16, so the clamp changes no
 * probability that log loss (clipped at 1e-15) can tell apart, and keeps exp() far from
 * overflow whatever the weights.
 */
export const MAX_LOGIT = 35;
const LOGIT_LIMIT = 35; // what sigmoid reads (see SCALE_FLOOR in normalizer.ts)

/** Probabilities are clipped to [P_EPSILON, 1 − P_EPSILON] inside the log loss. */
export const P_EPSILON = 1e-15;

/**
 * Numerically stable logistic function. Never NaN: a NaN logit (only possible from ∞ − ∞ with
 * adversarial weights) is read as "no information", p = 0.5.
 */
export function sigmoid(z: number): number {
  if (!(z === z)) return 0.5;
  if (z > LOGIT_LIMIT) z = LOGIT_LIMIT;
  else if (z < -LOGIT_LIMIT) z = -LOGIT_LIMIT;
  // Use exp of a non-positive number only, so neither branch can overflow.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Log loss of predicting `p` for label `y` (0 or 1), p clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(p: number, y: number): number {
  if (!(p === p)) p = 0.5;
  if (p < P_EPSILON) p = P_EPSILON;
  else if (p > 1 - P_EPSILON) p = 1 - P_EPSILON;
  return y === 1 ? -Math.log(p) : -Math.log(1 - p);
}

/** ∂L/∂z at probability `p` for label `y`: p − y. */
export function logLossGradient(p: number, y: number): number {
  return p - y;
}
