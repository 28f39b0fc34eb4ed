// The bosh-agent settings document (contract §4.4): what ec2/latest/user-data holds for stemcells
// with api_version >= 2, and what the registry serves for older ones. Pure.
import type { Config } from "../config/schema.ts";
import type { Env } from "../protocol/shapes.ts";
import type { AgentNetworks } from "../network/index.ts";

/** A disk the agent resolves by path (symlinks followed: /dev/disk/by-id, by-path), contract §4.5. */
export interface PathHint {
  path: string;
}

export interface AgentSettings {
  agent_id: string;
  vm: { name: string; id: string };
  mbus: string;
  ntp: string[];
  blobstore?: Record<string, unknown>;
  networks: AgentNetworks;
  disks: { system: string; ephemeral?: PathHint; persistent: Record<string, PathHint> };
  env: Env;
}

export interface AgentSettingsInput {
  agentId: string;
  vmCid: string;
  agent: Config["agent"];
  networks: AgentNetworks;
  disks: {
    system: string;
    /** Absent: the agent carves swap and data partitions out of the root disk. */
    ephemeral?: PathHint;
    /** Empty at create time in API v2 (hints arrive via add_persistent_disk); set for registry records. */
    persistent?: Record<string, PathHint>;
  };
  env: Env;
}

export function buildAgentSettings(input: AgentSettingsInput): AgentSettings {
  return {
    agent_id: input.agentId,
    // The agent reads vm.name only for logs; vm.id is what bosh-cpi-go writes too. Both are the cid.
    vm: { name: input.vmCid, id: input.vmCid },
    mbus: input.agent.mbus,
    ntp: [...input.agent.ntp],
    // Legacy: modern directors pass env.bosh.blobstores, which wins inside the agent.
    ...(input.agent.blobstore ? { blobstore: input.agent.blobstore } : {}),
    networks: input.networks,
    disks: {
      system: input.disks.system,
      ...(input.disks.ephemeral ? { ephemeral: input.disks.ephemeral } : {}),
      persistent: { ...(input.disks.persistent ?? {}) },
    },
    env: input.env, // verbatim: it carries the mbus certificates and the password hash
  };
}
