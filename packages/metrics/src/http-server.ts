import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { HttpError, MetricsValidationError } from './errors.js';

export interface HttpRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The whole body (at most `maxBodyBytes`). */
  body: Buffer;
  /** The body parsed as JSON; throws HttpError(400) when it is not JSON. */
  json(): unknown;
}

export interface HttpResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;
}

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

/** Named checks; ready when every check is ok. */
export type Readiness = Record<string, ReadinessCheck>;

export interface HttpServerOptions {
  /** Port; 0 picks a free one (tests). Default 0. */
  port: number;
  /** Interface to bind. Default `0.0.0.0` (reachable by Prometheus from another host/container). */
  host: string;
  /** Served at GET /metrics. Required. */
  registry: Registry;
  /** Extra routes, e.g. `POST /score`. Default none. */
  routes: Route[];
  /** Called on GET /readyz; absent means always ready. */
  readiness?: () => Readiness | Promise<Readiness>;
  /** Larger request bodies get 413. Default 1 MiB. */
  maxBodyBytes: number;
  /** Receives handler errors that became 500s (log them). Default none. */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

export const DEFAULT_HTTP_SERVER_OPTIONS = Object.freeze({
  port: 0,
  host: '0.0.0.0',
  routes: [] as Route[],
  maxBodyBytes: 1024 * 1024,
});

export interface HttpServerHandle {
  /** The bound port (the real one when `port` was 0). */
  readonly port: number;
  readonly host: string;
  /** `http://<host>:<port>` (127.0.0.1 when bound to all interfaces). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The HTTP endpoint of both services: GET /metrics (Prometheus text format), GET /healthz (200 while
 * the process is alive), GET /readyz (200 when `readiness` says every check is ok, else 503 with the
 * checks as JSON), plus custom routes. Resolves once listening.
 */
export async function startHttpServer(
  options: Partial<HttpServerOptions> & Pick<HttpServerOptions, 'registry'>,
): Promise<HttpServerHandle> {
  const o: HttpServerOptions = { ...DEFAULT_HTTP_SERVER_OPTIONS, ...options };
  validateOptions(o);
  const routes: Route[] = [
    { method: 'GET', path: '/metrics', handler: () => metrics(o.registry) },
    { method: 'GET', path: '/healthz', handler: () => ({ body: { status: 'ok' } }) },
    { method: 'GET', path: '/readyz', handler: () => readiness(o.readiness) },
    ...o.routes,
  ];
  const server = createServer((req, res) => {
    void dispatch(o, routes, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    port,
    host: o.host,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections (Prometheus keeps one open) would hold close() forever.
        server.closeAllConnections();
      }),
  };
}

function validateOptions(o: HttpServerOptions): void {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new MetricsValidationError('port', `must be an integer in 0..65535, got ${String(o.port)}`);
  }
  if (typeof o.host !== 'string' || o.host === '') throw new MetricsValidationError('host', 'must be a non-empty string');
  if (typeof o.registry?.metrics !== 'function') throw new MetricsValidationError('registry', 'must be a prom-client Registry');
  if (!Number.isInteger(o.maxBodyBytes) || o.maxBodyBytes < 0) {
    throw new MetricsValidationError('maxBodyBytes', `must be a non-negative integer, got ${String(o.maxBodyBytes)}`);
  }
  const seen = new Set<string>();
  for (const route of o.routes) {
    if (!route.path.startsWith('/')) throw new MetricsValidationError('routes', `path must start with "/": ${route.path}`);
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new MetricsValidationError('routes', `duplicate route ${key}`);
    seen.add(key);
  }
}

async function metrics(registry: Registry): Promise<HttpResponse> {
  return { headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
}

async function readiness(check: HttpServerOptions['readiness']): Promise<HttpResponse> {
  if (check === undefined) return { body: { ready: true, checks: {} } };
  let checks: Readiness;
  try {
    checks = await check();
  } catch (error) {
    return { status: 503, body: { ready: false, checks: { readiness: { ok: false, detail: messageOf(error) } } } };
  }
  const ready = Object.values(checks).every((c) => c.ok);
  if (ready) return { body: { ready, checks } };
  const failing = Object.fromEntries(Object.entries(checks).filter(([, c]) => !c.ok));
  return { status: 503, body: { ready, checks: failing } };
}

async function dispatch(o: HttpServerOptions, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  try {
    const forPath = routes.filter((r) => r.path === path);
    if (forPath.length === 0) throw new HttpError(404, `no route for ${path}`);
    const route = forPath.find((r) => r.method === method);
    if (route === undefined) {
      res.setHeader('allow', forPath.map((r) => r.method).join(', '));
      throw new HttpError(405, `${method} not allowed on ${path}`);
    }
    const body = await readBody(req, o.maxBodyBytes);
    const response = await route.handler({
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      json: () => parseJson(body),
    });
    send(res, response);
  } catch (error) {
    if (error instanceof HttpError) {
      send(res, { status: error.status, body: { error: error.message } });
    } else {
      o.onError?.(error, { method, path });
      send(res, { status: 500, body: { error: 'internal error' } });
    }
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit keep draining (so the 413 can still be sent on this socket), store nothing.
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) reject(new HttpError(413, `request body larger than ${limit} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `request body is not JSON: ${messageOf(error)}`, error);
  }
}

function send(res: ServerResponse, response: HttpResponse): void {
  if (res.headersSent || res.destroyed) return;
  const status = response.status ?? 200;
  let payload: string | Buffer;
  const headers: Record<string, string> = {};
  if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    payload = response.body;
    headers['content-type'] = 'text/plain; charset=utf-8';
  } else if (response.body === undefined) {
    payload = '';
  } else {
    payload = `${JSON.stringify(response.body)}\n`;
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  Object.assign(headers, lowerKeys(response.headers ?? {}));
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(status, headers);
  res.end(payload);
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
