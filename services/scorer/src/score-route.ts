import type { HttpRequest, HttpResponse, Route } from '@streamlr/metrics';
import { DEFAULT_DECODE_LIMITS, DecodeError, validateEvent, type DecodeLimits, type ScoreEvent } from '@streamlr/protocol';
import type { BearerToken } from './bearer-token.js';
import type { LoadedModel } from './loaded-model.js';
import type { ScoreObserver } from './score-observer.js';

export interface ScoreRouteOptions {
  /** The model to score with, read once per request. */
  readonly current: () => LoadedModel | null;
  /** `class` is 1 when `score ≥ threshold`; default 0.5. */
  readonly threshold: number;
  /** Most events in one request (a JSON array); default 10,000. */
  readonly maxEvents: number;
  /** Per-event limits (features per event); default the protocol's. */
  readonly limits?: DecodeLimits;
  /** When set, requests must carry `Authorization: Bearer <token>`; default none. */
  readonly token?: BearerToken | undefined;
  readonly observer: ScoreObserver;
  /** ms since the Unix epoch, the response's `ts`; default Date.now. */
  readonly now?: () => number;
}

export const DEFAULT_SCORE_ROUTE_OPTIONS = { threshold: 0.5, maxEvents: 10_000 } as const;

/** One score in a response, in the order of the request's events. */
export interface ScoreItem {
  readonly id: string | null;
  readonly score: number;
  readonly class: 0 | 1;
}

/** The body of a 200 answer. */
export interface ScoreResponseBody {
  readonly model: string;
  readonly version: number;
  readonly ts: number;
  readonly scores: ScoreItem[];
}

/** The body of a 4xx/5xx answer; `reason`, `field` and `index` name what was wrong. */
export interface ScoreErrorBody {
  readonly error: string;
  readonly reason?: string;
  readonly field?: string;
  /** Position of the offending event in a request array. */
  readonly index?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `POST /score`: one event (a JSON object in the message format of DESIGN section 4) or a JSON
 * array of up to `maxEvents` of them. Answers `{model, version, ts, scores: [{id, score, class}]}`
 * with the scores in request order, all from ONE model version (the reference is read once). Bad
 * input is refused as a whole with 400 `{error, reason, field, index}` naming the first bad event
 * and field, using the protocol's decode reasons; nothing is scored then. 401 without the bearer
 * token (when one is configured), 503 before a model is loaded.
 */
export function scoreRoute(options: ScoreRouteOptions): Route {
  const threshold = options.threshold;
  const maxEvents = options.maxEvents;
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  const now = options.now ?? Date.now;
  const { observer, token } = options;
  if (!(threshold >= 0 && threshold <= 1)) throw new TypeError(`threshold: must be in [0, 1], got ${threshold}`);
  if (!(Number.isInteger(maxEvents) && maxEvents > 0)) throw new TypeError(`maxEvents: must be a whole number > 0, got ${maxEvents}`);

  const handler = (request: HttpRequest): HttpResponse => {
    if (token !== undefined && !token.accepts(request.headers.authorization)) {
      return { status: 401, headers: { 'www-authenticate': 'Bearer realm="streamlr-scorer"' }, body: { error: 'missing or wrong bearer token' } };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(UTF8.decode(request.body));
    } catch (error) {
      const reason = error instanceof SyntaxError ? 'not_json' : 'bad_encoding';
      observer.count('invalid');
      return fail(400, { error: `request body is not ${reason === 'not_json' ? 'JSON' : 'UTF-8'}: ${(error as Error).message}`, reason });
    }
    const many = Array.isArray(parsed);
    const items: unknown[] = many ? (parsed as unknown[]) : [parsed];
    if (items.length > maxEvents) {
      observer.count('invalid', items.length);
      return fail(400, { error: `at most ${maxEvents} events per request, got ${items.length}`, reason: 'too_many_events' });
    }
    // Grab the reference once: every event of this request is scored by the same version.
    const model = options.current();
    if (model === null) {
      observer.count('no_model', items.length);
      return { status: 503, headers: { 'retry-after': '1' }, body: { error: 'no model loaded yet' } };
    }
    // Validate and predict everything first: a request is answered (and counted) all or nothing.
    // The latency metric is validate + predict per event (JSON.parse of the body is shared).
    const events: ScoreEvent[] = new Array<ScoreEvent>(items.length);
    const probabilities = new Float64Array(items.length);
    const seconds = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const started = performance.now();
      try {
        events[i] = validateEvent(items[i], limits);
      } catch (error) {
        observer.count('invalid', items.length);
        return refusal(error, many ? i : undefined);
      }
      try {
        probabilities[i] = model.predict(events[i]!);
      } catch (error) {
        observer.count('error', items.length);
        return refusal(error, many ? i : undefined);
      }
      seconds[i] = (performance.now() - started) / 1000;
    }
    const scores: ScoreItem[] = new Array<ScoreItem>(events.length);
    let labelled = false;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const p = probabilities[i]!;
      observer.scored(p, event.label, seconds[i]!);
      labelled ||= event.label !== undefined;
      scores[i] = { id: event.id ?? null, score: p, class: p >= threshold ? 1 : 0 };
    }
    if (labelled) observer.publishEvaluation();
    const body: ScoreResponseBody = { model: model.model, version: model.version, ts: now(), scores };
    return { body };
  };
  return { method: 'POST', path: '/score', handler };
}

function fail(status: number, body: ScoreErrorBody): HttpResponse {
  return { status, body };
}

/** A DecodeError or ScoringError → 400 naming reason, field and index; anything else is a 500 (thrown). */
function refusal(error: unknown, index: number | undefined): HttpResponse {
  const { reason, field } = (typeof error === 'object' && error !== null ? error : {}) as { reason?: unknown; field?: unknown };
  if (!(error instanceof DecodeError) && typeof reason !== 'string') throw error;
  const detail = error instanceof DecodeError ? error.message : (error as Error).message;
  const at = index === undefined ? '' : `events[${index}]: `;
  return fail(400, {
    error: `${at}${detail}`,
    reason: String(reason),
    ...(typeof field === 'string' ? { field } : {}),
    ...(index === undefined ? {} : { index }),
  });
}
