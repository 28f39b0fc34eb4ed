// The one table of Ironic's provision states that the CPI reasons with (Ironic's state machine,
// ironic/common/states.py). Every set the services and selection use is named here once; a new
// state in a new Ironic release is added here and nowhere else.

/** States that end any wait unless the wait asks for them (a failed deploy, cleaning, inspection…). */
export const FAILURE_STATES: readonly string[] = [
  "deploy failed",
  "clean failed",
  "inspect failed",
  "error",
  "rescue failed",
  "unrescue failed",
  "adopt failed",
  "service failed",
];

/** A deploy was requested and has not failed: the node is on its way to `active`, or there. */
export const DEPLOYED: ReadonlySet<string> = new Set(["active", "deploying", "wait call-back"]);

/** A deploy was requested, whatever came of it: what a crashed create_vm may have left claimed. */
export const DEPLOY_STARTED: readonly string[] = ["active", "deploy failed", "deploying", "wait call-back"];

/** No deployment on the node: instance_info holds only what a claim wrote. */
export const UNDEPLOYED: ReadonlySet<string> = new Set(["available", "manageable", "enroll"]);

/** A node that can still take (or holds) a VM: free, or on its way to active, or active. */
export const IN_SERVICE: ReadonlySet<string> = new Set([
  "available",
  "manageable",
  "deploying",
  "wait call-back",
  "active",
]);

/** States from which `deleted` (undeploy) is accepted. */
export const UNDEPLOYABLE: ReadonlySet<string> = new Set([
  "active",
  "deploy failed",
  "wait call-back",
  "error",
  "rescue",
  "rescue failed",
  "rescue wait",
  "unrescue failed",
]);

/** Ironic is busy with the node: wait until it settles before acting. */
export const MOVING: ReadonlySet<string> = new Set([
  "deploying",
  "deleting",
  "cleaning",
  "clean wait",
  "verifying",
  "inspecting",
  "inspect wait",
  "rescuing",
  "unrescuing",
  "adopting",
]);

/** Where a node rests once Ironic is done moving it. */
export const SETTLED: readonly string[] = [
  "available",
  "manageable",
  "enroll",
  "active",
  "deploy failed",
  "clean failed",
  "inspect failed",
  "error",
  "wait call-back",
];

/** Failures of a preparation the CPI asked for (manual cleaning, inspection) that `manage` recovers from. */
export const RECOVERABLE: ReadonlySet<string> = new Set(["clean failed", "inspect failed"]);

/** `from` sets of the common transitions. */
export const AVAILABLE: ReadonlySet<string> = new Set(["available"]);
export const MANAGEABLE: ReadonlySet<string> = new Set(["manageable"]);
export const ENROLL: ReadonlySet<string> = new Set(["enroll"]);
/** A free node can be wiped (cleaned) from here. */
export const CLEANABLE: ReadonlySet<string> = new Set(["available", "manageable"]);
