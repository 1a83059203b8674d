// The live file source behind `passthru serve --config PATH`: reads the manifests, watches
// them, and hands on a snapshot whenever what should be served changes. A file whose new
// version has a problem is rejected as a whole and its last good version keeps serving,
// so a half-saved edit never takes routes down.

import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { KIND, targetKey, type ReverseProxyTarget, type SecretObject } from '../api/types.ts';
import {
  claimObject,
  formatProblem,
  objectKey,
  parseManifestText,
  type ManifestProblem,
  type ObjectOrigin,
  type ParsedFile,
} from './manifests.ts';
import { listManifestFiles } from './list.ts';

export { listManifestFiles } from './list.ts';

export interface FileSnapshot {
  targets: ReverseProxyTarget[];
  secrets: SecretObject[];
}

export interface FileSourceOptions {
  path: string;
  logger: Logger;
  onChange: (snapshot: FileSnapshot) => void;
  onRejected?: (problems: ManifestProblem[]) => void;
  debounceMs?: number;
}

/** Safety net for lost inotify events (and for a watcher that could not be set up). */
const POLL_MS = 2000;

interface Version {
  targets: ReverseProxyTarget[];
  secrets: SecretObject[];
  origins: Map<string, ObjectOrigin>;
}

interface FileState {
  mtimeMs: number;
  size: number;
  hash: string;
  parsed: ParsedFile;
  good?: Version;
  /** The rejection last logged for this file, so the same one is not logged again. */
  reported?: string;
}

function versionOf(parsed: ParsedFile): Version {
  return { targets: parsed.targets, secrets: parsed.secrets, origins: new Map(parsed.origins.map((o) => [o.key, o])) };
}

type Named = { metadata: { namespace: string; name: string } };

function byKey(a: Named, b: Named): number {
  const x = targetKey(a.metadata);
  const y = targetKey(b.metadata);
  return x < y ? -1 : x > y ? 1 : 0;
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export class FileSource {
  readonly #o: FileSourceOptions;
  readonly #debounceMs: number;
  readonly #files = new Map<string, FileState>();
  #snapshot: FileSnapshot = { targets: [], secrets: [] };
  #snapshotKey = '';
  #started = false;
  #closed = false;
  #pathMissing = false;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** A scan asked for while one was running; true when it must re-read every file. */
  #pending: boolean | undefined;

  constructor(o: FileSourceOptions) {
    this.#o = o;
    this.#debounceMs = o.debounceMs ?? 100;
  }

  async start(): Promise<FileSnapshot> {
    try {
      await stat(this.#o.path);
    } catch (e) {
      const err = new Error(
        code(e) === 'ENOENT'
          ? `config path ${JSON.stringify(this.#o.path)} does not exist`
          : `config path ${JSON.stringify(this.#o.path)} cannot be read: ${(e as Error).message}`,
      ) as Error & { code: string };
      err.code = 'PASSTHRU_CONFIG_PATH';
      throw err;
    }
    // Watch before the first read, so that nothing written in between goes unnoticed.
    await this.#watch();
    try {
      await this.#scan(true);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.#started = true;
    this.#poll = setInterval(() => {
      if (this.#watcher === undefined) void this.#watch();
      this.#request(false);
    }, POLL_MS);
    return this.#snapshot;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    this.#pending = undefined;
    while (this.#running !== undefined) await this.#running;
    // libuv releases a closed watcher in the close phase of the loop: one full turn later,
    // nothing of this source is left holding the process open.
    await nextTurn();
    await nextTurn();
  }

  async #watch(): Promise<void> {
    if (this.#closed) return;
    try {
      const isDir = (await stat(this.#o.path)).isDirectory();
      // A single file is watched through its folder: editors and ConfigMap updates
      // replace it by rename, which a watch on the file itself would not survive.
      const dir = isDir ? this.#o.path : dirname(this.#o.path);
      if (this.#closed || this.#watcher !== undefined) return;
      const w = watch(dir, { recursive: isDir }, () => this.#schedule());
      w.on('error', (err) => {
        this.#o.logger.warn({ err, path: this.#o.path }, 'configuration watch failed; polling until it can be set up again');
        w.close();
        if (this.#watcher === w) this.#watcher = undefined;
      });
      this.#watcher = w;
    } catch (err) {
      this.#o.logger.warn({ err, path: this.#o.path }, 'cannot watch configuration path; polling every 2s');
    }
  }

  #schedule(): void {
    // Not reset by further events, so a steady stream of writes cannot postpone the reload.
    if (this.#closed || this.#debounce !== undefined) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#request(true);
    }, this.#debounceMs);
  }

  #request(deep: boolean): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#pending = (this.#pending ?? false) || deep;
      return;
    }
    this.#running = this.#scan(deep)
      .catch((err: unknown) => this.#o.logger.error({ err }, 'configuration rescan failed'))
      .finally(() => {
        this.#running = undefined;
        const next = this.#pending;
        this.#pending = undefined;
        if (next !== undefined) this.#request(next);
      });
  }

  /**
   * The manifest files, or undefined while PATH itself is missing: then everything keeps
   * serving as it is, since a vanished PATH is far more often a save or a remount in
   * progress than a wish to serve nothing.
   */
  async #list(): Promise<string[] | undefined> {
    try {
      const files = await listManifestFiles(this.#o.path);
      if (this.#pathMissing) this.#o.logger.info({ path: this.#o.path }, 'configuration path is back');
      this.#pathMissing = false;
      return files;
    } catch (err) {
      if (code(err) !== 'ENOENT') throw err;
      if (!this.#pathMissing) {
        this.#o.logger.warn({ path: this.#o.path }, 'configuration path is gone; keeping the last configuration');
      }
      this.#pathMissing = true;
      return undefined;
    }
  }

  /** `deep`: hash every file (after a watch event); otherwise only those whose stat changed. */
  async #scan(deep: boolean): Promise<void> {
    const files = await this.#list();
    if (files === undefined) return;
    let changed = !this.#started;
    const present = new Set(files);
    for (const file of [...this.#files.keys()]) {
      if (!present.has(file)) changed = this.#files.delete(file) || changed;
    }
    for (const file of files) {
      if (this.#closed) return;
      changed = (await this.#read(file, deep)) || changed;
    }
    if (changed && !this.#closed) this.#compose();
  }

  /** Re-reads one file if needed; true when its content changed (or it vanished). */
  async #read(file: string, deep: boolean): Promise<boolean> {
    const prev = this.#files.get(file);
    let text: string;
    let st: { mtimeMs: number; size: number };
    try {
      st = await stat(file);
      if (prev !== undefined && !deep && prev.mtimeMs === st.mtimeMs && prev.size === st.size) return false;
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (code(err) === 'ENOENT') return this.#files.delete(file);
      // Unreadable (permissions, a folder named *.yaml...): a rejected version of the file.
      const hash = `unreadable: ${(err as Error).message}`;
      const problems = [{ file, line: 1, path: '', message: `cannot read file: ${(err as Error).message}` }];
      const parsed: ParsedFile = { targets: [], secrets: [], problems, ignored: [], origins: [] };
      this.#files.set(file, { mtimeMs: -1, size: -1, hash, parsed, good: prev?.good, reported: prev?.reported });
      return prev?.hash !== hash;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (prev !== undefined && prev.hash === hash) {
      prev.mtimeMs = st.mtimeMs;
      prev.size = st.size;
      return false;
    }
    const parsed = parseManifestText(text, file);
    for (const i of parsed.ignored) {
      this.#o.logger.debug({ file, line: i.line, kind: i.kind, name: i.name }, 'ignoring object of a kind passthru does not serve');
    }
    this.#files.set(file, { mtimeMs: st.mtimeMs, size: st.size, hash, parsed, good: prev?.good, reported: prev?.reported });
    return true;
  }

  /** Decides, file by file in sorted order, which version of each file serves. */
  #compose(): void {
    const claimed = new Map<string, ObjectOrigin>();
    const targets: ReverseProxyTarget[] = [];
    const secrets: SecretObject[] = [];
    for (const file of [...this.#files.keys()].sort()) {
      const state = this.#files.get(file) as FileState;
      const latest = versionOf(state.parsed);
      const problems = [...state.parsed.problems];
      if (problems.length === 0) {
        // The earlier file keeps an object defined twice; test without claiming yet.
        const trial = new Map(claimed);
        for (const origin of latest.origins.values()) {
          const p = claimObject(trial, origin);
          if (p !== undefined) problems.push(p);
        }
      }
      let serving: Version | undefined;
      if (problems.length === 0) {
        state.good = latest;
        state.reported = undefined;
        serving = latest;
      } else {
        this.#reject(file, state, problems);
        serving = state.good;
      }
      if (serving === undefined) continue;
      for (const t of serving.targets) {
        const origin = serving.origins.get(objectKey(KIND, t.metadata));
        if (origin !== undefined && claimObject(claimed, origin) === undefined) targets.push(t);
      }
      for (const s of serving.secrets) {
        const origin = serving.origins.get(objectKey('Secret', s.metadata));
        if (origin !== undefined && claimObject(claimed, origin) === undefined) secrets.push(s);
      }
    }
    const snapshot = { targets: targets.sort(byKey), secrets: secrets.sort(byKey) };
    const key = JSON.stringify(snapshot);
    if (key === this.#snapshotKey) {
      this.#o.logger.debug({ files: this.#files.size }, 'configuration files changed, served configuration did not');
      return;
    }
    this.#snapshot = snapshot;
    this.#snapshotKey = key;
    this.#o.logger.info(
      { targets: targets.length, secrets: secrets.length, files: this.#files.size },
      'configuration loaded',
    );
    if (this.#started && !this.#closed) this.#o.onChange(snapshot);
  }

  #reject(file: string, state: FileState, problems: ManifestProblem[]): void {
    const lines = problems.map(formatProblem);
    const key = `${state.hash}\n${lines.join('\n')}`;
    if (state.reported === key) return;
    state.reported = key;
    this.#o.logger.error({ file, problems: lines }, 'configuration file rejected');
    this.#o.onRejected?.(problems);
  }
}
