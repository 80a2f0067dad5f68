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

/**
 * The entry's content in canonical form: everything written when the entry is made. The
 * voucher number, chain index and approver are assigned later, under the posting lock, and are
 * covered by the chain link instead.
 */
export function canonicalEntry(entry: ChainEntry): string {
  return canonicalJson([
    entry.entityId,
    entry.date,
    entry.memo,
    entry.kind,
    entry.reversalOf,
    entry.reversalReason,
    entry.details ?? {},
    entry.createdBy,
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

export function contentHash(entry: ChainEntry): string {
  return crypto.createHash('sha256').update(canonicalEntry(entry)).digest('hex');
}

/**
 * One link of the chain: the previous hash, the entry's place, number and approver, and its
 * content hash. The database computes the same formula when it posts (ledger_chain_link in
 * migrations/20261122000500_post_in_one_statement.ts).
 */
export function chainLink(previousHash: string, link: { chainIndex: string; number: string; approvedBy: string | null; contentHash: string }): string {
  return crypto
    .createHash('sha256')
    .update(`${previousHash}|${link.chainIndex}|${link.number}|${link.approvedBy ?? ''}|${link.contentHash}`, 'utf8')
    .digest('hex');
}

export function chainHash(previousHash: string, entry: ChainEntry): string {
  return chainLink(previousHash, { chainIndex: entry.chainIndex, number: entry.number, approvedBy: entry.approvedBy, contentHash: contentHash(entry) });
}
