// The read models beside the asset row, as projections of its history: renditions, technical and AI metadata and
// label suggestions with the editors' decisions, folded from the entries that record them (asset-commands.ts
// Recorded). Pure; shared/db/asset-log.ts reads the entries and writes what the fold knows. A model is `undefined`
// (unknown: left as it is) while the history holds an entry that changed it without recording how (entries written
// before histories carried these). Faces are not replayed: which person a face joins depends on every asset of the
// project, clustered in the order enrich ran.

export interface HistoryEntry {
  type: string;
  actor: string;
  data: Record<string, unknown>;
}

export interface ProjectedLabel {
  label: string;
  confidence: number;
  detections: unknown[];
  status: 'suggested' | 'accepted' | 'rejected';
  decided_by: string | null;
  model: string;
}

export interface DerivedModels {
  renditions?: Record<string, unknown>[];
  /** null: none (a new file version, not rendered yet) */
  technical?: Record<string, unknown> | null;
  ai?: Record<string, unknown>;
  labels?: ProjectedLabel[];
}

type Finding = { label: string; confidence: number; detections: unknown[] };

export function projectDerived(entries: HistoryEntry[]): DerivedModels {
  // unknown until an entry records them: rows written beside the pipeline (test seeds, older histories) stay as they are
  let renditions: Record<string, unknown>[] | undefined;
  let technical: Record<string, unknown> | null | undefined;
  let ai: Record<string, unknown> | undefined;
  let labels: Map<string, ProjectedLabel> | undefined = new Map();
  for (const { type, actor, data } of entries) {
    // a partial step records what was stored so far; rendered, later, the whole set
    if (type === 'rendered' || type === 'renditions-partial' || type === 'file-version-reverted') {
      renditions = Array.isArray(data.renditionRows) ? (data.renditionRows as Record<string, unknown>[]) : undefined;
      technical = 'technical' in data ? (data.technical as Record<string, unknown> | null) : undefined;
    } else if (type === 'file-version-added') {
      // the version before stepped aside with its renditions and technical metadata
      renditions = [];
      technical = null;
    } else if (type === 'failed') {
      // a render that failed half-way may have stored some renditions without recording them
      renditions = undefined;
      technical = undefined;
    } else if (type === 'enriched') {
      if (data.ai && typeof data.ai === 'object') ai = data.ai as Record<string, unknown>;
      const parts = (data.parts ?? {}) as Record<string, { status?: string }>;
      const recorded = data.labels as { model: string; findings: Finding[] } | undefined;
      if (recorded && labels) labels = applyFindings(labels, recorded.model, recorded.findings);
      else if (parts.objects?.status === 'done') labels = undefined;
    } else if (type === 'label-decided' && labels) {
      const label = labels.get(String(data.label));
      const status = data.status as ProjectedLabel['status'];
      if (label) labels.set(label.label, { ...label, status, decided_by: status === 'suggested' ? null : actor });
    }
  }
  return { renditions, technical, ai, labels: labels && [...labels.values()] };
}

/** As the repository saves a model's findings: suggestions it no longer makes go, decided labels stay (refreshed). */
function applyFindings(before: Map<string, ProjectedLabel>, model: string, findings: Finding[]): Map<string, ProjectedLabel> {
  const after = new Map([...before].filter(([name, label]) => label.status !== 'suggested' || findings.some((f) => f.label === name)));
  for (const { label, confidence, detections } of findings) {
    const kept = after.get(label);
    after.set(label, { label, confidence, detections, model, status: kept?.status ?? 'suggested', decided_by: kept?.decided_by ?? null });
  }
  return after;
}
