/**
 * Typed reads of nats-server's HTTP monitoring endpoints. Counters in /varz are cumulative since
 * the server started; rates come from differencing (services/metrics).
 */
export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  start: string;
  now: string;
  connections: number;
  total_connections: number;
  routes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  slow_consumers: number;
  subscriptions: number;
  mem: number;
  cpu: number;
}

export interface RouteInfo {
  rid: number;
  remote_id: string;
  remote_name?: string;
  did_solicit: boolean;
  ip: string;
  port: number;
  in_msgs: number;
  out_msgs: number;
  pending_size: number;
}

export interface Routez {
  server_id: string;
  server_name?: string;
  num_routes: number;
  routes: RouteInfo[] | null;
}

export interface ConnInfo {
  cid: number;
  name?: string;
  ip: string;
  port: number;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  subscriptions: number;
  authorized_user?: string;
  tls_version?: string;
}

export interface Connz {
  server_id: string;
  num_connections: number;
  total: number;
  connections: ConnInfo[] | null;
}

async function getJson<T>(url: string, timeoutMs: number): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export function fetchVarz(monitorUrl: string, timeoutMs = 2000): Promise<Varz> {
  return getJson<Varz>(`${monitorUrl}/varz`, timeoutMs);
}

export function fetchRoutez(monitorUrl: string, timeoutMs = 2000): Promise<Routez> {
  return getJson<Routez>(`${monitorUrl}/routez`, timeoutMs);
}

export function fetchConnz(monitorUrl: string, opts: { auth?: boolean; timeoutMs?: number } = {}): Promise<Connz> {
  return getJson<Connz>(`${monitorUrl}/connz${opts.auth ? '?auth=1' : ''}`, opts.timeoutMs ?? 2000);
}

export async function fetchHealthz(monitorUrl: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}
