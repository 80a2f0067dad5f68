/**
 * The wire shapes of the books, written by hand: rows may change, the wire is a promise.
 * Money always prints with two decimals.
 */
import { formatMoney } from '../shared/money';
import type { AccountRow, EntityRow, EntryRow, FundRow, LineRow, ProjectRow } from './queries';

const money = (value: string | null) => (value === null ? null : formatMoney(value));
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function presentEntity(row: EntityRow) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind,
    approvalThreshold: money(row.approval_threshold),
    createdAt: iso(row.created_at),
  };
}

export function presentPublicEntity(row: EntityRow) {
  return { id: row.id, code: row.code, name: row.name, kind: row.kind };
}

export function presentAccount(row: AccountRow) {
  return {
    code: row.code,
    name: row.name,
    type: row.type,
    parentCode: row.parent_code,
    role: row.role,
    monetary: row.monetary,
    isLeaf: row.is_leaf,
  };
}

export function presentFund(row: FundRow) {
  return { code: row.code, name: row.name, restricted: row.restricted, purpose: row.purpose, createdAt: iso(row.created_at) };
}

export function presentProject(row: ProjectRow) {
  return { id: row.id, code: row.code, name: row.name, startsOn: row.starts_on, endsOn: row.ends_on, createdAt: iso(row.created_at) };
}

export interface AttachmentSummary {
  id: string;
  entry_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: Date;
}

export function presentAttachment(row: AttachmentSummary) {
  return { id: row.id, filename: row.filename, contentType: row.content_type, size: row.size, sha256: row.sha256, createdAt: iso(row.created_at) };
}

export interface EntryExtras {
  lines: LineRow[];
  attachments?: AttachmentSummary[];
  reversedBy?: string | null;
}

export type EntryView = ReturnType<typeof presentEntry>;

export function presentEntry(row: EntryRow, extras: EntryExtras) {
  // A pending or rejected entry shows the lines it proposes; they entered no balance.
  const lines =
    row.pending_lines
      ? row.pending_lines.map((line) => ({
          lineNo: line.lineNo,
          accountCode: line.accountCode,
          fundCode: line.fundCode,
          projectId: line.projectId,
          debit: money(line.debit),
          credit: money(line.credit),
          memo: line.memo,
        }))
      : extras.lines.map((line) => ({
          lineNo: line.line_no,
          accountCode: line.account_code,
          fundCode: line.fund_code,
          projectId: line.project_id,
          debit: money(line.debit),
          credit: money(line.credit),
          memo: line.memo,
        }));
  return {
    id: row.id,
    entityId: row.entity_id,
    number: row.number,
    date: row.date,
    memo: row.memo,
    status: row.status,
    kind: row.kind,
    details: row.details,
    lines,
    reversalOf: row.reversal_of,
    reversalReason: row.reversal_reason,
    reversedBy: extras.reversedBy ?? null,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    approvedBy: row.approved_by,
    approvedAt: iso(row.approved_at),
    rejectedBy: row.rejected_by,
    rejectedAt: iso(row.rejected_at),
    rejectionReason: row.rejection_reason,
    chainIndex: row.chain_index === null ? null : Number(row.chain_index),
    prevHash: row.prev_hash,
    hash: row.hash,
    attachments: (extras.attachments ?? []).map(presentAttachment),
  };
}
