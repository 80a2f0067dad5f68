/**
 * Child process of `npm run bench`: one cold disclosure PDF of a synthetic year (bench/pdf.ts's
 * syntheticYear → buildReport → renderReportPdf), timed, with this process's peak RSS, printed
 * as one JSON line. Run in its own process so the timing is cold, as the first PDF of a freshly
 * started service would be, and so its memory is measured alone.
 */
import fs from 'node:fs';
import { syntheticYear } from './pdf';
import { buildReport } from '../src/disclosure/model';
import { renderReportPdf } from '../src/disclosure/pdf';

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 10000);
  const input = syntheticYear(entries);
  const started = performance.now();
  const model = buildReport(input);
  const pdf = await renderReportPdf(model);
  const ms = performance.now() - started;
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  process.stdout.write(`${JSON.stringify({ landed: true, entries: model.entries.count, ms, bytes: pdf.length, peakRssMb: hwm ? Number(hwm[1]) / 1024 : null })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ landed: false, error: String(error) })}\n`);
});
