// `facetext edit` on a whole photo (no --aligned): detect → align → invert → edit → paste back through
// PhotoEditor, and the report fields that describe the faces. The face stack (face-api on tfjs) is
// imported only here and only when a photo is edited, so the other commands start without it.
import type { Engine } from '../ui/worker/engine';
import type { EditSpec } from '../ui/worker/engine-api';
import type { RgbaImage } from '../ui/worker/image';
import type { FaceIdentity, IdentityScore, PhotoFace, QuadPoints } from '../ui/worker/photo-api';
import { UsageError } from './cli-args';

export interface EditPhotoOptions {
  engine: Engine;
  photo: RgbaImage;
  /** File name, for messages. */
  name: string;
  face: number | 'all';
  edits: EditSpec[];
  /** A W+ rendered instead of the face's inversion (`--latent`). */
  latent?: Float32Array;
}

export interface EditPhotoResult {
  image: RgbaImage;
  channelsKept: number[];
  warnings: string[];
  timings: Record<string, number>;
  /** The report's face fields: every face found, the one(s) edited and the first edited face's quad. */
  report: {
    faces: Array<Omit<PhotoFace, 'quad'> & { quad: QuadPoints }>;
    face: number | 'all';
    facesEdited: number[];
    quad: QuadPoints;
    notes: string[];
    /** The first edited face's identity and reconstruction scores (null: no recognition net). */
    identity: IdentityScore | null;
    reconstruction: IdentityScore | null;
    /** Every edited face's scores, when more than one face was edited. */
    faceIdentities?: FaceIdentity[];
  };
}

/** --face: a face index (0 = the largest) or "all"; the largest face when left out. */
export function parseFaceOption(value: string | boolean | undefined): number | 'all' {
  if (value === undefined) return 0;
  if (value === 'all') return 'all';
  const index = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(index)) throw new UsageError(`edit: --face must be a face number (0 is the largest) or "all", got "${String(value)}"`);
  return index;
}

export async function editPhoto({ engine, photo, name, face, edits, latent }: EditPhotoOptions): Promise<EditPhotoResult> {
  const { PhotoEditor, readFaceModelFiles } = await importFaceStack();
  const editor = new PhotoEditor(engine);
  const timings: Record<string, number> = {};
  let started = performance.now();
  await editor.loadFaceModels(readFaceModelFiles());
  timings.loadFaceModels = performance.now() - started;
  started = performance.now();
  const opened = await editor.openPhoto(photo, { name });
  timings.detect = performance.now() - started;
  const composed = await editor.composePhoto({ photoId: opened.photoId, face, edits, identity: true, ...(latent !== undefined && { latent }) });
  const round = (v: number): number => Math.round(v * 100) / 100;
  const faces = opened.faces.map((f) => ({
    ...f,
    box: { x: round(f.box.x), y: round(f.box.y), width: round(f.box.width), height: round(f.box.height) },
    score: round(f.score),
    quad: f.quad.map(([x, y]): [number, number] => [round(x), round(y)]),
    quadSize: round(f.quadSize),
  }));
  const scores = (composed.identity ?? []).map((f) => ({ face: f.face, identity: roundScore(f.identity), reconstruction: roundScore(f.reconstruction) }));
  return {
    image: composed.image,
    channelsKept: composed.channelsKept,
    warnings: composed.warnings,
    timings: { ...timings, ...composed.timings },
    report: {
      faces, face, facesEdited: composed.facesEdited, quad: faces[composed.facesEdited[0]].quad, notes: opened.notes,
      identity: scores[0]?.identity ?? null, reconstruction: scores[0]?.reconstruction ?? null, ...(scores.length > 1 && { faceIdentities: scores }),
    },
  };
}

function roundScore({ distance, score }: IdentityScore): IdentityScore {
  return { distance: Math.round(distance * 1000) / 1000, score };
}

/**
 * PhotoEditor and the Node model reader, imported on first use. Importing face-api registers tfjs's kernels
 * once per bundled copy and warns "kernel … already registered" for each (spec/face.md): harmless, so those
 * warnings are dropped; any other warning still prints.
 */
async function importFaceStack() {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && / is already registered$/.test(args[0])) return;
    warn(...args);
  };
  try {
    const [{ PhotoEditor }, { readFaceModelFiles }] = await Promise.all([import('../ui/worker/photo-editor'), import('./face-model-files')]);
    return { PhotoEditor, readFaceModelFiles };
  } finally {
    console.warn = warn;
  }
}
