// `npm run gen:crd`: writes the ReverseProxyTarget CRD built in src/api/crd-schema.ts to crds/.
// test/api/crd-schema.test.ts fails when the committed file differs from a fresh rendering.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from '../src/api/crd-schema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, CRD_FILE);
await mkdir(dirname(target), { recursive: true });
await writeFile(target, crdYaml());
process.stdout.write(`wrote ${CRD_FILE}\n`);
