import net from 'node:net';

/** One request type a broker accepts, and the range of its versions (Kafka protocol). */
export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

const API_VERSIONS_KEY = 18;

/**
 * Asks a broker which versions of each request it accepts: an ApiVersions v0 request, written
 * by hand so the answer does not pass through the client under test. Every Kafka release
 * answers v0 (clients need it to negotiate); Kafka 4.x shows KIP-896 in it, e.g. Produce from v3.
 */
export async function brokerApiVersions(broker: string): Promise<ApiVersionRange[]> {
  const [host, port] = broker.split(':');
  const clientId = Buffer.from('api-versions-probe');
  // Request header v1: api_key, api_version, correlation_id, client_id; the v0 body is empty.
  const header = Buffer.alloc(10);
  header.writeInt16BE(API_VERSIONS_KEY, 0);
  header.writeInt16BE(0, 2);
  header.writeInt32BE(1, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length);

  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) }, () =>
      socket.write(Buffer.concat([size, header, clientId])),
    );
    let received = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no ApiVersions answer from ${broker}`)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.end();
        resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      }
    });
    socket.on('error', reject);
  });

  // Response: correlation_id, error_code, then [api_key, min_version, max_version].
  const errorCode = response.readInt16BE(4);
  if (errorCode !== 0) throw new Error(`ApiVersions answered error code ${errorCode}`);
  const count = response.readInt32BE(6);
  return Array.from({ length: count }, (_, i) => ({
    apiKey: response.readInt16BE(10 + i * 6),
    minVersion: response.readInt16BE(12 + i * 6),
    maxVersion: response.readInt16BE(14 + i * 6),
  }));
}
