/**
 * The disclosure parts of the web: published reports and the disclosure calendar on an
 * entity's public page. Until the disclosure service exists these sections stay absent (the
 * page shows no reports rather than invented ones).
 */
import type { EntityRow } from '../ledger/queries';
import type { Web } from './context';

export interface DisclosureSections {
  reports?: unknown[];
  calendar?: unknown[];
}

export async function disclosureSections(_web: Web, _entity: EntityRow): Promise<DisclosureSections> {
  return {};
}

/** Whether the publish and countersign pages exist yet (they need the disclosure service). */
export function canPublishHere(): boolean {
  return false;
}
