import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerProcess } from '../support/broker-process.js';
import { waitFor } from '../support/processes.js';

/** The fleet tests' heartbeat: a peer is UNREACHABLE 750 ms after its last beat; summaries are read every 250 ms. */
export const HEARTBEAT_MS = 500;

export interface FleetBody {
  status: string;
  reason?: string;
  node?: string;
  quorum: { members: number; available: number; needed: number; lost: boolean };
  counts: Record<string, number>;
  members: Record<string, MemberBody>;
}

export interface MemberBody {
  node: string;
  status: string;
  'last-status'?: string;
  state: string;
  groups: Record<string, string>;
  'updated-at'?: string;
  'last-seen'?: string;
  components: Record<string, unknown>;
}

/** `GET /api/v1/health/fleet` of `node`; undefined once it no longer answers. */
export async function fleetOf(node: BrokerProcess | undefined): Promise<FleetBody | undefined> {
  if (!node?.running) return undefined;
  return (await node.health('fleet').catch(() => undefined))?.body as FleetBody | undefined;
}

/** The `/metrics` text of `node`. */
export async function metricsOf(node: BrokerProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${node.healthPort}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
}

/** Each member's status as `node`'s fleet sees it, members sorted. */
export const statuses = (fleet: FleetBody | undefined): Record<string, string> | undefined =>
  fleet && Object.fromEntries(Object.entries(fleet.members).map(([id, member]) => [id, member.status]));

/** Waits until `node`'s fleet reads exactly `want` (member -> status); on timeout, says what it read last. */
export async function fleetReads(
  node: BrokerProcess | undefined,
  want: Record<string, string>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  await waitFor(
    async () => {
      const now = JSON.stringify(statuses(await fleetOf(node)));
      if (now !== JSON.stringify(want)) throw new Error(`it reads ${now}`);
      return true;
    },
    timeoutMs,
    what,
  );
}

export interface SysMessage {
  topic: string;
  payload: string;
  retain: boolean;
  /** The payload as JSON: {} for an empty one (a cleared retained message), { text } for one that is not JSON. */
  body: Record<string, unknown>;
  at: number;
}

/** An MQTT client subscribed to `topics`, keeping every message with its retain flag; resolves once subscribed. */
export async function sysSubscriber(
  url: string,
  topics: string[],
  clientId?: string,
): Promise<{ client: MqttClient; messages: SysMessage[] }> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(clientId ? { clientId } : {}),
  });
  const messages: SysMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString();
    messages.push({ topic, payload: text, retain: packet.retain, body: parse(text), at: Date.now() });
  });
  await client.subscribeAsync(topics, { qos: 0 });
  return { client, messages };
}

/** The retained message of each topic matching `filter`, as a subscriber that connects now reads it. */
export async function retained(url: string, filter: string, settleMs = 500): Promise<Record<string, Record<string, unknown>>> {
  const { client, messages } = await sysSubscriber(url, [filter]);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await client.endAsync(true);
  return Object.fromEntries(messages.filter((m) => m.retain).map((m) => [m.topic, m.body]));
}

function parse(text: string): Record<string, unknown> {
  try {
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return { text };
  }
}
