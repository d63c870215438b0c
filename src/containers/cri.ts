/**
 * CRI runtimes (containerd, CRI-O): placeholder client. Falco's container plugin talks to them over
 * gRPC (runtime.v1.RuntimeService/ContainerStatus and PodSandboxStatus on the CRI socket,
 * falcosecurity/plugins plugins/container/go-worker/pkg/container/cri.go); falco-ts has no gRPC /
 * HTTP/2 client yet, so this client reports "not available" cleanly instead of guessing. Containers
 * from these runtimes still get container.id / container.type from their cgroups.
 */
import { existsSync } from "node:fs";
import type { ContainerMetadata } from "./types.ts";
import { ContainerRuntimeError } from "./types.ts";

/** Default CRI sockets (Falco's container plugin defaults for containerd, CRI-O and k3s). */
export const DEFAULT_CRI_SOCKETS: readonly string[] = [
  "/run/containerd/containerd.sock",
  "/run/crio/crio.sock",
  "/run/k3s/containerd/containerd.sock",
];

/** CRI client stub over a list of candidate sockets (already HOST_ROOT-prefixed). */
export class CriClient {
  constructor(readonly socketPaths: readonly string[]) {}

  /** Sockets that exist on this machine (a runtime may be installed even though we cannot query it). */
  presentSockets(): string[] {
    return this.socketPaths.filter((p) => {
      try {
        return existsSync(p);
      } catch {
        return false;
      }
    });
  }

  /** Always false: no CRI (gRPC) transport is implemented. */
  available(): boolean {
    return false;
  }

  /**
   * Would return the container's metadata from ContainerStatus/PodSandboxStatus.
   * @throws ContainerRuntimeError always: "CRI metadata lookup not available" with the sockets seen.
   */
  async inspect(id: string): Promise<ContainerMetadata> {
    const present = this.presentSockets();
    const where = present.length > 0 ? `socket(s) present: ${present.join(", ")}` : `no CRI socket among ${this.socketPaths.join(", ") || "(none configured)"}`;
    throw new ContainerRuntimeError(`cri: metadata lookup for ${id} not available (falco-ts has no CRI gRPC client; ${where})`);
  }
}
