/** What the live view shows of a node's health: its /readyz answer and its peers, read from its /metrics. */
export interface NodeHealth {
  /** /readyz answered 200 (true) or 503 (false); null when the node did not answer. */
  ready: boolean | null;
  /** The failing readiness checks (from /readyz's body), e.g. "peers: 1 peers connected, 2 needed". */
  notReady: string[];
  peers: PeerHealth[];
}

export interface PeerHealth {
  /** 0-based operator index. */
  index: number;
  connected: boolean;
  /** Last ping round trip, null until measured. */
  rttMs: number | null;
}

/** Per-peer connectivity and RTT from the Prometheus text of a node (`cohort_p2p_peer_connected`, `..._rtt_seconds`). */
export function parsePeerMetrics(text: string): PeerHealth[] {
  const peers = new Map<number, PeerHealth>();
  const peer = (index: number) => {
    let p = peers.get(index);
    if (!p) {
      p = {index, connected: false, rttMs: null};
      peers.set(index, p);
    }
    return p;
  };
  const line = /^(cohort_p2p_peer_connected|cohort_p2p_peer_rtt_seconds)\{[^}]*peer="(\d+)"[^}]*\}\s+(\S+)$/;
  for (const l of text.split("\n")) {
    const m = line.exec(l.trim());
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const p = peer(Number(m[2]));
    if (m[1] === "cohort_p2p_peer_connected") p.connected = value === 1;
    else p.rttMs = Math.round(value * 10_000) / 10;
  }
  return [...peers.values()].sort((a, b) => a.index - b.index);
}

/** Reads a node's /readyz and /metrics (its monitoring base URL); a node that does not answer is `ready: null`. */
export async function fetchNodeHealth(baseUrl: string, timeoutMs = 3000): Promise<NodeHealth> {
  const get = (p: string) => fetch(`${baseUrl}${p}`, {signal: AbortSignal.timeout(timeoutMs)});
  try {
    const [readyz, metrics] = await Promise.all([get("/readyz"), get("/metrics")]);
    const body = (await readyz.json().catch(() => ({}))) as {checks?: Record<string, true | string>};
    const notReady = Object.entries(body.checks ?? {})
      .filter(([, v]) => v !== true)
      .map(([k, v]) => `${k}: ${v}`);
    return {ready: readyz.status === 200, notReady, peers: parsePeerMetrics(await metrics.text())};
  } catch {
    return {ready: null, notReady: [], peers: []};
  }
}

/** "3/3 peers, rtt 1.2/0.8/2.0 ms" — the live view's peer cell. */
export function formatPeers(health: NodeHealth | undefined): string {
  if (!health || health.ready === null) return "-";
  const connected = health.peers.filter((p) => p.connected);
  const rtts = connected.map((p) => (p.rttMs === null ? "?" : String(p.rttMs)));
  return `${connected.length}/${health.peers.length}${rtts.length ? ` (rtt ${rtts.join("/")} ms)` : ""}`;
}

/** "ready", "not ready (…)", or "no answer" (down, or slower than the poll timeout) — the live view's health cell. */
export function formatReadiness(health: NodeHealth | undefined): string {
  if (!health) return "-";
  if (health.ready === null) return "no answer";
  return health.ready ? "ready" : `not ready (${health.notReady.join("; ")})`;
}
