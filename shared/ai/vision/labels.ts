// The 80 COCO object classes the detector names, in English (the model's own names) and Spanish, with the
// common synonyms of each language (Spain and Latin America), so "coche", "auto" or "car" all find a detected car.

export interface CocoLabel {
  /** the model's class name */
  en: string;
  /** the Spanish name shown to editors */
  es: string;
  /** other words people search for this class with, in either language */
  aliases: readonly string[];
}

export const COCO_LABELS: readonly CocoLabel[] = [
  { en: 'person', es: 'persona', aliases: ['people', 'human', 'personas', 'gente'] },
  { en: 'bicycle', es: 'bicicleta', aliases: ['bike', 'bici'] },
  { en: 'car', es: 'coche', aliases: ['automobile', 'auto', 'automóvil', 'carro'] },
  { en: 'motorcycle', es: 'motocicleta', aliases: ['motorbike', 'moto'] },
  { en: 'airplane', es: 'avión', aliases: ['aeroplane', 'plane', 'aircraft', 'aeronave'] },
  { en: 'bus', es: 'autobús', aliases: ['ómnibus', 'colectivo', 'guagua'] },
  { en: 'train', es: 'tren', aliases: ['locomotive', 'locomotora'] },
  { en: 'truck', es: 'camión', aliases: ['lorry'] },
  { en: 'boat', es: 'barco', aliases: ['ship', 'bote', 'embarcación', 'lancha'] },
  { en: 'traffic light', es: 'semáforo', aliases: ['traffic signal'] },
  { en: 'fire hydrant', es: 'boca de incendios', aliases: ['hydrant', 'hidrante'] },
  { en: 'stop sign', es: 'señal de stop', aliases: ['señal de alto', 'señal de pare'] },
  { en: 'parking meter', es: 'parquímetro', aliases: [] },
  { en: 'bench', es: 'banco', aliases: ['banca'] },
  { en: 'bird', es: 'pájaro', aliases: ['ave'] },
  { en: 'cat', es: 'gato', aliases: ['kitten', 'gatito'] },
  { en: 'dog', es: 'perro', aliases: ['puppy', 'cachorro'] },
  { en: 'horse', es: 'caballo', aliases: [] },
  { en: 'sheep', es: 'oveja', aliases: ['cordero'] },
  { en: 'cow', es: 'vaca', aliases: ['cattle', 'ganado'] },
  { en: 'elephant', es: 'elefante', aliases: [] },
  { en: 'bear', es: 'oso', aliases: [] },
  { en: 'zebra', es: 'cebra', aliases: [] },
  { en: 'giraffe', es: 'jirafa', aliases: [] },
  { en: 'backpack', es: 'mochila', aliases: ['rucksack'] },
  { en: 'umbrella', es: 'paraguas', aliases: ['sombrilla'] },
  { en: 'handbag', es: 'bolso', aliases: ['purse', 'cartera'] },
  { en: 'tie', es: 'corbata', aliases: ['necktie'] },
  { en: 'suitcase', es: 'maleta', aliases: ['luggage', 'valija', 'equipaje'] },
  { en: 'frisbee', es: 'frisbi', aliases: ['disco volador'] },
  { en: 'skis', es: 'esquís', aliases: ['ski', 'esquí'] },
  { en: 'snowboard', es: 'tabla de snowboard', aliases: [] },
  { en: 'sports ball', es: 'pelota', aliases: ['ball', 'football', 'balón'] },
  { en: 'kite', es: 'cometa', aliases: ['papalote', 'barrilete'] },
  { en: 'baseball bat', es: 'bate de béisbol', aliases: ['bate'] },
  { en: 'baseball glove', es: 'guante de béisbol', aliases: [] },
  { en: 'skateboard', es: 'monopatín', aliases: ['patineta'] },
  { en: 'surfboard', es: 'tabla de surf', aliases: [] },
  { en: 'tennis racket', es: 'raqueta de tenis', aliases: ['racket', 'racquet', 'raqueta'] },
  { en: 'bottle', es: 'botella', aliases: [] },
  { en: 'wine glass', es: 'copa de vino', aliases: ['copa'] },
  { en: 'cup', es: 'taza', aliases: ['mug'] },
  { en: 'fork', es: 'tenedor', aliases: [] },
  { en: 'knife', es: 'cuchillo', aliases: [] },
  { en: 'spoon', es: 'cuchara', aliases: [] },
  { en: 'bowl', es: 'cuenco', aliases: ['bol', 'tazón'] },
  { en: 'banana', es: 'plátano', aliases: ['guineo'] },
  { en: 'apple', es: 'manzana', aliases: [] },
  { en: 'sandwich', es: 'sándwich', aliases: ['bocadillo', 'emparedado'] },
  { en: 'orange', es: 'naranja', aliases: [] },
  { en: 'broccoli', es: 'brócoli', aliases: [] },
  { en: 'carrot', es: 'zanahoria', aliases: [] },
  { en: 'hot dog', es: 'perrito caliente', aliases: ['perro caliente', 'pancho', 'jocho'] },
  { en: 'pizza', es: 'pizza', aliases: [] },
  { en: 'donut', es: 'dónut', aliases: ['doughnut', 'rosquilla', 'dona'] },
  { en: 'cake', es: 'tarta', aliases: ['pastel', 'torta'] },
  { en: 'chair', es: 'silla', aliases: [] },
  { en: 'couch', es: 'sofá', aliases: ['sofa'] },
  { en: 'potted plant', es: 'planta en maceta', aliases: ['houseplant', 'plant', 'planta', 'maceta'] },
  { en: 'bed', es: 'cama', aliases: [] },
  { en: 'dining table', es: 'mesa de comedor', aliases: ['table', 'mesa'] },
  { en: 'toilet', es: 'inodoro', aliases: ['váter', 'retrete', 'excusado'] },
  { en: 'tv', es: 'televisor', aliases: ['television', 'tv set', 'televisión', 'tele'] },
  { en: 'laptop', es: 'ordenador portátil', aliases: ['notebook', 'portátil', 'computadora portátil'] },
  { en: 'mouse', es: 'ratón', aliases: ['computer mouse'] },
  { en: 'remote', es: 'mando a distancia', aliases: ['remote control', 'control remoto', 'mando'] },
  { en: 'keyboard', es: 'teclado', aliases: [] },
  { en: 'cell phone', es: 'teléfono móvil', aliases: ['mobile phone', 'smartphone', 'phone', 'móvil', 'celular', 'teléfono'] },
  { en: 'microwave', es: 'microondas', aliases: ['microwave oven'] },
  { en: 'oven', es: 'horno', aliases: [] },
  { en: 'toaster', es: 'tostadora', aliases: ['tostador'] },
  { en: 'sink', es: 'fregadero', aliases: ['lavabo', 'lavamanos'] },
  { en: 'refrigerator', es: 'frigorífico', aliases: ['fridge', 'nevera', 'refrigerador', 'heladera'] },
  { en: 'book', es: 'libro', aliases: [] },
  { en: 'clock', es: 'reloj', aliases: [] },
  { en: 'vase', es: 'jarrón', aliases: ['florero'] },
  { en: 'scissors', es: 'tijeras', aliases: ['tijera'] },
  { en: 'teddy bear', es: 'osito de peluche', aliases: ['peluche'] },
  { en: 'hair drier', es: 'secador de pelo', aliases: ['hair dryer', 'hairdryer', 'secador'] },
  { en: 'toothbrush', es: 'cepillo de dientes', aliases: [] },
];

/** Lower case, accents removed, spaces collapsed: "Avión" and "avion" are the same word to a searcher. */
export function foldLabel(term: string): string {
  return term.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');
}

const byEnglish = new Map(COCO_LABELS.map((label) => [label.en, label]));
const byAnyName = new Map<string, CocoLabel>();
for (const label of COCO_LABELS) {
  for (const name of [label.en, label.es, ...label.aliases]) byAnyName.set(foldLabel(name), label);
}

/** The Spanish name of a COCO class; throws for a name the model does not produce (a vocabulary mismatch is a bug). */
export function spanishLabel(english: string): string {
  const label = byEnglish.get(english);
  if (!label) throw new Error(`unknown COCO label: ${english}`);
  return label.es;
}

/** The class a search term names, in English or Spanish, by name or synonym, ignoring case and accents. */
export function findLabel(term: string): CocoLabel | undefined {
  return byAnyName.get(foldLabel(term));
}
