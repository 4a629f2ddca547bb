// Payload size limit: refuses client publishes whose payload is larger than "maxBytes"
// (the client is disconnected, as Aedes does for any refused publish).
// conf/config.json: { "maxBytes": 65536 }

export default function createPayloadLimit() {
  let maxBytes = Infinity;
  return {
    configure(config) {
      const value = config?.maxBytes;
      if (!Number.isInteger(value) || value < 0) throw new Error('"maxBytes" must be a non-negative integer');
      maxBytes = value;
      return { 'max-bytes': maxBytes };
    },
    authorizePublish(client, packet) {
      return client === null || packet.payload.length <= maxBytes;
    },
  };
}
