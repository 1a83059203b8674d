// Which files under a config PATH are manifests.

import { readdir, realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';

const MANIFEST = /\.(ya?ml|json)$/i;

function join(dir: string, name: string): string {
  // Not path.join: a path the user typed as "./conf" should come back as "./conf/a.yaml".
  return dir.endsWith(sep) || dir.endsWith('/') ? `${dir}${name}` : `${dir}${sep}${name}`;
}

/**
 * PATH itself when it is a file (whatever its extension); for a folder, every *.yaml,
 * *.yml and *.json below it, sorted. Names starting with "." are skipped: a ConfigMap
 * volume shows each key as a visible symlink into hidden "..data" folders, and editors
 * keep swap files there. Symlinks are followed; a dangling one is skipped.
 */
export async function listManifestFiles(path: string): Promise<string[]> {
  const top = await stat(path);
  if (!top.isDirectory()) return [path];
  const out: string[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      const real = await realpath(dir);
      if (visited.has(real)) return; // a symlink loop
      visited.add(real);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (dir !== path && (e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while we walked
      throw e;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const s = await stat(full);
          isDir = s.isDirectory();
          isFile = s.isFile();
        } catch {
          continue;
        }
      }
      if (isDir) await walk(full);
      else if (isFile && MANIFEST.test(e.name)) out.push(full);
    }
  };
  await walk(path);
  return out.sort();
}
