import { checkConfig, type Env } from '@nudge/config';

export interface ConfigCheckOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const STANDARD: ConfigCheckOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `check-config`: parses a role's environment as the role would at start, without starting it.
 * One line on stderr per bad variable (never a secret value), then one JSON line on stdout.
 * Returns the exit code: 0 when the role would start with this configuration, 1 otherwise.
 */
export function runConfigCheck(
  role: string,
  parse: (env: Env) => unknown,
  env: Env = process.env,
  output: ConfigCheckOutput = STANDARD,
): number {
  const { problems, complete } = checkConfig(parse, env);
  for (const problem of problems) output.err(`check-config: ${role}: ${problem.message}`);
  if (!complete) {
    const last = problems.at(-1)?.variable ?? '';
    output.err(`check-config: ${role}: the variables read after ${last} were not checked; fix it and run again`);
  }
  output.out(
    JSON.stringify({
      role,
      ok: problems.length === 0,
      complete,
      problems: problems.map((p) => ({ variable: p.variable, message: p.message })),
    }),
  );
  return problems.length === 0 ? 0 : 1;
}
