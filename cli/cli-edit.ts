// `facetext edit`: invert an aligned face (--aligned) or every chosen face of a photo (cli-edit-photo.ts),
// apply a prompt (global direction) and/or a latent mapper, render, write a PNG and print ONE JSON object
// (backend, pack, faces found/edited and the quad for a photo, channelsKept, warnings, ms per stage).
// --latent <wplus.npy> (python3 -m models.optimize) takes the place of the inversion: rendered alone with
// --aligned, or pasted into the chosen face of --image.
import { basename, join } from 'node:path';
import { DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_MAPPER_STRENGTH, DEFAULT_NEUTRAL } from '../contract/edit-spec';
import { problemsOf } from '../contract/edit-problems';
import { Engine } from '../ui/worker/engine';
import { EngineError } from '../ui/worker/errors';
import type { EditSpec, PackSummary, RenderResolution } from '../ui/worker/engine-api';
import type { RgbaImage } from '../ui/worker/image';
import { resizePillow } from '../ui/worker/resize-pillow';
import { optionalNumber, readArgs, requiredString, UsageError, type ParsedArgs } from './cli-args';
import { editPhoto, parseFaceOption, type EditPhotoResult } from './cli-edit-photo';
import { encodePng, readImageFile } from './image-file';
import { readLatentFile } from './latent-file';
import { checkOutputFile, writeOutputFile } from './output-file';
import { packDirArg } from './pack-dir-arg';
import { packFromDirectory } from './read-pack-dir';
import { packageRoot } from './cli-tokenize';

const OPTIONS = {
  pack: { type: 'string' },
  image: { type: 'string' },
  prompt: { type: 'string' },
  neutral: { type: 'string' },
  alpha: { type: 'string' },
  beta: { type: 'string' },
  mapper: { type: 'string' },
  strength: { type: 'string' },
  preview: { type: 'boolean' },
  aligned: { type: 'boolean' },
  face: { type: 'string' },
  latent: { type: 'string' },
  out: { type: 'string' },
} as const;

export async function editCommand(args: readonly string[]): Promise<number> {
  const started = performance.now();
  const { values } = readArgs('edit', args, OPTIONS, { numbers: ['alpha', 'beta', 'strength'] });
  const packDir = packDirArg((values.pack as string | undefined) ?? demoPackDir());
  const latentPath = values.latent as string | undefined;
  const aligned = values.aligned === true;
  const latentAlone = latentPath !== undefined && aligned; // the W+ is the face: there is no image to read
  if (latentAlone && values.image !== undefined) throw new UsageError('edit: --aligned --latent renders the latent alone; leave out --image (or leave out --aligned to paste it into a photo)');
  const imagePath = latentAlone ? null : requiredString('edit', values, 'image', 'png or jpg');
  const out = requiredString('edit', values, 'out', 'png');
  const edits = editsFromArgs(values, { latent: latentPath !== undefined });
  if (aligned && values.face !== undefined) throw new UsageError('edit: --face picks a face in a photo; leave it out with --aligned (the image is one aligned face)');
  if (!aligned && values.preview === true) throw new UsageError('edit: --preview renders an aligned face at preview size; give --aligned too (photos are edited at full size)');
  const face = aligned ? undefined : parseFaceOption(values.face);
  if (latentPath !== undefined && face === 'all') throw new UsageError('edit: a latent is one face; give --face <n> (or leave --face out for the largest face), not all');
  // Everything that can be refused without the pack or the image is refused before either is read.
  const [problem] = problemsOf(edits, null);
  if (problem !== undefined) throw new EngineError('BadArgument', problem.message);
  checkOutputFile(out, { image: imagePath ?? latentPath! });

  const ms: Record<string, number> = {};
  const time = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      ms[stage] = (ms[stage] ?? 0) + (performance.now() - t);
    }
  };

  const engine = new Engine();
  try {
    const photo = imagePath === null ? null : await time('readImage', () => readImageFile(imagePath));
    const summary = await time('loadPack', async () => engine.useLoadedPack(await packFromDirectory(packDir)));
    engine.checkEdits(edits); // an unknown mapper fails before the encoder runs
    const latent = latentPath === undefined ? undefined : await time('readLatent', () => readLatentFile(latentPath, summary));
    const warnings: string[] = [];
    const resolution: RenderResolution = values.preview === true ? largestPreview(summary) : 'full';
    let result: { image: RgbaImage; channelsKept: number[]; warnings: string[] };
    let faces: EditPhotoResult['report'] | undefined;
    if (face === undefined) {
      const inverted = latent !== undefined ? await engine.faceFromWPlus(latent) : await engine.invert(await time('prepareFace', () => prepareFace(photo!, summary, warnings)));
      const rendered = await engine.render({ faceKey: inverted.faceKey, edits, resolution });
      result = rendered;
      Object.assign(ms, prefixed('invert.', inverted.timings), prefixed('render.', rendered.timings));
    } else {
      const edited = await editPhoto({ engine, photo: photo!, name: basename(imagePath!), face, edits, latent });
      result = edited;
      faces = edited.report;
      warnings.push(...faces.notes);
      Object.assign(ms, edited.timings);
    }
    await time('writePng', () => writeOutputFile(out, encodePng(result.image)));
    ms.total = performance.now() - started;
    const report = {
      backend: await engine.backend(),
      pack: summary.id,
      image: imagePath,
      ...(latentPath !== undefined && { latent: latentPath }),
      out,
      size: [result.image.width, result.image.height],
      resolution,
      ...(faces && { faces: faces.faces, face: faces.face, facesEdited: faces.facesEdited, quad: faces.quad }),
      ...(faces && { identity: faces.identity, reconstruction: faces.reconstruction, ...(faces.faceIdentities && { faceIdentities: faces.faceIdentities }) }),
      edits,
      channelsKept: result.channelsKept,
      warnings: [...warnings, ...result.warnings],
      ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  } finally {
    await engine.dispose();
  }
}

/** --mapper first (it changes W+), then --prompt (adds α·Δs to S); at least one of them, unless a latent is the edit. */
function editsFromArgs(values: ParsedArgs['values'], { latent }: { latent: boolean }): EditSpec[] {
  const edits: EditSpec[] = [];
  const prompt = values.prompt as string | undefined;
  const mapper = values.mapper as string | undefined;
  if (mapper !== undefined) {
    edits.push({ kind: 'mapper', mapper, strength: optionalNumber('edit', values, 'strength', DEFAULT_MAPPER_STRENGTH) });
  } else if (values.strength !== undefined) {
    throw new UsageError('edit: --strength sets the strength of --mapper; give --mapper <name> too (--alpha sets the strength of --prompt)');
  }
  if (prompt !== undefined) {
    edits.push({
      kind: 'global',
      target: prompt,
      neutral: (values.neutral as string | undefined) ?? DEFAULT_NEUTRAL,
      alpha: optionalNumber('edit', values, 'alpha', DEFAULT_ALPHA),
      beta: optionalNumber('edit', values, 'beta', DEFAULT_BETA),
    });
  } else {
    for (const name of ['neutral', 'alpha', 'beta']) {
      if (values[name] !== undefined) throw new UsageError(`edit: --${name} belongs to a text edit; give --prompt "<target text>" too`);
    }
  }
  if (edits.length === 0 && !latent) throw new UsageError('edit: say what to change: --prompt "<target text>" and/or --mapper <name> (or --latent <wplus.npy>)');
  return edits;
}

/**
 * The aligned face the encoder takes. Only --aligned input exists for now: a face already aligned, brought
 * to the encoder size with Pillow's bilinear resize (as e4e's torchvision Resize does, aspect ratio not
 * kept) when it is another size. The face pipeline (detect → align → paste back) plugs in here.
 */
function prepareFace(photo: RgbaImage, summary: PackSummary, warnings: string[]): RgbaImage {
  const size = summary.encoderSize;
  if (photo.width === size && photo.height === size) return photo;
  warnings.push(`The aligned face is ${photo.width}×${photo.height}; it was resized to ${size}×${size} (bilinear, aspect ratio not kept).`);
  return resizePillow(photo, { width: size, height: size, filter: 'bilinear' });
}

function largestPreview(summary: PackSummary): number {
  if (summary.previewResolutions.length === 0) throw new UsageError(`edit: pack ${summary.id} has no preview resolutions; leave out --preview`);
  return Math.max(...summary.previewResolutions);
}

function prefixed(prefix: string, timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [prefix + k, v]));
}

/** Without --pack, `edit` uses the demonstration pack that ships in the repository (models/packs/demo). */
function demoPackDir(): string {
  const root = packageRoot();
  if (root === undefined) throw new UsageError('edit: give --pack <dir> (the demonstration pack was not found beside this facetext install)');
  return join(root, 'models/packs/demo');
}
