// create_vm as a sequence of steps, each acquiring step pushing its undo before the next one starts:
// stemcell → (enroll | select + claim) → config drive → registry record → node settings → provide/clean
// → deploy → phase "created". Any failure unwinds the stack (undeploy, restore, release or delete the
// enrolled node) before the director hears about it; the 2016 CPI rolled back nothing (bug #5).
import { serverNeedsMd5 } from "../../ironic/microversions.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { IronicStateError, IronicTimeoutError } from "../../ironic/errors.ts";
import type { HistoryEvent } from "../../ironic/history.ts";
import { add, remove } from "../../ironic/patch.ts";
import { DEPLOYED } from "../../ironic/provision-states.ts";
import { CloudError, VmCreationFailed } from "../../protocol/errors.ts";
import type { Env, Networks } from "../../protocol/shapes.ts";
import {
  DEPLOY_FAILURES_KEY,
  deployFailures,
  maintenanceReason,
  nextFailures,
} from "../../selection/deploy-failures.ts";
import { parseDomainPath, spreadGroup } from "../../selection/failure-domains.ts";
import { type BoshRecord, boshRecord, identityFromEnv, protectedReason } from "../../selection/node-record.ts";
import type { SelectionRequest } from "../../selection/request.ts";
import { EPHEMERAL_FIX, givenEphemeral, inventoryEphemeral } from "../../devices/ephemeral.ts";
import { type Acquired, type EphemeralFor, type SetupFor, acquire } from "../pool/acquire.ts";
import { candidates } from "../pool/candidates.ts";
import { claimUuid } from "../pool/claim-id.ts";
import { type PoolDeps, waitForState } from "../pool/deps.ts";
import { enroll } from "../pool/enroll.ts";
import { prepareNode } from "../pool/prepare.ts";
import { type StemcellImage, nodeSetup, setupOps } from "../pool/setup.ts";
import { type ReleaseExtras, teardown } from "../pool/teardown.ts";
import { UndoStack } from "../undo.ts";
import type { VmCloudProperties } from "./cloud-properties.ts";
import type { VmConfigDrive, VmConfigDriveInput } from "./config-drive.ts";
import { deploy } from "./deploy.ts";
import { creationError } from "./errors.ts";

export interface StemcellSource {
  resolve(stemcellCid: string): Promise<StemcellImage>;
}
/** The registry record store: agent settings of registry-mode VMs, written on create_vm, removed on delete_vm. */
export interface SettingsRecords {
  put(vmCid: string, settings: unknown): Promise<unknown>;
  remove(vmCid: string): Promise<unknown>;
}
export interface CreateDeps extends PoolDeps {
  stemcells: StemcellSource;
  settings: SettingsRecords;
  configDrive: (input: VmConfigDriveInput) => VmConfigDrive;
}

export interface CreateVmInput {
  agentId: string;
  stemcellCid: string;
  cloudProperties: Record<string, unknown>;
  networks: Networks;
  diskCids: readonly string[];
  env: Env;
  stemcellApiVersion?: number | undefined;
  directorUuid?: string | undefined;
}
export interface CreatedVm {
  /** The claim's instance_uuid: names this provisioning, never the server (vm/lookup.ts). */
  vmCid: string;
  /** The Ironic node it runs on (for logs and operators). */
  nodeUuid: string;
  /** The networks with `mac` (v2 create_vm's second result). */
  networks: VmConfigDrive["agentNetworks"];
}

export function selectionRequest(
  props: VmCloudProperties,
  agentId: string,
  diskCids: readonly string[],
  enrolling = false,
): SelectionRequest {
  return {
    claimUuid: claimUuid(agentId),
    seed: agentId,
    states: props.from_manageable || enrolling ? ["available", "manageable"] : ["available"],
    ...(props.macs ? { macs: props.macs } : {}),
    ...(props.resource_class !== undefined ? { resourceClass: props.resource_class } : {}),
    ...(props.conductor_group !== undefined ? { conductorGroup: props.conductor_group } : {}),
    ...(props.owner !== undefined ? { owner: props.owner } : {}),
    ...(props.traits ? { traits: props.traits } : {}),
    ...(props.ironic_properties ? { properties: props.ironic_properties } : {}),
    diskCids,
  };
}

/** `props` come from precheckCreateVm (vm/precheck.ts), which ran before anything was sent. */
export async function createVm(deps: CreateDeps, input: CreateVmInput, props: VmCloudProperties): Promise<CreatedVm> {
  const image = await deps.stemcells.resolve(input.stemcellCid); // before any claim: failing here costs nothing
  if (!image.checksums.md5 && serverNeedsMd5(deps.ironic.serverVersions)) {
    const fix = image.light
      ? "give the light stemcell an md5 image_checksum"
      : "upload it again (bosh upload-stemcell --fix), which computes md5 for this Ironic";
    throw new CloudError(
      `stemcell ${input.stemcellCid} has no md5 checksum, which this Ironic (API up to ` +
        `${deps.ironic.serverVersions.max}, older than Ussuri) requires: ${fix}`,
    );
  }
  const timeoutS = props.deploy_timeout ?? deps.config.ironic.deploy_timeout;
  const group = spreadGroup(input.env);
  const record: BoshRecord = {
    agent_id: input.agentId,
    phase: "creating",
    stemcell_cid: input.stemcellCid,
    deploy_timeout: timeoutS,
    ...(input.directorUuid ? { director_uuid: input.directorUuid } : {}),
    ...(group !== undefined ? { group } : {}),
  };
  const setup = (n: Pick<Node, "automated_clean" | "extra">) =>
    nodeSetup(n, image, props, {
      config: deps.config,
      automatedCleanSupported: deps.ironic.supports("automated_clean"),
    });
  const undo = new UndoStack();
  let node: Node | undefined;
  /** Set when the deploy failed on the server itself: the rollback records it there (deploy-failures.ts). */
  let failed: { node: string; error: unknown } | undefined;
  let deployError: unknown;
  try {
    const got = await obtain(deps, { props, input, record, timeoutS, setup }, (n) => {
      node = n;
      undo.push(`release node ${n.uuid}`, async () => {
        const current = (await deps.ironic.nodes.find(n.uuid)) ?? n;
        const failure = failed && failureRelease(deps, current, input.agentId, failed.error);
        await teardown(deps, current, { reason: "create_vm rollback", ...(failure ? { release: failure } : {}) });
      });
    });
    node = got.node;
    const claim = claimUuid(input.agentId);
    const vmCid = claim;
    const nodeUuid = node.uuid;
    const state = node.provision_state ?? "";
    const deployed = got.how === "ours" && DEPLOYED.has(state);
    const claimed = node;
    const [drive] = await Promise.all([
      configDrive(deps, node, vmCid, input, got.ephemeral?.path),
      deployed
        ? undefined
        : deps.placement.onVmClaimed(node, {
            vmCid,
            agentId: input.agentId,
            claimUuid: claim,
            diskCids: input.diskCids,
          }),
    ]);
    // Only an agent that reads a registry gets a record: it holds the agent's secrets (settings.ts).
    if (drive.userDataKind === "registry") {
      await deps.settings.put(vmCid, drive.agentSettings);
      undo.push("remove the registry record", async () => void (await deps.settings.remove(vmCid)));
    }
    if (deployed) {
      // An earlier create_vm for this agent_id got this far (a retry, or a crash): finish it, never deploy twice.
      deps.log.info(
        { node: nodeUuid, state, phase: boshRecord(claimed)?.phase },
        "node already deployed for this agent_id; finishing that create_vm",
      );
      if (state !== "active") await waitForState(deps, nodeUuid, ["active"], timeoutS, `deploy of node ${nodeUuid}`);
    } else {
      try {
        if (got.how === "ours") {
          // A crashed call's claim: write instance_info & co again rather than trust what it got to.
          const again = setup(node);
          await deps.claims.update(nodeUuid, claim, again.record, setupOps(again));
        }
        if (drive.nodeNetworkData)
          await setNetworkData(deps, node, claim, drive.nodeNetworkData as unknown as Record<string, unknown>);
        await prepareNode(deps, node, claim, props, timeoutS);
        await deploy(deps, node, { props, configDrive: drive.packed, timeoutS }).catch((e: unknown) => {
          deployError = e;
          throw e;
        });
      } catch (err) {
        // The killed call this one retries may have got its deploy request through after we read the node:
        // that deploy is ours (same agent_id, same settings), so finish it instead of rolling it back.
        const now =
          got.how === "ours"
            ? await deps.ironic.nodes.find(nodeUuid, { fields: ["uuid", "provision_state"] })
            : undefined;
        if (!now || !DEPLOYED.has(now.provision_state ?? "")) throw err;
        deps.log.info(
          { node: nodeUuid, state: now.provision_state },
          "the deploy of an earlier create_vm for this agent_id started meanwhile; finishing it",
        );
        if (now.provision_state !== "active")
          await waitForState(deps, nodeUuid, ["active"], timeoutS, `deploy of node ${nodeUuid}`);
      }
    }
    // A good deploy clears the server's failure record (deploy-failures.ts).
    const cleared = deployFailures(claimed) ? [remove(["extra", DEPLOY_FAILURES_KEY])] : [];
    // Protected (API 1.48): nobody undeploys a running BOSH VM by mistake; delete_vm lifts it (pool/teardown.ts).
    const protect = deps.ironic.supports("protected")
      ? [
          add("/protected", true),
          add(
            "/protected_reason",
            protectedReason({ vmCid, ...identityFromEnv(input.env), director: directorOf(input) }),
          ),
        ]
      : [];
    // vm_cid again: a resumed claim may predate it (a killed call, or a CPI before this identity).
    await deps.claims.update(
      nodeUuid,
      claim,
      { phase: "created", vm_cid: vmCid, created_at: deps.now().toISOString() },
      [...cleared, ...protect],
    );
    undo.commit();
    deps.log.info({ vm_cid: vmCid, node: nodeUuid, name: node.name }, "VM created");
    return { vmCid, nodeUuid, networks: drive.agentNetworks };
  } catch (err) {
    // Only Ironic's deploy itself blames the server: our own preparation (RAID, BIOS, inspection) failing
    // may be the vm_type's fault, and must not drain a pool into maintenance.
    if (node && err === deployError && blamesServer(err)) failed = { node: node.uuid, error: err };
    // Read before the rollback adds its own events (undeploy, cleaning) on top of the failure's.
    const history = node && blamesServer(err) ? await recentHistory(deps, node.uuid) : [];
    const failures = await undo.unwind(deps.log);
    throw creationError(err, failures, node && { uuid: node.uuid, name: node.name }, history);
  }
}

/** What obtain() works from: the request, its parsed vm_type and what the claim will write. */
interface Job {
  props: VmCloudProperties;
  input: CreateVmInput;
  record: BoshRecord;
  timeoutS: number;
  setup: SetupFor;
}

/** Enroll a server for ironic_params whose MACs no node owns yet; otherwise select and claim one. */
async function obtain(deps: CreateDeps, job: Job, owned: (n: Node) => void): Promise<Acquired> {
  const { props, input, record, timeoutS, setup } = job;
  const enrolling = !!props.ironic_params;
  const plain = selectionRequest(props, input.agentId, input.diskCids, enrolling);
  const pinned = input.diskCids.length > 0 ? await deps.placement.nodeFor(input.diskCids, plain.claimUuid) : undefined;
  // Spread over failure domains when the director names the instance group and neither a MAC nor the
  // VM's persistent disks (which never move) name the server.
  const group = record.group; // the instance group, recorded with the claim
  const path = parseDomainPath(deps.config.placement.failure_domain);
  const req =
    group !== undefined && path && !props.macs && !pinned
      ? { ...plain, spread: { group, path, required: props.spread === "required" } }
      : plain;
  const ephemeralFor = ephemeralSource(deps, props);
  if (props.ironic_params && props.macs && !pinned && (await candidates(deps, req)).length === 0) {
    // Known before enrolling unless only an inspection can tell: then the rollback deletes the node again.
    if (
      !(await ephemeralFor({ uuid: "", properties: props.ironic_params.properties ?? {} })) &&
      !props.ironic_params.inspect
    ) {
      throw new VmCreationFailed(
        `the server to enroll has no ephemeral disk for the agent: ${EPHEMERAL_FIX} ` +
          `(ironic_params.properties.bosh_ephemeral_device, or inspect: true)`,
        false,
      );
    }
    const fresh = setup({ automated_clean: null, extra: {} });
    // The server joins the AZ's conductor group (cloud_properties) unless ironic_params names one: with
    // conductor groups, a node outside every group has no conductor and Ironic refuses to create it.
    const azGroup = props.conductor_group;
    const params = azGroup !== undefined ? { conductor_group: azGroup, ...props.ironic_params } : props.ironic_params;
    const node = await enroll(
      deps,
      { params, macs: props.macs, claim: req.claimUuid, record, timeoutS, setup: fresh },
      owned,
    );
    const ephemeral = await ephemeralFor(node);
    if (!ephemeral)
      throw new VmCreationFailed(
        `the enrolled server ${node.name ?? node.uuid} has no ephemeral disk for the agent: ${EPHEMERAL_FIX}`,
        false,
      );
    return { node, how: "free", source: "enrolled", ephemeral };
  }
  const got = await acquire(deps, { req, record, setup, pinned, ephemeralFor });
  owned(got.node);
  return got;
}

/** Where this create_vm's servers get the agent's ephemeral device from (devices/ephemeral.ts). */
function ephemeralSource(deps: CreateDeps, props: VmCloudProperties): EphemeralFor {
  return async (node) => {
    const given = givenEphemeral(props.ephemeral_disk, node, deps.config.disks.ephemeral_device);
    if (given || !node.uuid) return given;
    const inventory = await deps.ironic.nodes.inventoryDisks(node.uuid);
    if (!inventory) return undefined;
    return inventoryEphemeral({
      node,
      inventory,
      rootDevice: props.root_device,
      persistentHints: deps.config.disks.persistent_devices,
      systemDevice: deps.config.disks.system_device,
    });
  };
}

async function configDrive(
  deps: CreateDeps,
  node: Node,
  vmCid: string,
  input: CreateVmInput,
  ephemeralDisk: string | undefined,
): Promise<VmConfigDrive> {
  const ports = await deps.ironic.ports.byNode(node.uuid);
  const drive = deps.configDrive({
    config: deps.config,
    vmCid,
    agentId: input.agentId,
    node: { uuid: node.uuid, ...(node.name ? { name: node.name } : {}) },
    ports: ports.map((p) => ({
      address: p.address,
      uuid: p.uuid,
      ...(p.pxe_enabled !== null && p.pxe_enabled !== undefined ? { pxe_enabled: p.pxe_enabled } : {}),
    })),
    networks: input.networks,
    vmCloudProperties: input.cloudProperties,
    env: input.env,
    ...(input.stemcellApiVersion !== undefined ? { stemcellApiVersion: input.stemcellApiVersion } : {}),
    date: deps.now(),
    ...(ephemeralDisk ? { ephemeralDisk } : {}),
  });
  for (const w of drive.warnings) deps.log.warn({ node: node.uuid }, w);
  return drive;
}

/** node.network_data for a DHCP-less provisioning ramdisk (API >= 1.66); the previous value is kept to restore. */
async function setNetworkData(
  deps: PoolDeps,
  node: Node,
  claim: string,
  networkData: Record<string, unknown>,
): Promise<void> {
  deps.ironic.require("network_data");
  const restore = { ...(boshRecord(node)?.restore ?? {}) };
  if (!restore.network_data) restore.network_data = node.network_data ?? {};
  await deps.claims.update(node.uuid, claim, { restore }, [add("/network_data", networkData)]);
}

/** Ironic's last events for a server whose deploy failed (API 1.78); none when it cannot tell. */
async function recentHistory(deps: PoolDeps, uuid: string): Promise<HistoryEvent[]> {
  if (!deps.ironic.supports("node_history")) return [];
  try {
    return await deps.ironic.nodes.history(uuid, 3);
  } catch (err) {
    deps.log.warn({ node: uuid, err }, "could not read Ironic's history of the server");
    return [];
  }
}

/** The director's name from env.bosh.groups, else its UUID from the request's context. */
function directorOf(input: CreateVmInput): string | undefined {
  return identityFromEnv(input.env).director ?? input.directorUuid;
}

/** Failures that say something about the server: Ironic's deploy (or our cleaning/inspection) failed or hung. */
const blamesServer = (err: unknown) => err instanceof IronicStateError || err instanceof IronicTimeoutError;

/** What the rollback's release writes on a server that failed this deploy: the record, maybe maintenance. */
function failureRelease(deps: PoolDeps, node: Node, agentId: string, error: unknown): ReleaseExtras {
  const message =
    error instanceof IronicStateError
      ? `${error.state}: ${error.lastError ?? "no last_error"}`
      : error instanceof Error
        ? error.message
        : String(error);
  const rec = nextFailures(deployFailures(node), { agentId, error: message, at: deps.now() });
  const reason = maintenanceReason(rec, deps.config.placement.maintenance_after_failures);
  deps.log.warn(
    { node: node.uuid, failures: rec.count, maintenance: !!reason },
    "deploy failed on this server; recording it on the node",
  );
  return { ops: [add(["extra", DEPLOY_FAILURES_KEY], rec)], ...(reason ? { maintenanceReason: reason } : {}) };
}
