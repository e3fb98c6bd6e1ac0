// Check that ports are free before starting anything, for a clear error instead of a crash.
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { ChainError } from "./errors.ts";

export interface PortNeed {
  port: number;
  /** What the port is for, e.g. "RPC of sealer1". */
  what: string;
  /** Also needs the UDP port (devp2p discovery listens on the same number). */
  udp?: boolean;
}

function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket("udp4");
    sock.once("error", () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ port, address: "0.0.0.0", exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

export function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Throws "port 8545 (RPC of sealer1) is already in use" for the first busy port. */
export async function assertPortsFree(needs: PortNeed[]): Promise<void> {
  const seen = new Set<number>();
  for (const n of needs) {
    if (!validPort(n.port)) throw new ChainError(`port ${n.port} (${n.what}) is not a valid port number`);
    if (seen.has(n.port))
      throw new ChainError(`port ${n.port} is needed twice (${n.what}); choose other port numbers`);
    seen.add(n.port);
    // Both the loopback and the wildcard address: a listener on either makes the port unusable here.
    const free =
      (await tcpFree(n.port, "127.0.0.1")) &&
      (await tcpFree(n.port, "0.0.0.0")) &&
      (n.udp !== true || (await udpFree(n.port)));
    if (!free)
      throw new ChainError(
        `port ${n.port} (${n.what}) is already in use; stop what is using it or choose another port`,
      );
  }
}
