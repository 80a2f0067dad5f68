/**
 * The per-entity SHA-256 hash chain. Each posted entry's hash covers the previous hash and a
 * canonical form of the entry and its lines, so any row changed behind the service breaks
 * the chain at that entry. The canonical form is fixed: changing it invalidates every book.
 */
import crypto from 'node:crypto';
import { formatMoney } from '../shared/money';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainEntry {
  entityId: string;
  chainIndex: string;
  number: string;
  date: string;
  memo: string;
  kind: string;
  reversalOf: string | null;
  reversalReason: string | null;
  details: unknown;
  createdBy: string | null;
  approvedBy: string | null;
  lines: ChainLine[];
}

export interface ChainLine {
  lineNo: number;
  accountCode: string;
  fundCode: string;
  projectId: string | null;
  debit: string | null;
  credit: string | null;
  memo: string | null;
}

/** JSON with object keys sorted, so the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
}

export function canonicalEntry(entry: ChainEntry): string {
  return canonicalJson([
    entry.entityId,
    entry.chainIndex,
    entry.number,
    entry.date,
    entry.memo,
    entry.kind,
    entry.reversalOf,
    entry.reversalReason,
    entry.details ?? {},
    entry.createdBy,
    entry.approvedBy,
    [...entry.lines]
      .sort((a, b) => a.lineNo - b.lineNo)
      .map((line) => [
        line.lineNo,
        line.accountCode,
        line.fundCode,
        line.projectId,
        line.debit === null ? null : formatMoney(line.debit),
        line.credit === null ? null : formatMoney(line.credit),
        line.memo,
      ]),
  ]);
}

export function chainHash(previousHash: string, entry: ChainEntry): string {
  return crypto.createHash('sha256').update(previousHash).update('\n').update(canonicalEntry(entry)).digest('hex');
}
