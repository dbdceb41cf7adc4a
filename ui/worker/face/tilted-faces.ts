// Tilted faces. FFHQ alignment handles any roll, but ssd_mobilenetv1 and the landmark net were trained on
// roughly upright faces. Measured on the astronaut (astronaut.png and its 256 px crop, rotated on a grey
// canvas), quad corners against the upright detection rotated alike, in % of qsize:
//   roll         15°       25°        35°        45°        55°         65°, 75°
//   one pass     0.9–2.2   1.7–4.0    3.0–4.6    1.5–4.3    7–45        missed, or 130 (a wrong fit)
//   at −25° the face is missed altogether (score 0.34 < 0.5).
// Two steps fix both, and neither runs for a face the detector saw within MAX_SEEN_ROLL of upright:
//   1. no face at all → detect again on copies rotated by ±30° (RETRY_DEGREES);
//   2. a face seen rolled by more than MAX_SEEN_ROLL → detect again on a copy turned by minus its roll,
//      and keep that detection of it. Faces are then seen within a few degrees of upright: ≤ 3 % of qsize.
// Landmarks found on a rotated copy are mapped back onto the photo; the quad is built from them as usual.
// Measured after both steps, same photos: 0.6–3.0 % of qsize at every roll from ±15° to ±75°.
// Not handled: from about 75° on, and upside down, the upright pass can fit an upright face shape to the
// turned face (scores 0.55–0.83, proportions within the geometry bounds), and that wrong quad is kept
// (the 256 px crop at 75° and 85°, the astronaut at 180°). Retrying whenever the best score is under 0.85
// fixed 75° and ±90° but not 85°, 120° or 180°, and costs two more passes for weak upright faces.
import { MAX_IMAGE_SIDE } from '../../../contract/limits';
import type { Face } from './detect';
import { faceQuad } from './align';
import type { Point } from './quad-transform';
import type { RgbaImage } from '../image';
import { rotateImage } from './rotate-image';

/** One detector pass with the geometry check, in the pixel-index coordinates of the image it is given. */
export type DetectPass = (image: RgbaImage) => Promise<Face[]>;

// The detector finds faces up to about ±45° of roll (at lower scores beyond 25°), so copies rotated by ±30°
// bring back faces rolled by up to about ±75°; step 2 then straightens what they found.
const RETRY_DEGREES = [30, -30];
// Up to 15° of roll the one pass's quads are within 2.2 % of qsize (table above); beyond, straighten the face.
const MAX_SEEN_ROLL = 15;
// Each tilted face costs one more pass; a group photo of tilted faces stops straightening after these.
const MAX_STRAIGHTENING_PASSES = 4;

/** Step 1: faces on copies rotated by ±30°, for a photo whose upright pass found none. */
export async function findTiltedFaces(input: RgbaImage, pass: DetectPass): Promise<Face[]> {
  const found: Face[] = [];
  for (const degrees of RETRY_DEGREES) found.push(...(await detectRotated(input, degrees, pass)));
  // The same face seen on both copies: the better-scoring detection of it wins.
  const kept: Face[] = [];
  for (const face of found.sort((a, b) => b.score - a.score)) {
    if (!kept.some((other) => sameFace(face, other))) kept.push(face);
  }
  return straightenFaces(input, kept, pass);
}

/**
 * Step 2: each face the detector saw rolled by more than MAX_SEEN_ROLL, detected again turned upright. Other
 * faces that pass finds are added: in a tilted group photo the upright pass may see only the largest face.
 */
export async function straightenFaces(input: RgbaImage, faces: Face[], pass: DetectPass): Promise<Face[]> {
  const result = [...faces];
  let passes = 0;
  for (const face of faces) {
    if (Math.abs(seenRoll(face)) <= MAX_SEEN_ROLL || passes === MAX_STRAIGHTENING_PASSES) continue;
    if (!result.includes(face)) continue; // replaced by an earlier pass that straightened it too
    passes++;
    for (const again of await detectRotated(input, -Math.round(rollOf(face)), pass)) {
      const index = result.findIndex((other) => sameFace(again, other));
      if (index < 0) result.push(again); // a face tilted like this one that the upright pass missed
      else if (Math.abs(seenRoll(again)) < Math.abs(seenRoll(result[index]))) result[index] = again;
    }
  }
  return result;
}

/** One pass on the input rotated clockwise by `degrees`; faces in the input's coordinates. */
async function detectRotated(input: RgbaImage, degrees: number, pass: DetectPass): Promise<Face[]> {
  const rotated = rotateImage(input, { degrees, maxSide: MAX_IMAGE_SIDE });
  return (await pass(rotated.image)).map((face): Face => {
    const { x, y, width, height } = face.box;
    const corners = [[x, y], [x + width, y], [x, y + height], [x + width, y + height]].map(rotated.toSource);
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    const left = Math.min(...xs);
    const top = Math.min(...ys);
    return {
      box: { x: left, y: top, width: Math.max(...xs) - left, height: Math.max(...ys) - top },
      score: face.score,
      landmarks: face.landmarks.map(rotated.toSource),
      rotated: degrees,
    };
  });
}

/** The eye line's angle in the photo, degrees clockwise on screen. */
function rollOf(face: Face): number {
  const [dx, dy] = faceQuad(face.landmarks).steps.eyeToEye;
  return (Math.atan2(dy, dx) * 180) / Math.PI;
}

/** The roll as the detector saw it, on the copy it was found on. */
function seenRoll(face: Face): number {
  const roll = rollOf(face) + (face.rotated ?? 0);
  return roll - 360 * Math.round(roll / 360);
}

/**
 * Two detections of one face: eye centres closer than the smaller eye distance (two faces side by side
 * have them about 2.2 eye distances apart). A badly fitted detection of a steeply rolled face can have its
 * eyes 22 px off for an eye distance of 33–43 px (measured at 70°), so either eye centre inside the other's
 * box also counts.
 */
function sameFace(a: Face, b: Face): boolean {
  const [ca, da] = eyes(a);
  const [cb, db] = eyes(b);
  return Math.hypot(ca[0] - cb[0], ca[1] - cb[1]) < Math.min(da, db) || inside(ca, b.box) || inside(cb, a.box);
}

function eyes(face: Face): [Point, number] {
  const { eyeAvg, eyeToEye } = faceQuad(face.landmarks).steps;
  return [eyeAvg, Math.hypot(...eyeToEye)];
}

function inside([x, y]: Point, box: Face['box']): boolean {
  return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
}
