// The layering of src/ and actions/ (README "Development map"), read from the imports themselves:
// which layer may import which, pure cores without I/O or clock, actions that see services only as
// types, and no import cycle at run time.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");

interface Import {
  from: string;
  /** repository path for a relative import, else the package name ("node:fs", "zod") */
  to: string;
  typeOnly: boolean;
}

const files = [
  ...readdirSync(join(REPO, "src"), { recursive: true }).map((f) => `src/${f}`),
  ...readdirSync(join(REPO, "actions")).map((f) => `actions/${f}`),
].filter((f) => f.endsWith(".ts"));

function importsOf(file: string): Import[] {
  const text = readFileSync(join(REPO, file), "utf8");
  const out: Import[] = [];
  for (const m of text.matchAll(
    /^(?:import|export)(\s+type)?\b[^;]*?\bfrom\s+"([^"]+)"|^import\s+"([^"]+)"|\bimport\(\s*[`"]([^`"$]+)/gm,
  )) {
    const spec = (m[2] ?? m[3] ?? m[4])!;
    // a template literal import (the loaders' actions/${method}.ts) stands for its folder
    const to = spec.startsWith(".") ? relative(REPO, resolve(REPO, dirname(file), spec)) : spec;
    out.push({ from: file, to, typeOnly: Boolean(m[1]) });
  }
  return out;
}
const ALL = files.flatMap(importsOf);
const local = (i: Import) => i.to.startsWith("src/") || i.to.startsWith("actions/") || i.to === "actions";
/** Is `path` one of these files (….ts) or inside one of these folders? */
const under = (path: string, ...places: string[]) =>
  places.some((p) => path === p || (!p.endsWith(".ts") && path.startsWith(`${p}/`)));
const show = (list: Import[]) => list.map((i) => `${i.from} -> ${i.to}${i.typeOnly ? " (type)" : ""}`);

/** Pure cores: data in, data out (house style §3.9). */
const PURE: Record<string, string[]> = {
  "src/iso9660": [],
  "src/configdrive": ["src/iso9660"],
  "src/network": [],
  "src/agent": ["src/network"],
  "src/selection": [],
  "src/devices": [],
};
/** What every layer may import: how errors are named and how a zod issue is told. Leaves. */
const SHARED_LEAF = ["src/errors.ts", "src/issues.ts"];
/** What any pure core may also import: the wire shapes and errors, and Ironic's data formats (no I/O in them). */
const PURE_SHARED = [
  ...SHARED_LEAF,
  "src/protocol/shapes.ts",
  "src/protocol/errors.ts",
  "src/ironic/node-schema.ts",
  "src/ironic/patch.ts",
  "src/ironic/provision-states.ts",
];
/** …and, as types only, the configuration and the shapes the Ironic client returns. */
const PURE_TYPES = ["src/config/schema.ts", "src/ironic"];

describe("pure cores", () => {
  it.each(Object.keys(PURE))(
    "%s imports only zod, Node's compression and hashes, lower cores and data formats",
    (core) => {
      const bad = ALL.filter((i) => under(i.from, core)).filter((i) => {
        if (!local(i)) return !["zod", "node:zlib", "node:crypto"].includes(i.to);
        if (under(i.to, core, ...PURE[core]!, ...PURE_SHARED)) return false;
        return !(i.typeOnly && under(i.to, ...PURE_TYPES));
      });
      expect(show(bad)).toEqual([]);
    },
  );

  it.each(Object.keys(PURE))("%s reads no clock, no randomness and no process state", (core) => {
    for (const f of files.filter((f) => under(f, core))) {
      expect(readFileSync(join(REPO, f), "utf8"), f).not.toMatch(
        /Date\.now\(|new Date\(\)|Math\.random\(|\bprocess\.|performance\.now\(|\brandom(UUID|Bytes|Int)\(|getRandomValues/,
      );
    }
  });
});

describe("layers", () => {
  const rules: [string, string, (i: Import) => boolean][] = [
    // [who, why, which import breaks the rule]
    [
      "src/ironic",
      "clients know no BOSH",
      (i) =>
        local(i) &&
        !under(i.to, "src/ironic", "src/http", ...SHARED_LEAF) &&
        !(i.typeOnly && under(i.to, "src/config", "src/log")),
    ],
    [
      "src/webdav",
      "clients know no BOSH",
      (i) =>
        local(i) &&
        !under(i.to, "src/webdav", "src/http", ...SHARED_LEAF) &&
        !(i.typeOnly && under(i.to, "src/config", "src/log")),
    ],
    ["src/http", "what the HTTP clients share knows neither client", (i) => local(i) && !under(i.to, ...SHARED_LEAF)],
    [
      "src/config",
      "configuration is read before any client exists",
      (i) => local(i) && !under(i.to, "src/config", "src/protocol/errors.ts", ...SHARED_LEAF),
    ],
    [
      "src/log",
      "logging needs only the configuration",
      (i) => local(i) && !under(i.to, "src/log", "src/config", "src/protocol/errors.ts", ...SHARED_LEAF),
    ],
    [
      "src/stemcell",
      "the stemcell readers know no store and no Ironic",
      (i) =>
        local(i) &&
        !under(i.to, "src/stemcell", "src/protocol/errors.ts", ...SHARED_LEAF) &&
        !(i.typeOnly && under(i.to, "src/log")),
    ],
    ...SHARED_LEAF.map((leaf): [string, string, (i: Import) => boolean] => [
      leaf,
      "a shared leaf imports nothing",
      (i) => local(i),
    ]),
    [
      "src/services",
      "services are called; they call no caller",
      (i) =>
        local(i) &&
        under(
          i.to,
          "actions",
          "src/protocol/dispatch.ts",
          "src/protocol/loaders.ts",
          "src/commands",
          "src/wiring.ts",
          "src/main.ts",
        ),
    ],
    [
      "actions",
      "an action sees the protocol and pure rules, and services only as types",
      (i) => {
        if (!local(i)) return i.to !== "zod";
        if (i.typeOnly) return !under(i.to, "src/protocol", "src/services");
        return !under(
          i.to,
          "src/protocol/action.ts",
          "src/protocol/shapes.ts",
          "src/protocol/errors.ts",
          "src/protocol/methods.ts",
          "src/selection",
        );
      },
    ],
  ];
  it.each(rules)("%s: %s", (who, why, breaks) => {
    expect(show(ALL.filter((i) => under(i.from, who)).filter(breaks)), why).toEqual([]);
  });

  it("only the loaders import actions/ and the composition root, and only lazily", () => {
    const lazyOnly = ALL.filter(
      (i) => local(i) && under(i.to, "actions", "src/wiring.ts") && !i.from.startsWith("actions/"),
    );
    expect([...new Set(lazyOnly.map((i) => i.from))]).toEqual(["src/protocol/loaders.ts"]);
    const text = readFileSync(join(REPO, "src/protocol/loaders.ts"), "utf8");
    expect(text).not.toMatch(/^import\s[^;]*from\s+"\.\.\/(\.\.\/actions|wiring)/m);
  });
});

/**
 * The services: one folder per noun, and the pool (choosing and holding servers) beneath the others.
 * A noun folder imports only the siblings named here, and the disk service only through its front.
 */
const NOUNS: Record<string, string[]> = {
  "src/services/pool": [],
  "src/services/vm": ["src/services/pool"],
  "src/services/disk": ["src/services/pool"],
  "src/services/stemcell": [],
  "src/services/settings": [],
  "src/services/reconcile": ["src/services/pool", "src/services/disk/service.ts"],
};
/** Nothing loose in services/ but the glue and what every noun shares. */
const SERVICES_LOOSE = ["services.ts", "undo.ts"];

describe("services by noun", () => {
  it("has no file outside a noun folder but the glue", () => {
    const loose = readdirSync(join(REPO, "src/services"), { withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name);
    expect(loose.sort()).toEqual(SERVICES_LOOSE);
    const folders = readdirSync(join(REPO, "src/services"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `src/services/${d.name}`);
    expect(folders.sort()).toEqual(Object.keys(NOUNS).sort());
  });

  it.each(Object.keys(NOUNS))("%s imports no sibling but the ones beneath it", (noun) => {
    const bad = ALL.filter((i) => under(i.from, noun) && local(i) && under(i.to, "src/services"))
      .filter((i) => !under(i.to, noun, ...NOUNS[noun]!, ...SERVICES_LOOSE.map((f) => `src/services/${f}`)))
      .filter((i) => !(i.to === "src/services/services.ts" && i.typeOnly));
    expect(show(bad)).toEqual([]);
  });
});

/** The cycles of a graph of files, each as "a -> b -> a". */
function cyclesOf(edges: readonly Import[]): string[] {
  const graph = new Map<string, string[]>();
  for (const i of edges) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") return void cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
    state.set(f, "open");
    for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
    state.set(f, "done");
  };
  for (const f of files) visit(f, []);
  return cycles;
}

describe("import graph", () => {
  it("has no cycle, type-only imports included (a type cycle is a design cycle)", () => {
    expect(cyclesOf(ALL.filter((i) => local(i) && i.to.endsWith(".ts")))).toEqual([]);
  });

  it("has no cycle among run-time imports", () => {
    const graph = new Map<string, string[]>();
    for (const i of ALL)
      if (local(i) && !i.typeOnly && i.to.endsWith(".ts")) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") return void cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
      state.set(f, "open");
      for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
      state.set(f, "done");
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("reads every import it checks (the parser is not blind)", () => {
    expect(ALL.length).toBeGreaterThan(300);
    expect(ALL.filter((i) => i.typeOnly).length).toBeGreaterThan(50);
    expect(ALL.some((i) => i.from === "src/protocol/loaders.ts" && i.to === "actions")).toBe(true);
  });
});
