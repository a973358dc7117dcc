import net from 'node:net';

/**
 * A TCP proxy in front of one service of the shared stack, so a test can take that service away
 * from the processes under test (connections cut, new ones refused) without touching the stack
 * other suites use, and bring it back on the same port.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  let isUp = true;

  return {
    port,
    /** Cuts every open connection and refuses new ones (ECONNREFUSED). */
    async down(): Promise<void> {
      if (!isUp) return;
      isUp = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async up(): Promise<void> {
      if (isUp) return;
      await listen(port);
      isUp = true;
    },
    async close(): Promise<void> {
      await this.down();
    },
  };
}
