import { parseCli, USAGE, CertifyArgs } from './args';
import { ReluLensError } from '../core/errors';
import { lossChoiceAdvice } from '../core/format/lossControl';
import { runInspect } from './inspect';
import { runCertify } from './certify';
import { runOptimize } from './optimize';

/** Exit codes are part of the CLI's contract (README): CI pipelines gate on them. */
export const EXIT = { ok: 0, internal: 1, usage: 2, badInput: 3, notOptimal: 10, inconclusive: 11 } as const;

async function main(argv: string[]): Promise<number> {
  let args: CertifyArgs | { command: 'help' };
  const wantsJson = argv.includes('--json');
  try {
    // `lint` has its own argument grammar (src/cli/lint.ts).
    if (argv[0] === 'lint') return await (await import('./lint')).runLint(argv.slice(1));
    args = parseCli(argv);
    if (args.command === 'help') {
      process.stdout.write(USAGE + '\n');
      return EXIT.ok;
    }
    if (args.command === 'inspect') return await runInspect(args);
    return args.command === 'optimize' ? await runOptimize(args) : await runCertify(args);
  } catch (e) {
    return reportError(e, wantsJson);
  }
}

function reportError(e: unknown, json: boolean): number {
  let code: number = EXIT.internal;
  let line: string;
  let location: unknown = undefined;
  if (e instanceof ReluLensError) {
    code = e.kind === 'usage' ? EXIT.usage : e.kind === 'internal' ? EXIT.internal : EXIT.badInput;
    // a refusal core marks 'loss' gets the CLI's way to name the loss (core names no flag)
    line = e.describe() + (e.code === 'loss' ? lossChoiceAdvice('cli') : '');
    location = e.location;
  } else {
    // Not a known refusal: still one line, the stack only on request.
    line = `internal error: ${(e as Error)?.message ?? String(e)} (set RELU_LENS_DEBUG=1 for details)`;
    if (process.env.RELU_LENS_DEBUG) process.stderr.write(((e as Error)?.stack ?? '') + '\n');
  }
  process.stderr.write(`relu-lens: ${line}\n`);
  if (code === EXIT.usage && !json) process.stderr.write(`Run 'relu-lens --help' for usage.\n`);
  if (json) process.stdout.write(JSON.stringify({ error: line, kind: e instanceof ReluLensError ? e.kind : 'internal', location }) + '\n');
  return code;
}

// `relu-lens certify … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, false);
  },
);
