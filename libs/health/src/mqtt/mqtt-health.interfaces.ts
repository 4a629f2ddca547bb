/** What the `broker` indicator reads from the running broker (an Aedes instance and its wrapper). */
export interface BrokerState {
  /** The broker's id (Aedes `broker.id`); undefined before the broker exists. */
  readonly brokerId: string | undefined;
  /** The node's id in the cluster (or the single node's name). */
  readonly nodeId: string;
  readonly connectedClients: number;
  /** When the broker started serving (epoch ms); undefined before. */
  readonly startedAt: number | undefined;
  /** True once the broker was closed. */
  readonly closed: boolean;
  /**
   * Optional: what the broker waits for before it can start (`storage: redis unreachable: connect ECONNREFUSED …`).
   * The component is DOWN with it as the reason until the broker has started.
   */
  readonly waitingFor?: string;
  /** Optional: the sessions this node holds, connected or persistent and offline (FluxMQ's `sessions`). */
  readonly sessions?: number;
}

/** Pings the broker's persistence; `ping()` rejects when it cannot store. */
export interface StorageProbe {
  readonly type: 'level' | 'redis';
  /** True until the store is first opened: the component reads DOWN, not initialised, with `openingFailure` as its error. */
  readonly starting?: boolean;
  /** Optional: why the store could not be opened yet (`redis unreachable: connect ECONNREFUSED …`), while it is not open. */
  readonly openingFailure?: string;
  /** Resolves when the store answers; a ping should prove a write, not only a read. */
  ping(): Promise<void>;
  /** Read after a successful ping: something the operator must know although the store takes writes (it lost its data, say); the component reads DEGRADED with it as the reason. */
  readonly warning?: string;
}

export type ClusterNodeState = 'JOINING' | 'RUNNING' | 'LEAVING';

export interface ClusterPeer {
  readonly id: string;
  /** A heartbeat from it arrived recently enough. */
  readonly reachable: boolean;
  /**
   * Optional: it announced that it is leaving (its drain has begun) and is not gone yet. Read only while
   * it is reachable: a leaver that stops answering counts as unreachable, like any peer.
   */
  readonly leaving?: boolean;
}

/**
 * Cluster membership as this node sees it. Without one (no MQTT_CLUSTER_MEMBERSHIP), or with `enabled`
 * false, the node is a single node: the cluster component is UP with `cluster-size: 1`, `cluster-mode:
 * false`, and the broker's node id.
 */
export interface ClusterMembership {
  /** False in single-node mode: the cluster component then reads UP, one node, `cluster-mode: false`. */
  readonly enabled: boolean;
  readonly nodeId: string;
  /** LEAVING from the start of the node's drain: `is-leave-replication-in-progress` until it is gone. */
  readonly state: ClusterNodeState;
  /** Every other node this one knows of, reachable or not. */
  peers(): readonly ClusterPeer[];
  readonly isLeader: boolean;
  /**
   * Optional: false while a RUNNING node no longer hears its own heartbeat through the cluster's
   * transport (Redis down, say): it is cut off from its cluster. Absent means it cannot tell.
   */
  readonly connected?: boolean;
  /**
   * Optional: why this node may not take part in its cluster (another live process holds its node
   * id, say). The cluster component is DOWN with it as the reason, and the node is no leader.
   */
  readonly conflict?: string;
  /**
   * Optional: why a JOINING node cannot join yet, the dependency it waits on (`redis unreachable: connect
   * ECONNREFUSED …`). The cluster component is DOWN with it as the reason.
   */
  readonly waitingFor?: string;
}

export type MqttListenerType = 'tcp' | 'tls' | 'websocket' | 'tls-websocket';

export interface MqttListenerState {
  readonly type: MqttListenerType;
  readonly bindAddress: string;
  readonly port: number;
  readonly running: boolean;
  readonly proxyProtocol?: boolean;
  /** Why the listener is not running (bind failure, unusable certificate at start). */
  readonly lastFailure?: string;
  /** The latest failed certificate reload; the listener keeps serving the previous certificate. */
  readonly lastTlsFailure?: string;
  /** `notAfter` of the certificate being served (epoch ms). */
  readonly certificateExpiresAt?: number;
}

/** The broker's MQTT listeners. */
export interface MqttListenerSource {
  listeners(): readonly MqttListenerState[];
}

/** One extension as its host sees it; see the HiveMQ Extensions component. */
export interface ExtensionState {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly author: string;
  readonly priority: number;
  readonly startPriority: number;
  /** Switched on by its configuration; `details.enabled` reads true only while it also runs (`started`). */
  readonly enabled: boolean;
  /** Running now. */
  readonly started: boolean;
  /** When its latest start began, kept when that start failed (as HiveMQ's DOWN example shows). */
  readonly startedAt?: number;
  /** Why the latest start failed (missing or invalid config, a throwing start()). */
  readonly lastStartupFailure?: string;
  /** The latest exception a hook threw, caught by the host. */
  readonly lastFailure?: string;
  /** When lastFailure happened (epoch ms), shown as `last-failure-at`. */
  readonly lastFailureAt?: number;
  /**
   * Whether lastFailure still makes the extension DEGRADED: a host may let a failure any client can cause age
   * out, keeping it in the details. Absent: DEGRADED for as long as lastFailure is set.
   */
  readonly failing?: boolean;
  /** The latest rejected configuration reload; the previous configuration stays in force. */
  readonly lastConfigurationFailure?: string;
  readonly reloadedAt?: number;
  /** Extension-defined facts about its configuration (`rules-count`). */
  readonly configuration?: Readonly<Record<string, unknown>>;
  readonly license?: { readonly isEnterprise: boolean; readonly isTrial: boolean; readonly isTrialExpired: boolean };
}

export interface ExtensionSource {
  extensions(): readonly ExtensionState[];
}

/** Static facts for the `info` component. */
export interface BrokerInfo {
  readonly version: string;
  readonly logLevel: string;
  readonly startedAt: number;
}
