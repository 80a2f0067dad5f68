/**
 * How `npm start` runs the service, read from package.json's start script, so the benchmark and
 * the crash tests start it exactly as users do (heap cap included) instead of keeping copies of
 * the command line that could drift apart.
 */
import packageJson from '../package.json';

export function startCommand(): { nodeFlags: string[]; script: string } {
  const [program, ...args] = packageJson.scripts.start.trim().split(/\s+/);
  const script = args.pop();
  if (program !== 'node' || !script) throw new Error(`package.json's start script is not "node [flags] <script>": ${packageJson.scripts.start}`);
  return { nodeFlags: args, script };
}
