// What actions may use, built per call by src/wiring.ts. Actions import this as a type only.
export interface Services {
  /** Closes connections so the process can exit promptly. */
  close(): Promise<void>;
}
