// Object detection (CenterNet, the 80 COCO classes) as suggestions an editor accepts or rejects.
import { detectWithHuman } from './human.ts';
import { clampBox, type Box, type ImageInput } from './image.ts';
import { spanishLabel } from './labels.ts';

export interface ObjectSuggestion {
  /** COCO class name in English, as the model names it ("person", "dining table", "cell phone") */
  label: string;
  /** the same class in Spanish ("persona", "mesa de comedor", "teléfono móvil") */
  labelEs: string;
  /** 0..1 */
  confidence: number;
  box: Box;
  source: 'ai';
  status: 'suggested';
}

export interface DetectObjectsOptions {
  /** drop detections below this score (default 0.3: below it CenterNet mostly repeats the same person or guesses) */
  minConfidence?: number;
  /** at most this many, best first (default 20) */
  maxResults?: number;
}

/** Objects in the image, best first. */
export async function detectObjects(image: ImageInput, options: DetectObjectsOptions = {}): Promise<ObjectSuggestion[]> {
  const minConfidence = options.minConfidence ?? 0.3;
  const result = await detectWithHuman(image, { face: { enabled: false }, object: { enabled: true } });
  return result.object
    .filter((object) => object.score >= minConfidence)
    .sort((a, b) => b.score - a.score)
    .slice(0, options.maxResults ?? 20)
    .map((object) => ({
      label: object.label,
      labelEs: spanishLabel(object.label),
      confidence: object.score,
      box: clampBox(object.boxRaw),
      source: 'ai',
      status: 'suggested',
    }));
}
