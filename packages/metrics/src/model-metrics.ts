import type { Gauge, Registry } from 'prom-client';
import { gauge } from './define.js';

/**
 * Weight statistics reported by both services. They carry a `role` label (trainer|scorer) besides
 * `model`: in the one-process demo (DESIGN section 8) trainer and scorer share a registry and hold
 * different versions of the same model.
 */
export interface ModelWeightMetrics {
  /** streamlr_model_nonzero_weights{model,role} */
  nonzeroWeights: Gauge<'model' | 'role'>;
  /** streamlr_model_sparsity_ratio{model,role}: fraction of weight slots that are exactly 0. */
  sparsityRatio: Gauge<'model' | 'role'>;
}

export type Role = 'trainer' | 'scorer';

const perRegistry = new WeakMap<Registry, ModelWeightMetrics>();

/** Defined once per registry, shared by createTrainerMetrics and createScorerMetrics. */
export function modelWeightMetrics(registry: Registry): ModelWeightMetrics {
  let metrics = perRegistry.get(registry);
  if (metrics === undefined) {
    metrics = {
      nonzeroWeights: gauge(registry, 'streamlr_model_nonzero_weights', 'Weights that are not exactly zero.', ['model', 'role']),
      sparsityRatio: gauge(
        registry,
        'streamlr_model_sparsity_ratio',
        'Fraction of weight slots that are exactly zero (1 - nonzero / slots).',
        ['model', 'role'],
      ),
    };
    perRegistry.set(registry, metrics);
  }
  return metrics;
}

export function setWeightStats(metrics: ModelWeightMetrics, model: string, role: Role, nonzero: number, slots: number): void {
  metrics.nonzeroWeights.set({ model, role }, nonzero);
  metrics.sparsityRatio.set({ model, role }, slots > 0 ? 1 - nonzero / slots : 0);
}
