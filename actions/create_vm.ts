import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid, CloudProperties, Env, Networks } from "../src/protocol/shapes.ts";

const Args = z.tuple([
  Cid.describe("agent_id"),
  Cid.describe("stemcell_cid"),
  CloudProperties.describe("cloud_properties"),
  Networks.describe("networks"),
  z.array(Cid).nullable().describe("disk_cids"),
  Env.nullable().describe("env"),
]);

/**
 * create_vm: select (or enroll) a server, claim it atomically in Ironic, deploy the stemcell with the agent's
 * config drive and wait for `active`. Any failure is rolled back before answering VMCreationFailed.
 * API v2 answers [vm_cid, networks with mac]; v1 the vm_cid alone. The vm_cid is the claim's instance_uuid:
 * it names this provisioning, never the server (services/pool/lookup.ts).
 */
export default class CreateVm extends Action<typeof Args> {
  static override readonly args = Args;
  async run([agentId, stemcellCid, cloudProperties, networks, diskCids, env]: z.infer<typeof Args>) {
    const { vms } = await this.ctx.services();
    const vm = await vms.create({
      agentId,
      stemcellCid,
      cloudProperties,
      networks,
      diskCids: diskCids ?? [],
      env: env ?? {},
      stemcellApiVersion: this.ctx.stemcellApiVersion,
      directorUuid: this.ctx.directorUuid,
    });
    return this.apiVersion >= 2 ? [vm.vmCid, vm.networks] : vm.vmCid;
  }
}
