// `node dist/cpi.js render-config-drive --config <cpi.json> --input <in.json> --out <dir>`: renders
// the config drive create_vm would build, without touching Ironic, so an operator can inspect what
// a server will be told (network_data.json, user-data) or hand the ISO to a BMC by hand.
// in.json = {"arguments": [agent_id, stemcell_cid, cloud_properties, networks, disk_cids, env],
//            "node": {"uuid", "name"?, "properties"?}, "ports": [{address, pxe_enabled?}], "stemcell_api_version"?: 2,
//            "vm_cid"?: (default: the claim UUID create_vm would use for agent_id), "date"?: ISO 8601 (default now)}
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { loadConfigFile, requireConfigPath } from "../config/load.ts";
import type { CommandIo } from "../protocol/loaders.ts";
import { CpiError, toWireError } from "../protocol/errors.ts";
import { describeIssues } from "../issues.ts";
import { Cid, CloudProperties, Env, Networks } from "../protocol/shapes.ts";
import { claimUuid } from "../services/pool/claim-id.ts";
import { givenEphemeral } from "../devices/ephemeral.ts";
import { prepareVmConfigDrive, vmDriveProperties } from "../services/vm/config-drive.ts";

const Input = z.strictObject({
  arguments: z.tuple([Cid, Cid, CloudProperties, Networks, z.array(Cid).nullable(), Env]),
  // Pasted Ironic objects carry many more fields: only these are read.
  node: z.looseObject({
    uuid: z.string().min(1),
    name: z.string().min(1).nullish(),
    properties: z.record(z.string(), z.unknown()).nullish(),
  }),
  ports: z
    .array(z.looseObject({ address: z.string(), pxe_enabled: z.boolean().nullish(), uuid: z.string().optional() }))
    .min(1),
  stemcell_api_version: z.number().int().min(1).optional(),
  vm_cid: Cid.optional(),
  date: z.iso.datetime({ offset: true }).optional(),
});

function option(argv: readonly string[], name: string): string {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (!v || v.startsWith("--"))
    throw new CpiError(
      `usage: render-config-drive --config <cpi.json> --input <in.json> --out <dir> (missing --${name})`,
    );
  return v;
}

function readInput(path: string): z.infer<typeof Input> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CpiError(`cannot read input ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = Input.safeParse(doc, { reportInput: true });
  if (!r.success) throw new CpiError(`invalid input ${path}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  try {
    const config = loadConfigFile(requireConfigPath(argv, io.env));
    const input = readInput(option(argv, "input"));
    const out = option(argv, "out");
    const [agentId, , cloudProperties, networks, , env] = input.arguments;
    // as create_vm chooses it, short of the inventory (which this command does not read)
    const ephemeral = givenEphemeral(
      vmDriveProperties(cloudProperties).ephemeral_disk,
      input.node,
      config.disks.ephemeral_device,
    );
    const drive = prepareVmConfigDrive({
      config,
      vmCid: input.vm_cid ?? claimUuid(agentId),
      ...(ephemeral ? { ephemeralDisk: ephemeral.path } : {}),
      agentId,
      node: { uuid: input.node.uuid, ...(input.node.name ? { name: input.node.name } : {}) },
      ports: input.ports.map((p) => ({
        address: p.address,
        ...(p.pxe_enabled != null ? { pxe_enabled: p.pxe_enabled } : {}),
      })),
      networks,
      vmCloudProperties: cloudProperties,
      env,
      ...(input.stemcell_api_version !== undefined ? { stemcellApiVersion: input.stemcell_api_version } : {}),
      date: input.date ? new Date(input.date) : new Date(),
    });
    for (const w of drive.warnings) io.stderr(`warning: ${w}\n`);
    mkdirSync(out, { recursive: true });
    const files: Record<string, string> = {
      iso: join(out, "config-drive.iso"),
      b64: join(out, "config-drive.b64"),
      network_data: join(out, "network_data.json"),
      user_data: join(out, "user-data.json"),
    };
    // The drive and user-data carry env secrets (mbus private key, password hash): owner-only.
    const secret = { mode: 0o600 };
    writeFileSync(files.iso!, drive.iso, secret);
    writeFileSync(files.b64!, drive.packed, secret);
    writeFileSync(files.user_data!, drive.userData, secret);
    writeFileSync(files.network_data!, `${JSON.stringify(drive.networkData, null, 2)}\n`);
    if (drive.nodeNetworkData) {
      files.node_network_data = join(out, "node-network_data.json");
      writeFileSync(files.node_network_data, `${JSON.stringify(drive.nodeNetworkData, null, 2)}\n`);
    }
    const result = {
      files,
      packed_bytes: drive.packed.length,
      user_data: drive.userDataKind,
      warnings: drive.warnings,
    };
    io.stdout(`${JSON.stringify({ result })}\n`);
    return 0;
  } catch (err) {
    io.stdout(`${JSON.stringify({ error: toWireError(err) })}\n`);
    return 1;
  }
}
