/**
 * How `npm start` runs the service, read from package.json's start script, so the benchmark and
 * the crash tests start it exactly as users do (heap cap included) instead of keeping copies of
 * the command line that could drift apart.
 */
import packageJson from '../package.json';

export function startCommand(): { nodeFlags: string[]; script: string } {
  // `exec` makes the shell npm runs the script in become node, so a SIGTERM sent to npm (which
  // passes it on to its child) reaches the service and its clean shutdown, not a shell that dies.
  const [program, ...args] = packageJson.scripts.start.trim().replace(/^exec\s+/, '').split(/\s+/);
  const script = args.pop();
  if (program !== 'node' || !script) throw new Error(`package.json's start script is not "[exec] node [flags] <script>": ${packageJson.scripts.start}`);
  return { nodeFlags: args, script };
}
