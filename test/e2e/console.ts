// A deployed server's serial console, typed on: the domain's serial port is a UNIX socket (its output also
// goes to the console file), where the stemcell runs a getty on ttyS0. The test logs in as root with the
// password create_vm's env.bosh.password set (the agent sets root's password from it at bootstrap) and
// runs shell commands between markers the echo of the command line cannot produce.
import { randomBytes } from "node:crypto";
import { type Socket, createConnection } from "node:net";

export class SerialConsole {
  private buffer = "";
  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {
    socket.on("data", (c: Buffer) => {
      this.buffer += c.toString("latin1");
    });
  }

  static async open(path: string): Promise<SerialConsole> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(path, () => resolve(s));
      s.once("error", reject);
    });
    return new SerialConsole(socket, path);
  }

  /** Logs out (the next session finds a login prompt again, not this shell) and lets go of the socket. */
  close(): void {
    this.send("exit\r");
    this.socket.end();
  }

  private send(text: string): void {
    this.socket.write(text);
  }

  /** Waits (bounded) until the console printed text matching `re` since `from`; answers the index after it. */
  private async expect(re: RegExp, from: number, timeoutMs: number, what: string): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.buffer.slice(from));
      if (m) return from + m.index + m[0].length;
      if (Date.now() > deadline)
        throw new Error(
          `console ${this.path}: ${what} not within ${timeoutMs / 1000} s; it shows:\n${this.buffer.slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** root's login on the getty (a fresh prompt is asked for first: the getty may have printed it long ago). */
  async login(password: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const from = this.buffer.length;
      this.send("\r");
      try {
        // a login prompt, or the shell of a session that ended without logging out (a failed test)
        const at = await this.expect(/(login: *|# *)$/m, from, 10_000, "a login prompt");
        if (!/# *$/.test(this.buffer.slice(from, at))) {
          this.send("root\r");
          const pw = await this.expect(/Password: *$/m, at, 15_000, "the password prompt");
          this.send(`${password}\r`);
          await this.expect(/# *$/m, pw, 30_000, "root's shell prompt");
        }
        // no colours, no line editing games, no kernel messages in the output
        await this.run("export TERM=dumb PS1='# '; stty -echo; dmesg -n 1", 30_000);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(5_000 * attempt, 15_000)));
      }
    }
  }

  /** Runs a shell command; answers its output and exit status (the command line may not contain newlines). */
  async run(command: string, timeoutMs = 120_000): Promise<{ out: string; status: number }> {
    const id = randomBytes(4).toString("hex");
    const from = this.buffer.length;
    // the quotes split the markers in the echoed command line, so only the output holds them whole
    this.send(`echo "__BEG""IN_${id}__"; ${command}; echo "__EN""D_${id}__ $?"\r`);
    const begin = await this.expect(new RegExp(`__BEGIN_${id}__\\r?\\n`), from, timeoutMs, `the start of '${command}'`);
    const end = await this.expect(new RegExp(`__END_${id}__ (\\d+)`), begin, timeoutMs, `the end of '${command}'`);
    const tail = this.buffer.slice(begin, end);
    const m = new RegExp(`__END_${id}__ (\\d+)$`).exec(tail)!;
    return { out: tail.slice(0, m.index).replace(/\r/g, ""), status: Number(m[1]) };
  }
}
