/**
 * Falco's embedded webserver (falco.yaml `webserver` block; userspace/falco/webserver.cpp):
 *
 *  - `GET <k8s_healthz_endpoint>` (default /healthz) → 200 `{"status":"ok"}`
 *  - `GET /versions` → 200 JSON with Falco's keys (falco_version, engine_version,
 *    engine_version_semver, libs_version, plugin_api_version, default_driver_version,
 *    driver_api_version, driver_schema_version) carrying falco-ts's values, plus falco_ts_version
 *    and falco_ts_commit
 *  - `GET /metrics` → Prometheus text (`text/plain; version=0.0.4`), only when
 *    `webserver.prometheus_metrics_enabled` and `metrics.enabled` are both true (Falco's rule);
 *    otherwise 404 like any other path.
 *
 * Bun.serve on listen_address:listen_port (port 0 picks a free port; the chosen one is
 * returned). TLS (ssl_enabled) is not implemented: start-up fails with a message saying so.
 */
import { FALCO_ENGINE_VERSION } from "../rules/loader.ts";
import type { MetricsRegistry } from "./metrics.ts";
import { FALCO_COMPAT_VERSION, LIBS_COMPAT_VERSION, VERSION } from "./version.ts";

/** The falco.yaml `webserver` keys used here. */
export interface WebserverConfig {
  enabled: boolean;
  listen_address: string;
  listen_port: number;
  k8s_healthz_endpoint: string;
  prometheus_metrics_enabled: boolean;
  ssl_enabled?: boolean;
}

/** A running webserver. */
export interface Webserver {
  /** The address and port actually listened on. */
  hostname: string;
  port: number;
  stop(): void;
}

/** Falco's /versions body with falco-ts's values. */
export function versionsBody(): Record<string, string> {
  return {
    default_driver_version: "falco-ts-modern-ebpf",
    driver_api_version: "n/a",
    driver_schema_version: "n/a",
    engine_version: FALCO_ENGINE_VERSION,
    engine_version_semver: FALCO_ENGINE_VERSION,
    falco_version: FALCO_COMPAT_VERSION,
    falco_ts_commit: VERSION.commit,
    falco_ts_version: VERSION.version,
    libs_version: LIBS_COMPAT_VERSION,
    plugin_api_version: "n/a",
  };
}

/**
 * Start the webserver. @param metrics the registry for /metrics (omit, or metricsEnabled false,
 * to serve 404 there). @throws Error when ssl_enabled is set, the port is invalid, or the address
 * cannot be bound (message names listen_address:listen_port).
 */
export function startWebserver(c: WebserverConfig, metrics: MetricsRegistry | undefined, metricsEnabled: boolean): Webserver {
  if (c.ssl_enabled) throw new Error("webserver.ssl_enabled: TLS is not supported by falco-ts; put a TLS proxy in front or set it to false");
  const port = Number(c.listen_port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`webserver.listen_port: expected a port number 0..65535, got ${c.listen_port}`);
  const healthz = c.k8s_healthz_endpoint || "/healthz";
  const serveMetrics = Boolean(c.prometheus_metrics_enabled && metricsEnabled && metrics);
  const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: c.listen_address || "127.0.0.1",
      port,
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (req.method !== "GET" && req.method !== "HEAD") return new Response("method not allowed\n", { status: 405 });
        if (path === healthz) return json({ status: "ok" });
        if (path === "/versions") return json(versionsBody());
        if (path === "/metrics" && serveMetrics) return new Response(metrics!.prometheus(), { headers: { "content-type": "text/plain; version=0.0.4" } });
        return new Response("not found\n", { status: 404 });
      },
      error(err) {
        return new Response(`internal error: ${err.message}\n`, { status: 500 });
      },
    });
  } catch (e) {
    throw new Error(`webserver: cannot listen on ${c.listen_address}:${port}: ${(e as Error).message} (check webserver.listen_address/listen_port)`);
  }
  return {
    hostname: String(server.hostname),
    port: Number(server.port),
    stop: () => void server.stop(true),
  };
}
