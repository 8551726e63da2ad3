// The single list of functions whose manifests exist before their code does. The validator accepts their
// Knative Service, Triggers and stack.yml entry without a functions/<name> folder, and says so as a warning;
// the renderer leaves them out unless asked. Remove an entry once its folder lands.
export interface PlannedFunction {
  reason: string;
  /** event types it will consume, so its Triggers can be checked before the catalog lists it as a consumer */
  consumes: readonly string[];
}

export const PLANNED_FUNCTIONS: Record<string, PlannedFunction> = {
  enrich: { reason: 'AI enrichment on the GPU pool, a later issue', consumes: ['io.mediateca.asset.rendered'] },
};
