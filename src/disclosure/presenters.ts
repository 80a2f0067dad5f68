/**
 * Wire shapes of disclosure, written by hand: the rows may change, the wire is a promise.
 * Public URLs of a report's PDFs are named here so lists and the report JSON agree.
 */
import type { DisclosureMeta } from './queries';

export function presentDisclosure(row: DisclosureMeta, options: { latest: boolean }) {
  const countersigned = row.countersigned_at !== null;
  return {
    id: row.id,
    entityId: row.entity_id,
    period: row.period,
    periodKind: row.period_kind,
    from: row.period_from,
    to: row.period_to,
    version: row.version,
    supersedesId: row.supersedes_id,
    supersedeReason: row.supersede_reason,
    publishedAt: new Date(row.published_at).toISOString(),
    publishedBy: row.published_by,
    dataSha256: row.data_sha256,
    pdfSha256: row.pdf_sha256,
    chainHead: row.chain_head,
    chainLength: Number(row.chain_length),
    countersigned,
    countersignature: countersigned
      ? {
          name: row.countersigned_by_name,
          at: new Date(row.countersigned_at as Date).toISOString(),
          note: row.countersign_note,
          pdfSha256: row.pdf_countersigned_sha256,
        }
      : null,
    latest: options.latest,
    pdfUrl: `/api/public/disclosures/${row.id}/pdf`,
    countersignedPdfUrl: countersigned ? `/api/public/disclosures/${row.id}/pdf/countersigned` : null,
    verifyUrl: `/api/public/disclosures/${row.id}/verify`,
  };
}
