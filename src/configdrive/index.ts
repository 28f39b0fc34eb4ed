// The config-drive core: file layout (pure) and ISO + gzip + base64 packing (CPU only).
export {
  OPENSTACK_VERSIONS,
  configDriveDirectories,
  configDriveFiles,
  ec2MetaData,
  openstackMetaData,
} from "./layout.ts";
export type { ConfigDriveContent } from "./layout.ts";
export {
  CONFIG_DRIVE_LABEL,
  ConfigDriveTooLargeError,
  buildConfigDrive,
  gzipDeterministic,
  packConfigDriveIso,
} from "./pack.ts";
export type { PackedConfigDrive } from "./pack.ts";
