import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** An MQTT 3.1.1 client (Aedes 1.2 speaks nothing newer) that does not reconnect unless asked. */
export function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

/** Resolves with the next message on `topic`. */
export function nextMessage(client: MqttClient, topic: string): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      client.off('message', onMessage);
      resolve({ topic: t, payload: payload.toString() });
    };
    client.on('message', onMessage);
  });
}

export async function closeAll(clients: Iterable<MqttClient | undefined>): Promise<void> {
  await Promise.all([...clients].map((c) => c?.endAsync(true).catch(() => undefined)));
}

/** Connects with a message collector attached before CONNACK, so queued messages sent right after it are kept. */
export async function connectCollecting(
  url: string,
  options: IClientOptions = {},
): Promise<{ client: MqttClient; messages: Array<{ topic: string; payload: string }> }> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const messages: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString() }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return { client, messages };
}

/** Resolves true when the broker closes the client's connection after `action` (a refused publish), false if it stays up. */
export function closedAfter(client: MqttClient, action: () => void, waitMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    action();
  });
}

/** The SUBACK return code the broker granted for `topic` (0x80 = refused); rejects if none comes within 5 s. */
export function subscribeGranted(client: MqttClient, topic: string, qos: 0 | 1 = 1): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SUBACK for ${topic} within 5 s`)), 5000);
    client.subscribe(topic, { qos }, (error, granted) => {
      clearTimeout(timer);
      // mqtt.js reports a refusal as an error that carries the SUBACK.
      const refused = (error as { packet?: { granted?: number[] } } | undefined)?.packet?.granted?.[0];
      if (error && refused === undefined) return reject(error);
      resolve(refused ?? granted![0].qos);
    });
  });
}
