// The layer rules of shared/, checked over the import statements of the .ts files (a regex, not a compiler:
// static `import … from '…'`, `export … from '…'` and dynamic `import('…')`):
//   - shared/domain is pure: no I/O modules (node:fs, net, child_process…) and nothing from the rest of shared/
//     (db/, storage/, events/, http/… and the configuration and platform);
//   - shared/ never imports functions/ (or scripts/, test/);
//   - no import cycles between shared/ folders. Type-only imports are erased at compile time and do not count;
//     files directly in shared/ (config.ts, platform.ts: the composition root) are not folders and are not nodes.
//   - only shared/config.ts reads process.env (in shared/ and functions/): settings are Config fields, passed in.
// Test files (*.test.ts) are left out: they may reach anything.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Modules shared/domain must not import: I/O and processes. */
const IO_MODULES = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls', 'worker_threads', 'cluster'];

export interface ImportEdge {
  /** repository-relative path, forward slashes */
  from: string;
  /** the specifier as written */
  specifier: string;
  /** repository-relative path of a relative import; undefined for packages and node: modules */
  to?: string;
  /** `import type …`: erased at compile time, so no run-time dependency */
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const posix = (path: string) => path.split(sep).join('/');

/** Every import of every non-test .ts file under root/shared. */
export function sharedImports(root: string): ImportEdge[] {
  return tsFiles(join(root, 'shared')).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(IMPORT)].map((match) => {
      const specifier = (match[2] ?? match[3])!;
      const to = specifier.startsWith('.') ? posix(relative(root, resolve(dirname(file), specifier))) : undefined;
      return { from: posix(relative(root, file)), specifier, to, typeOnly: match[1] !== undefined };
    });
  });
}

/** The shared/ folder a file belongs to (its first folder under shared/); undefined for files directly in shared/. */
function folder(path: string): string | undefined {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : undefined;
}

/** Every broken rule, one readable line each; empty when the layers hold. */
export function layerViolations(root: string): string[] {
  const edges = sharedImports(root);
  const violations: string[] = [];
  for (const edge of edges) {
    if (edge.to && !edge.to.startsWith('shared/')) violations.push(`${edge.from} imports ${edge.specifier}: shared/ must not import ${edge.to.split('/')[0]}/`);
    if (!edge.from.startsWith('shared/domain/')) continue;
    const builtin = edge.specifier.replace(/^node:/, '');
    if (!edge.to && IO_MODULES.includes(builtin)) violations.push(`${edge.from} imports ${edge.specifier}: shared/domain does no I/O`);
    const target = edge.to?.startsWith('shared/') ? (folder(edge.to) ?? edge.to.slice('shared/'.length)) : undefined;
    if (target && target !== 'domain') violations.push(`${edge.from} imports ${edge.specifier}: shared/domain must not depend on shared/${target}`);
  }
  violations.push(...folderCycles(edges));
  for (const top of ['shared', 'functions']) {
    for (const file of tsFiles(join(root, top))) {
      const path = posix(relative(root, file));
      if (path !== 'shared/config.ts' && /\bprocess\.env\b/.test(readFileSync(file, 'utf8'))) violations.push(`${path} reads process.env: make it a field of the Config (shared/config.ts) and pass it in`);
    }
  }
  return violations;
}

/** Cycles in the graph of shared/ folders, each as `a → b → a` with one file import per step as evidence. */
function folderCycles(edges: ImportEdge[]): string[] {
  const graph = new Map<string, Map<string, string>>();
  for (const edge of edges) {
    if (!edge.to?.startsWith('shared/') || edge.typeOnly) continue;
    const from = folder(edge.from);
    const to = folder(edge.to);
    if (!from || !to || from === to) continue;
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, `${edge.from} → ${edge.to}`);
  }
  const cycles = new Set<string>();
  const visit = (path: string[]) => {
    const last = path[path.length - 1]!;
    for (const next of graph.get(last)?.keys() ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const cycle = [...path.slice(at), next];
        // report each cycle once, starting from its smallest node
        const body = cycle.slice(0, -1);
        const start = body.indexOf([...body].sort()[0]!);
        const canonical = [...body.slice(start), ...body.slice(0, start), body[start]!];
        const evidence = canonical.slice(0, -1).map((from, i) => graph.get(from)!.get(canonical[i + 1]!)!);
        cycles.add(`import cycle between shared/ folders: ${canonical.join(' → ')} (${evidence.join('; ')})`);
      } else visit([...path, next]);
    }
  };
  for (const start of graph.keys()) visit([start]);
  return [...cycles].sort();
}
