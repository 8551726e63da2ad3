// A labelled relevance evaluation set: synthetic newsroom assets with known content and queries with graded
// relevant answers (3 = exactly what was asked for, 2 = clearly relevant, 1 = related, absent = not relevant),
// judged by what an editor wants, not by which field holds the words. Distractors are deliberate: the query's
// words in low-weight fields of unrelated assets (a poster read by OCR, a photographer's name), near-duplicate
// titles about another event, a musician called "Gato", a second "Ana García".
//
// Documents are built the way the index function builds them (withAiFields): COCO labels in English with their
// Spanish names, OCR text, transcript, named people as text and person ids as a filter.
//
// Embeddings are NOT a model's: no CLIP weights exist here. Each asset has the visual topics its picture shows
// (audio has no picture, hence no embedding); its vector is the sum of fixed random topic vectors plus noise, and
// a query's vector is its intended topics plus more noise (seeded PRNG, same figures every run). Semantic and
// hybrid figures therefore measure the ranking machinery (k-NN, RRF fusion, weights) under an idealised, noisy
// embedding — not how well a real CLIP model understands pictures or Spanish. Measuring a real model needs
// real pictures with the same judgements; the text side of this set is unaffected by that.
import { withAiFields } from '../../functions/index/index.ts';
import { ndcgAt, precisionAt } from '../../shared/search/relevance.ts';
import type { SearchDocument, SearchIndex, SearchMode, SearchQuery } from '../../shared/search/search-index.ts';

export const EMBEDDING_DIMENSIONS = 64;
const PROJECT = 'newsroom';

export type Category = 'title' | 'accents' | 'cross-language' | 'synonyms' | 'ocr-only' | 'transcript-only' | 'person' | 'filters';

const TOPICS = [
  'fire', 'flood', 'storm', 'snow', 'football', 'tennis', 'politics', 'protest', 'traffic', 'cycling', 'transport', 'dog',
  'horse', 'farm', 'nature', 'market', 'concert', 'portrait', 'beach', 'hospital', 'court', 'school', 'page', 'celebration',
] as const;
type Topic = (typeof TOPICS)[number];

const PEOPLE = {
  'Ana García': '0a000000-0000-4000-8000-000000000001',
  'Jorge Ruiz': '0a000000-0000-4000-8000-000000000002',
  'Lucía Fernández': '0a000000-0000-4000-8000-000000000003',
} as const;
type Person = keyof typeof PEOPLE;

interface AssetSpec {
  mediaType?: 'image' | 'video' | 'audio';
  title: string;
  description?: string;
  tags?: string[];
  /** COCO class names as the detector gives them (English) */
  labels?: string[];
  ocr?: string;
  transcript?: string;
  /** named people recognised by face */
  people?: Person[];
  /** EXIF-like extra fields (artist, camera) */
  fields?: Record<string, string>;
  /** what the picture shows, for the synthetic embedding; none for audio */
  visual?: Topic[];
}

const ASSETS: Record<string, AssetSpec> = {
  // fire
  'fire-aerial': { title: 'Incendio forestal en la sierra de Gredos', description: 'Vista aérea del frente del incendio al atardecer', tags: ['incendio', 'gredos'], labels: ['airplane'], visual: ['fire'] },
  'fire-crews': { title: 'Bomberos trabajan en el incendio de Gredos', description: 'Dotaciones refrescan la zona quemada del monte', tags: ['bomberos'], labels: ['truck', 'person'], visual: ['fire'] },
  'fire-crews-2': { title: 'Bomberos trabajan en el incendio de Gredos (2)', description: 'Otra toma de la misma dotación', tags: ['bomberos'], labels: ['truck', 'person'], visual: ['fire'] },
  'fire-chief': { mediaType: 'video', title: 'Declaraciones del jefe de bomberos', transcript: 'El incendio de Gredos está estabilizado; el viento cambió durante la noche y el fuego forestal ya no avanza', labels: ['person'], visual: ['portrait', 'fire'] },
  'fire-drill': { title: 'Simulacro de incendio en un colegio de Ávila', tags: ['simulacro', 'colegio'], labels: ['person', 'bus'], visual: ['school'] },
  'fire-athens': { title: 'Wildfire near Athens forces evacuations', description: 'Smoke over the northern suburbs', tags: ['wildfire', 'greece'], labels: ['car'], visual: ['fire'] },
  'front-page-fire': { title: 'Portada del 14 de agosto', ocr: 'INCENDIO EN GREDOS: 3.000 HECTÁREAS CALCINADAS', visual: ['page'] },
  'firefighters-party': { title: 'Fiesta del patrón en el parque de bomberos', ocr: 'Prevención de incendios forestales · campaña 2026', labels: ['person', 'cake'], visual: ['celebration'] },
  'factory-fire': { title: 'Incendio en una nave industrial de Getafe', labels: ['truck'], visual: ['fire'] },
  // flood and weather
  'flood-valencia': { title: 'Inundaciones en Valencia tras la DANA', tags: ['dana', 'inundación'], labels: ['car', 'person'], visual: ['flood'] },
  'flood-street': { title: 'Calles anegadas en Paiporta', description: 'Vecinos retiran el barro de sus casas', labels: ['car', 'truck'], visual: ['flood'] },
  'flood-en': { title: 'Flooded streets after the storm in Valencia', tags: ['flood', 'storm'], labels: ['car'], visual: ['flood'] },
  'flood-radio': { mediaType: 'audio', title: 'Boletín de las ocho', transcript: 'La DANA deja lluvias torrenciales en Valencia y el río Turia se desborda en varios tramos' },
  'weather-map': { title: 'Mapa del tiempo del martes', ocr: 'ALERTA ROJA · LLUVIAS TORRENCIALES · VALENCIA', visual: ['page', 'storm'] },
  'snow-madrid': { title: 'Nevada en Madrid', labels: ['car', 'person'], visual: ['snow'] },
  'storm-boats': { title: 'Temporal en el puerto de Vigo', labels: ['boat'], visual: ['storm'] },
  // football and sport
  'fb-goal': { title: 'Gol de la victoria en el derbi', description: 'El delantero celebra el 2-1 ante su afición', tags: ['fútbol', 'derbi'], labels: ['person', 'sports ball'], visual: ['football'] },
  'fb-fans': { title: 'La afición celebra el título en Cibeles', labels: ['person'], visual: ['celebration', 'football'] },
  'fb-coach': { title: 'Rueda de prensa del entrenador', labels: ['person', 'tie'], people: ['Jorge Ruiz'], visual: ['portrait'] },
  'fb-coach-video': { mediaType: 'video', title: 'Entrevista tras el derbi', transcript: 'Hemos merecido ganar, el equipo ha competido muy bien', people: ['Jorge Ruiz'], labels: ['person'], visual: ['portrait', 'football'] },
  'fb-women': { title: 'Final de la Liga F', labels: ['person', 'sports ball'], visual: ['football'] },
  'fb-training': { title: 'Entrenamiento a puerta cerrada', labels: ['person', 'sports ball'], visual: ['football'] },
  'fb-munich': { title: 'Champions League final: fans arrive in Munich', labels: ['person', 'bus'], visual: ['football', 'celebration'] },
  'fb-scoreboard': { title: 'Marcador final', ocr: 'REAL MADRID 2 - 1 ATLÉTICO', visual: ['football', 'page'] },
  'tennis': { title: 'Alcaraz gana en Wimbledon', labels: ['person', 'tennis racket'], visual: ['tennis'] },
  'athlete-ana': { title: 'Ana García, campeona de España de 800 metros', labels: ['person'], visual: ['portrait'] },
  // politics
  'pol-debate': { mediaType: 'video', title: 'Debate electoral en televisión', transcript: 'Los candidatos discuten sobre la sanidad pública y el precio de la vivienda', labels: ['person', 'tie'], visual: ['politics'] },
  'pol-vote': { title: 'Colegio electoral en Sevilla', description: 'Votantes hacen cola desde primera hora', tags: ['elecciones'], labels: ['person'], visual: ['politics'] },
  'pol-mayor': { title: 'La alcaldesa presenta los presupuestos', labels: ['person'], people: ['Ana García'], visual: ['portrait', 'politics'] },
  'pol-mayor-market': { title: 'Visita de la alcaldesa al mercado de abastos', labels: ['person', 'banana', 'orange'], people: ['Ana García'], visual: ['market', 'portrait'] },
  'pol-council': { mediaType: 'video', title: 'Pleno municipal de marzo', transcript: 'Toma la palabra la alcaldesa Ana García para defender la nueva ordenanza de movilidad', people: ['Ana García'], labels: ['person', 'chair'], visual: ['politics'] },
  'pol-parliament-en': { title: 'Parliament votes on the budget', labels: ['person', 'chair'], visual: ['politics'] },
  'pol-posters': { title: 'Cartelería en la Gran Vía', ocr: 'VOTA 28 DE MAYO · ELECCIONES MUNICIPALES', labels: ['car', 'bus'], visual: ['traffic'] },
  'minister': { title: 'La ministra de Sanidad visita el hospital La Paz', labels: ['person', 'bed'], people: ['Lucía Fernández'], visual: ['hospital', 'portrait'] },
  'photographer-lucia': { title: 'Atardecer en el Templo de Debod', fields: { artist: 'Lucía Fernández', model: 'Canon EOS R5' }, visual: ['nature'] },
  // protest and strikes
  'prot-housing': { title: 'Manifestación por la vivienda en Madrid', tags: ['manifestación', 'vivienda'], labels: ['person'], visual: ['protest'] },
  'prot-health': { title: 'Miles de personas marchan por la sanidad pública', ocr: 'SANIDAD PÚBLICA SÍ', labels: ['person'], visual: ['protest'] },
  'prot-climate-en': { title: 'Climate protesters block a road in London', labels: ['person', 'car'], visual: ['protest', 'traffic'] },
  'strike-video': { mediaType: 'video', title: 'Huelga de transportes: piquetes en Atocha', transcript: 'Los sindicatos mantienen la huelga hasta el viernes', labels: ['person', 'train'], visual: ['protest', 'transport'] },
  'strike-station': { title: 'Estación de Chamartín a primera hora', ocr: 'HUELGA: SERVICIOS MÍNIMOS DEL 30%', labels: ['train', 'person'], visual: ['transport'] },
  // traffic and transport
  'traffic-jam': { title: 'Atasco en la A-6 en la operación salida', labels: ['car', 'truck'], visual: ['traffic'] },
  'traffic-en': { title: 'Morning commute on the M25', labels: ['car', 'truck', 'bus'], visual: ['traffic'] },
  'bike-lane': { title: 'Nuevo carril bici en la Castellana', labels: ['bicycle', 'person', 'car'], visual: ['traffic', 'cycling'] },
  'commuters-en': { title: 'Commuters cycle through Amsterdam', labels: ['bicycle', 'person'], visual: ['cycling'] },
  'airport': { title: 'Colas en Barajas por la huelga de controladores', labels: ['person', 'suitcase'], visual: ['transport'] },
  'train-en': { title: 'High-speed train leaves Atocha', labels: ['train'], visual: ['transport'] },
  'bus-stop': { title: 'Parada de autobús en Moncloa', ocr: 'LÍNEA 27 · DESVÍO POR OBRAS', labels: ['bus', 'person'], visual: ['traffic'] },
  'checkpoint': { title: 'Control de la Guardia Civil en la N-II', labels: ['motorcycle', 'car', 'person'], visual: ['traffic'] },
  // animals
  'dog-park': { title: 'Paseo matinal en el Retiro', description: 'Un vecino pasea junto al estanque', labels: ['dog', 'person'], visual: ['dog', 'nature'] },
  'dog-rescue-en': { title: 'Rescue team saves puppies from the flood', labels: ['dog', 'person'], visual: ['dog', 'flood'] },
  'dog-adoption': { title: 'Jornada de adopción en la protectora', labels: ['dog', 'cat'], visual: ['dog'] },
  'police-dogs': { title: 'Unidad canina en el aeropuerto', labels: ['dog', 'person', 'suitcase'], visual: ['dog', 'transport'] },
  'hot-dogs': { title: 'Puesto de perritos calientes en la feria', labels: ['hot dog', 'person'], visual: ['market'] },
  'horse-fair': { title: 'Feria de abril: paseo en el real', labels: ['horse', 'person'], visual: ['horse', 'celebration'] },
  'sheep': { title: 'Trashumancia por el centro de Madrid', description: 'Los pastores cruzan la Puerta del Sol con su rebaño', labels: ['sheep', 'person'], visual: ['farm'] },
  'dairy-en': { title: 'Dairy farmers protest milk prices', labels: ['cow', 'person', 'truck'], visual: ['farm', 'protest'] },
  'storks': { title: 'Cigüeñas en el campanario de Alcalá', labels: ['bird'], visual: ['nature'] },
  'gato-perez': { title: 'Homenaje a Gato Pérez en el Palau', labels: ['person'], visual: ['concert'] },
  // markets and food
  'market-san-miguel': { title: 'Mercado de San Miguel a mediodía', labels: ['person', 'wine glass', 'dining table'], visual: ['market'] },
  'market-fruit': { title: 'Puesto de fruta en el mercado central', labels: ['banana', 'orange', 'apple'], visual: ['market'] },
  'oil-prices': { mediaType: 'video', title: 'La cesta de la compra se encarece', transcript: 'El aceite de oliva ha subido un cuarenta por ciento este año según los productores de Jaén', labels: ['bottle', 'person'], visual: ['market'] },
  'tapas-en': { title: 'Chef prepares tapas in Seville', labels: ['person', 'knife', 'bowl'], visual: ['market'] },
  'harvest': { title: 'Vendimia en La Rioja', labels: ['person', 'truck'], visual: ['farm'] },
  'olive-radio': { mediaType: 'audio', title: 'Entrevista en Onda Local', transcript: 'Los olivareros denuncian que la sequía arruina la cosecha de aceituna' },
  // culture
  'concert-rosalia': { title: 'Rosalía en el Primavera Sound', labels: ['person'], visual: ['concert'] },
  'concert-glasto-en': { title: 'Crowd at Glastonbury main stage', labels: ['person'], visual: ['concert'] },
  'festival-video': { mediaType: 'video', title: 'Festival de Benicàssim, resumen', transcript: 'Más de cuarenta mil personas han pasado por el recinto este fin de semana', labels: ['person'], visual: ['concert'] },
  'orchestra': { title: 'Orquesta Nacional en el Auditorio', labels: ['person', 'chair'], visual: ['concert'] },
  // beach and heat
  'beach-benidorm': { title: 'Playas llenas en Benidorm', labels: ['person', 'umbrella'], visual: ['beach'] },
  'beach-en': { title: 'Tourists crowd Mallorca beaches', labels: ['person', 'umbrella', 'boat'], visual: ['beach'] },
  'heat-video': { mediaType: 'video', title: 'Ola de calor: consejos', transcript: 'Beba agua y evite salir en las horas centrales; las temperaturas superarán los cuarenta y cinco grados', visual: ['beach'] },
  'surf': { title: 'Campeonato de surf en Zarautz', labels: ['person', 'surfboard'], visual: ['beach'] },
  // health, courts, schools
  'er-crowded': { title: 'Urgencias del Gregorio Marañón colapsadas', labels: ['person', 'bed'], visual: ['hospital'] },
  'vaccine-en': { title: 'Nurses prepare flu vaccines', labels: ['person', 'bottle'], visual: ['hospital'] },
  'health-centre': { title: 'Entrada del centro de salud', ocr: 'CENTRO DE SALUD · VACUNACIÓN GRIPE: PIDA CITA', visual: ['hospital', 'page'] },
  'court-trial': { title: 'Juicio por corrupción en la Audiencia Nacional', labels: ['person', 'tie'], visual: ['court'] },
  'court-ruling': { mediaType: 'video', title: 'Sentencia del caso Erial', transcript: 'El tribunal condena al exconsejero a seis años de prisión por cohecho', visual: ['court'] },
  'court-en': { title: 'Former minister arrives at court', labels: ['person', 'car', 'tie'], visual: ['court'] },
  'school-first-day': { title: 'Primer día de colegio', labels: ['person', 'backpack'], visual: ['school'] },
  'school-en': { title: 'Students return to classrooms', labels: ['person', 'chair', 'laptop'], visual: ['school'] },
};

export interface RelevanceQuery {
  id: string;
  category: Category;
  q: string;
  filters?: SearchQuery['filters'];
  /** what the query is about, for its synthetic embedding */
  topics: Topic[];
  /** asset key → gain (3, 2 or 1) */
  relevant: Record<string, number>;
}

const all = (gain: number, ...keys: string[]) => Object.fromEntries(keys.map((key) => [key, gain]));

export const QUERIES: RelevanceQuery[] = [
  { id: 'incendio forestal', category: 'title', q: 'incendio forestal', topics: ['fire'], relevant: { 'fire-aerial': 3, ...all(2, 'fire-crews', 'fire-crews-2', 'fire-chief', 'front-page-fire', 'fire-athens') } },
  { id: 'mercado', category: 'title', q: 'mercado', topics: ['market'], relevant: { ...all(3, 'market-san-miguel', 'market-fruit'), 'pol-mayor-market': 2, 'tapas-en': 1 } },
  { id: 'atasco operación salida', category: 'title', q: 'atasco operación salida', topics: ['traffic'], relevant: { 'traffic-jam': 3, 'traffic-en': 1 } },
  { id: 'debate electoral', category: 'title', q: 'debate electoral', topics: ['politics'], relevant: { 'pol-debate': 3, 'pol-vote': 1 } },
  { id: 'festival', category: 'title', q: 'festival', topics: ['concert'], relevant: all(3, 'festival-video', 'concert-rosalia', 'concert-glasto-en') },
  { id: 'manifestacion vivienda', category: 'accents', q: 'manifestacion vivienda', topics: ['protest'], relevant: { 'prot-housing': 3, 'prot-health': 1 } },
  { id: 'ciguenas', category: 'accents', q: 'ciguenas', topics: ['nature'], relevant: { storks: 3 } },
  { id: 'juicio corrupcion', category: 'accents', q: 'juicio corrupcion', topics: ['court'], relevant: { 'court-trial': 3, 'court-ruling': 2, 'court-en': 1 } },
  { id: 'vacunacion gripe', category: 'accents', q: 'vacunacion gripe', topics: ['hospital'], relevant: all(3, 'health-centre', 'vaccine-en') },
  { id: 'rebano ovejas', category: 'accents', q: 'rebano ovejas', topics: ['farm'], relevant: { sheep: 3 } },
  { id: 'camion', category: 'accents', q: 'camion', topics: ['traffic'], relevant: all(2, 'fire-crews', 'fire-crews-2', 'factory-fire', 'flood-street', 'traffic-jam', 'traffic-en', 'dairy-en', 'harvest') },
  { id: 'perro', category: 'cross-language', q: 'perro', topics: ['dog'], relevant: all(3, 'dog-park', 'dog-rescue-en', 'dog-adoption', 'police-dogs') },
  { id: 'dog', category: 'cross-language', q: 'dog', topics: ['dog'], relevant: all(3, 'dog-park', 'dog-rescue-en', 'dog-adoption', 'police-dogs') },
  { id: 'bicicleta', category: 'cross-language', q: 'bicicleta', topics: ['cycling'], relevant: all(3, 'bike-lane', 'commuters-en') },
  { id: 'horse', category: 'cross-language', q: 'horse', topics: ['horse'], relevant: { 'horse-fair': 3 } },
  { id: 'barco', category: 'cross-language', q: 'barco', topics: ['storm'], relevant: { 'storm-boats': 3, 'beach-en': 1 } },
  { id: 'suitcase', category: 'cross-language', q: 'suitcase', topics: ['transport'], relevant: { airport: 3, 'police-dogs': 2 } },
  { id: 'gato', category: 'cross-language', q: 'gato', topics: ['dog'], relevant: { 'dog-adoption': 3 } },
  { id: 'tren', category: 'cross-language', q: 'tren', topics: ['transport'], relevant: { 'train-en': 3, ...all(2, 'strike-video', 'strike-station') } },
  { id: 'moto', category: 'synonyms', q: 'moto', topics: ['traffic'], relevant: { checkpoint: 3 } },
  { id: 'cachorro', category: 'synonyms', q: 'cachorro', topics: ['dog'], relevant: { 'dog-rescue-en': 3, 'dog-adoption': 2, 'dog-park': 1 } },
  { id: 'servicios minimos', category: 'ocr-only', q: 'servicios minimos', topics: ['transport'], relevant: { 'strike-station': 3, 'strike-video': 1 } },
  { id: 'alerta roja', category: 'ocr-only', q: 'alerta roja', topics: ['storm'], relevant: { 'weather-map': 3 } },
  { id: 'hectareas', category: 'ocr-only', q: 'hectareas', topics: ['fire', 'page'], relevant: { 'front-page-fire': 3 } },
  { id: 'linea 27 desvio', category: 'ocr-only', q: 'linea 27 desvio', topics: ['traffic'], relevant: { 'bus-stop': 3 } },
  { id: 'aceite de oliva', category: 'transcript-only', q: 'aceite de oliva', topics: ['market'], relevant: { 'oil-prices': 3, 'olive-radio': 2 } },
  { id: 'sequia', category: 'transcript-only', q: 'sequia', topics: ['farm'], relevant: { 'olive-radio': 3, harvest: 1 } },
  { id: 'rio turia', category: 'transcript-only', q: 'rio turia', topics: ['flood'], relevant: { 'flood-radio': 3, 'flood-valencia': 1 } },
  { id: 'temperaturas', category: 'transcript-only', q: 'temperaturas', topics: ['beach'], relevant: { 'heat-video': 3, 'beach-benidorm': 1 } },
  { id: 'cohecho', category: 'transcript-only', q: 'cohecho', topics: ['court'], relevant: { 'court-ruling': 3, 'court-trial': 1 } },
  { id: 'Ana García', category: 'person', q: 'Ana García', topics: ['portrait', 'politics'], relevant: { ...all(3, 'pol-mayor', 'pol-mayor-market', 'pol-council'), 'athlete-ana': 1 } },
  { id: 'jorge ruiz', category: 'person', q: 'jorge ruiz', topics: ['portrait', 'football'], relevant: all(3, 'fb-coach', 'fb-coach-video') },
  { id: 'Lucía Fernández', category: 'person', q: 'Lucía Fernández', topics: ['portrait', 'hospital'], relevant: { minister: 3 } },
  { id: 'incendio · video', category: 'filters', q: 'incendio', filters: { mediaType: ['video'] }, topics: ['fire'], relevant: { 'fire-chief': 3 } },
  { id: 'huelga · video', category: 'filters', q: 'huelga', filters: { mediaType: ['video'] }, topics: ['protest', 'transport'], relevant: { 'strike-video': 3 } },
  { id: 'alcaldesa · person Ana García', category: 'filters', q: 'alcaldesa', filters: { personIds: [PEOPLE['Ana García']] }, topics: ['politics'], relevant: all(3, 'pol-mayor', 'pol-mayor-market', 'pol-council') },
  { id: 'mercado · images', category: 'filters', q: 'mercado', filters: { mediaType: ['image'] }, topics: ['market'], relevant: { ...all(3, 'market-san-miguel', 'market-fruit'), 'pol-mayor-market': 2 } },
];

/** Asset keys in catalogue order; an asset's id is a fixed UUID from its position. */
export const ASSET_KEYS = Object.keys(ASSETS);
const idOf = new Map(ASSET_KEYS.map((key, i) => [key, `0b000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`]));
const keyOf = new Map([...idOf].map(([key, id]) => [id, key]));

export function assetId(key: string): string {
  const id = idOf.get(key);
  if (!id) throw new Error(`no asset "${key}" in the relevance set`);
  return id;
}

export function assetKey(id: string): string {
  return keyOf.get(id) ?? id;
}

/** The query's judgements by asset id. */
export function gainsOf(query: RelevanceQuery): Map<string, number> {
  return new Map(Object.entries(query.relevant).map(([key, gain]) => [assetId(key), gain]));
}

/** Deterministic PRNG (mulberry32) with standard normal samples (Box–Muller). */
function normalRandom(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Noise per dimension: total noise length ≈ NOISE × √dimensions against unit topic vectors. */
const DOCUMENT_NOISE = 0.06;
const QUERY_NOISE = 0.09;

/** Fixed random unit vectors, one per topic; a vector is its topics' sum plus seeded noise, unit length. */
class SyntheticEmbeddings {
  private readonly topics: Map<Topic, number[]>;

  constructor(seed: number) {
    const random = normalRandom(seed);
    this.topics = new Map(TOPICS.map((topic) => [topic, unit(gaussian(random))]));
  }

  vector(topics: readonly Topic[], noise: number, seed: number): number[] {
    const sum = gaussian(normalRandom(seed)).map((value) => value * noise);
    for (const topic of topics) this.topics.get(topic)!.forEach((value, i) => (sum[i]! += value));
    return unit(sum);
  }
}

const EMBEDDINGS = new SyntheticEmbeddings(2026);

function gaussian(random: () => number): number[] {
  return Array.from({ length: EMBEDDING_DIMENSIONS }, () => random());
}

function unit(vector: number[]): number[] {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/** The set's documents as the index function would write them, with synthetic embeddings for pictures. */
export function relevanceDocuments(): SearchDocument[] {
  return ASSET_KEYS.map((key, i) => {
    const spec = ASSETS[key]!;
    const base: SearchDocument = {
      assetId: assetId(key),
      projectId: PROJECT,
      mediaType: spec.mediaType ?? 'image',
      state: 'ready',
      title: spec.title,
      description: spec.description ?? '',
      tags: spec.tags ?? [],
      filename: `${key}.${{ image: 'jpg', video: 'mp4', audio: 'mp3' }[spec.mediaType ?? 'image']}`,
      // one asset an hour, so listings have a stable order
      createdAt: new Date(Date.UTC(2026, 9, 1) + i * 3_600_000),
      fields: spec.fields ?? {},
    };
    const ai = { ...(spec.ocr ? { ocr: { text: spec.ocr } } : {}), ...(spec.transcript ? { transcript: { text: spec.transcript } } : {}) };
    const labels = (spec.labels ?? []).map((label) => ({ label, status: 'suggested' }));
    const faces = (spec.people ?? []).map((name) => ({ personId: PEOPLE[name], name }));
    const embedding = spec.visual?.length ? EMBEDDINGS.vector(spec.visual, DOCUMENT_NOISE, i + 1) : undefined;
    return withAiFields(base, ai, labels, faces, embedding);
  });
}

export async function loadRelevanceSet(index: SearchIndex): Promise<void> {
  for (const document of relevanceDocuments()) await index.upsert(document);
}

export interface RunSettings {
  mode: SearchMode;
  hybridWeights?: { text: number; semantic: number };
}

/** The first k asset ids the index ranks for the query in this mode, and whether vectors were used. */
export async function rankFor(index: SearchIndex, query: RelevanceQuery, settings: RunSettings, k = 10): Promise<{ ids: string[]; semantic: boolean }> {
  const result = await index.search({
    q: query.q,
    projectIds: [PROJECT],
    filters: query.filters ?? {},
    facets: [],
    limit: k,
    mode: settings.mode,
    // the same noise for a query in every mode: seeded by its position
    vector: settings.mode === 'text' ? undefined : EMBEDDINGS.vector(query.topics, QUERY_NOISE, 100_000 + QUERIES.indexOf(query)),
    hybridWeights: settings.hybridWeights,
  });
  return { ids: result.hits.map((hit) => hit.assetId), semantic: result.semantic.available };
}

export interface QueryScore {
  query: RelevanceQuery;
  ids: string[];
  precision: number;
  ndcg: number;
  /** whether vector similarity took part (always false in text mode) */
  semantic: boolean;
}

/** Runs every query of the set with these settings and scores the first k hits. */
export async function evaluateRelevance(index: SearchIndex, settings: RunSettings, k = 10): Promise<QueryScore[]> {
  const scores: QueryScore[] = [];
  for (const query of QUERIES) {
    const { ids, semantic } = await rankFor(index, query, settings, k);
    const gains = gainsOf(query);
    const relevant = new Set([...gains].filter(([, gain]) => gain > 0).map(([id]) => id));
    scores.push({ query, ids, precision: precisionAt(k, ids, relevant), ndcg: ndcgAt(k, ids, gains), semantic });
  }
  return scores;
}

/** The best P@k any ranking could reach for the query: fewer than k relevant assets cap it below 1. */
export function precisionCeiling(query: RelevanceQuery, k = 10): number {
  return Math.min(k, Object.keys(query.relevant).length) / k;
}
