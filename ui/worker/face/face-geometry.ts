// Is a detection a human face? The detector scores cats, dolls and patches as faces (scikit-image's cat,
// chelsea.png, scores 0.93), and the landmark net fits a face shape to whatever box it is given. The 68
// points still betray a non-face: their proportions. Every measure is taken in the face's own frame (u along
// the eye line, v at right angles to it, towards the mouth), in units of the eye distance, so roll, scale
// and position do not matter.
import type { Point } from './quad-transform';

// Bounds, each with a wide margin around what human faces measure. Measured (face-api's 68 points) on the
// astronaut (astronaut.png, its 256 px crop, the grey copy), both faces of 02-two-faces.jpg, the 144 px
// 07-face-too-small.png, the astronaut squeezed to 0.7 and 0.8 of its width or height (yaw and pitch
// shorten one axis like that) and rotated by ±25°, ±50°; dlib's points of the golden align cases:
//   mouthBelowEyes 0.983–1.000 · eyeToMouth 0.68–1.24 (0.85 dlib) · mouthWidth 0.92–1.06 ·
//   chinBelowEyes 1.37–2.14 · extentInBox ≥ 0.74 wide (0.97 unless rolled 50°), ≥ 0.77 high · insideBox 1.
// Anthropometric norms put a neutral mouth at about 0.85 of the pupil distance (ch–ch ≈ 50–54 mm, pupils
// ≈ 60–63 mm); a pout or an "O" narrows it to about 0.6.
// scikit-image's cat (chelsea.png, score 0.93): mouthWidth 0.51, extentInBox 0.75 × 0.55, eyeToMouth 0.77,
// chinBelowEyes 1.29. Its copies rotated by ±30°, ±60°, 90° and 180° (what the tilted retry sees): mouthWidth
// 0.26–1.13, extentInBox 0.36–0.73 × 0.17–0.80, mouthBelowEyes down to −0.62; each fails at least one bound.
// The landmark net fits a face-sized shape into any box it is given, so on a non-face the points fill only
// part of the box (extentInBox) or the mouth comes out too narrow, which is what catches the cat.
const BOUNDS = {
  // The mouth at most 45° off the perpendicular below the eye line, in the face's own frame.
  mouthBelowEyes: { min: 0.7 },
  eyeToMouth: { min: 0.5, max: 1.8 },
  mouthWidth: { min: 0.55, max: 1.6 },
  chinBelowEyes: { min: 1.0, max: 3.0 },
  extentWidth: { min: 0.6 },
  extentHeight: { min: 0.6 },
  insideBox: { min: 0.9 },
} as const;

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceGeometry {
  /** sin of the angle from eye_to_eye to eye_to_mouth: 1 when the mouth is straight below the eyes, < 0 above them. */
  mouthBelowEyes: number;
  /** |eye_to_mouth| / |eye_to_eye| (the two vectors of the FFHQ alignment). */
  eyeToMouth: number;
  /** Mouth corners 48–54 apart / eye distance. */
  mouthWidth: number;
  /** How far the chin (point 8) lies below the eye line / eye distance. */
  chinBelowEyes: number;
  /** The landmarks' bounding box over the detector's box, width and height. */
  extentInBox: [number, number];
  /** Fraction of the 68 points inside the detector's box grown by a quarter of its size on each side. */
  insideBox: number;
}

/** The measures above for 68 dlib-layout landmarks and the box they were predicted in. */
export function measureFaceGeometry(landmarks: readonly (readonly number[])[], box: FaceBox): FaceGeometry {
  if (landmarks.length !== 68) throw new Error(`measureFaceGeometry needs 68 landmarks, got ${landmarks.length}`);
  const eyeLeft = mean(landmarks.slice(36, 42));
  const eyeRight = mean(landmarks.slice(42, 48));
  const eyeAvg: Point = [(eyeLeft[0] + eyeRight[0]) / 2, (eyeLeft[1] + eyeRight[1]) / 2];
  const eyeToEye: Point = [eyeRight[0] - eyeLeft[0], eyeRight[1] - eyeLeft[1]];
  const mouthAvg: Point = [(landmarks[48][0] + landmarks[54][0]) / 2, (landmarks[48][1] + landmarks[54][1]) / 2];
  const eyeToMouth: Point = [mouthAvg[0] - eyeAvg[0], mouthAvg[1] - eyeAvg[1]];
  const eyes = Math.hypot(...eyeToEye);
  const mouth = Math.hypot(...eyeToMouth);
  // v = rot90(u) points from the eyes towards the mouth of an upright face (image y grows downwards).
  const down = ([x, y]: readonly number[]): number => ((x - eyeAvg[0]) * -eyeToEye[1] + (y - eyeAvg[1]) * eyeToEye[0]) / (eyes * eyes);

  const xs = landmarks.map((p) => p[0]);
  const ys = landmarks.map((p) => p[1]);
  const grownX = box.width / 4;
  const grownY = box.height / 4;
  const inside = landmarks.filter(([x, y]) => x >= box.x - grownX && x <= box.x + box.width + grownX && y >= box.y - grownY && y <= box.y + box.height + grownY);
  return {
    mouthBelowEyes: (eyeToEye[0] * eyeToMouth[1] - eyeToEye[1] * eyeToMouth[0]) / (eyes * mouth), // NaN when points coincide
    eyeToMouth: mouth / eyes,
    mouthWidth: Math.hypot(landmarks[54][0] - landmarks[48][0], landmarks[54][1] - landmarks[48][1]) / eyes,
    chinBelowEyes: down(landmarks[8]),
    extentInBox: [(Math.max(...xs) - Math.min(...xs)) / box.width, (Math.max(...ys) - Math.min(...ys)) / box.height],
    insideBox: inside.length / landmarks.length,
  };
}

function mean(points: readonly (readonly number[])[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}

/**
 * Why these landmarks are not a human face ("mouthWidth 0.51 is under 0.55"), or null when every measure is
 * within the bounds of human faces. A detection with a problem is no face: detectFaces leaves it out, so a
 * photo of only such detections gets NoFace, and nothing that is not a face can be selected for editing.
 */
export function faceGeometryProblem(geometry: FaceGeometry): string | null {
  const values: Record<keyof typeof BOUNDS, number> = {
    mouthBelowEyes: geometry.mouthBelowEyes,
    eyeToMouth: geometry.eyeToMouth,
    mouthWidth: geometry.mouthWidth,
    chinBelowEyes: geometry.chinBelowEyes,
    extentWidth: geometry.extentInBox[0],
    extentHeight: geometry.extentInBox[1],
    insideBox: geometry.insideBox,
  };
  for (const [name, value] of Object.entries(values) as [keyof typeof BOUNDS, number][]) {
    const bound: { min?: number; max?: number } = BOUNDS[name];
    if (!Number.isFinite(value)) return `${name} is not a number`;
    if (bound.min !== undefined && value < bound.min) return `${name} ${value.toFixed(2)} is under ${bound.min}`;
    if (bound.max !== undefined && value > bound.max) return `${name} ${value.toFixed(2)} is over ${bound.max}`;
  }
  return null;
}
