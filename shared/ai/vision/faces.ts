// Face detection (BlazeFace, aligned by FaceMesh) with a 1024-value FaceRes descriptor per face, for clustering
// the same person across assets (see face-clusters.ts).
import { detectWithHuman } from './human.ts';
import { clampBox, type Box, type ImageInput } from './image.ts';

export interface DetectedFace {
  box: Box;
  /** 0..1 */
  confidence: number;
  /** FaceRes embedding, 1024 values; compare with faceSimilarity() */
  descriptor: Float32Array;
}

export interface DetectFacesOptions {
  /** drop faces below this score (default 0.5) */
  minConfidence?: number;
}

/** Faces in the image, largest first. Faces the descriptor model could not describe are left out. */
export async function detectFaces(image: ImageInput, options: DetectFacesOptions = {}): Promise<DetectedFace[]> {
  const minConfidence = options.minConfidence ?? 0.5;
  const result = await detectWithHuman(image, { face: { enabled: true }, object: { enabled: false } });
  return result.face
    .filter((face) => face.score >= minConfidence && face.embedding?.length === 1024)
    .map((face) => ({ box: clampBox(face.boxRaw), confidence: face.score, descriptor: Float32Array.from(face.embedding!) }))
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}
