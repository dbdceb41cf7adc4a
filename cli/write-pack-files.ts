// Replaces files of a pack folder that pack.json already lists (the builders' s-mean.f32, s-std.f32,
// relevance.f32) and rewrites pack.json with their new sizes and sha256, keeping every other field as it
// was. Each file is written to a temporary name and renamed, pack.json last, so an interrupted write
// leaves either the old pack or the new one.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PACK_JSON } from '../ui/worker/pack/pack-schema';

export async function writePackFiles(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const folder = resolve(dir);
  const packJsonPath = join(folder, PACK_JSON);
  const json = JSON.parse(await readFile(packJsonPath, 'utf8')) as { files?: Record<string, { bytes: number; sha256: string }> };
  const listed = json.files ?? {};
  for (const name of files.keys()) {
    if (!(name in listed)) {
      throw new Error(`writePackFiles: ${name} is not listed in ${packJsonPath}; only files pack.json already lists can be replaced (${Object.keys(listed).join(', ')})`);
    }
  }
  for (const [name, bytes] of files) {
    await replaceFile(join(folder, name), bytes);
    listed[name] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  await replaceFile(packJsonPath, new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
}

/** Little-endian float32 bytes of `values` (the .f32 pack format). */
export function float32Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

async function replaceFile(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.writing`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}
