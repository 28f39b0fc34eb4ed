// The config-2 file tree (configdrive-webdav-tools.md §1.0, contract §5.2 and Appendix B):
//  - ec2/latest/{meta-data.json,user-data}: the only files the bosh-agent of OpenStack stemcells
//    reads (agent.json ConfigDrive source). meta-data.json must always exist with public key "0",
//    even empty, or the agent's bootstrap fails at "Setting up ssh".
//  - openstack/<v>/{meta_data.json,user_data,network_data.json,vendor_data.json}: for cloud-init and
//    other Nova-format readers. EVERY file goes into EVERY version folder: cloud-init reads the
//    newest dated folder it knows and falls back to `latest` only when there is none, so a file
//    only in `latest` is silently ignored.
import type { IsoFile } from "../iso9660/index.ts";

export const OPENSTACK_VERSIONS = ["2012-08-10", "2015-10-15", "2016-06-30", "latest"] as const;

export interface ConfigDriveContent {
  /** The VM cid: instance-id/uuid, so cloud-init style tooling sees every provisioning as new. */
  instanceId: string;
  /** Ironic node name (or uuid). */
  name: string;
  /** The agent sets the hostname to its agent_id; say the same here. */
  hostname: string;
  publicKeys: readonly string[];
  availabilityZone?: string;
  /** Exactly the bytes of user-data / user_data (agent settings or registry pointer JSON). */
  userData: string;
  networkData: unknown;
}

const utf8 = new TextEncoder();
const json = (v: unknown) => utf8.encode(`${JSON.stringify(v, null, 2)}\n`);

export function ec2MetaData(c: ConfigDriveContent) {
  const keys = c.publicKeys.length ? c.publicKeys : [""];
  return {
    "instance-id": c.instanceId,
    hostname: c.hostname,
    "public-keys": Object.fromEntries(keys.map((k, i) => [String(i), { "openssh-key": k }])),
  };
}

export function openstackMetaData(c: ConfigDriveContent) {
  return {
    uuid: c.instanceId,
    name: c.name,
    hostname: c.hostname,
    public_keys: Object.fromEntries(c.publicKeys.map((k, i) => [String(i), k])),
    launch_index: 0,
    ...(c.availabilityZone ? { availability_zone: c.availabilityZone } : {}),
  };
}

export function configDriveDirectories(): string[] {
  return ["ec2", "ec2/latest", "openstack", ...OPENSTACK_VERSIONS.map((v) => `openstack/${v}`)];
}

/** The drive's files, sorted by path (the ISO writer sorts too; this keeps listings stable). */
export function configDriveFiles(c: ConfigDriveContent): IsoFile[] {
  const userData = utf8.encode(c.userData);
  const meta = json(openstackMetaData(c));
  const network = json(c.networkData);
  const vendor = json({});
  const files: IsoFile[] = [
    { path: "ec2/latest/meta-data.json", data: json(ec2MetaData(c)) },
    { path: "ec2/latest/user-data", data: userData },
  ];
  for (const v of OPENSTACK_VERSIONS) {
    files.push(
      { path: `openstack/${v}/meta_data.json`, data: meta },
      { path: `openstack/${v}/network_data.json`, data: network },
      { path: `openstack/${v}/user_data`, data: userData },
      { path: `openstack/${v}/vendor_data.json`, data: vendor },
    );
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
