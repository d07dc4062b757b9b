// Reading inputs: defaults applied, every value checked against its rule, and every problem
// collected so one run reports them all at once (InputError). Values of secret inputs never
// appear in a problem.
import { INPUT_DEFAULTS, type InputName } from './action-inputs.js';
import { BOOLEAN, enumRule, type Rule } from './rules.js';

export interface InputProblem {
  input: string; // the input's name (or the environment variable's)
  problem: string; // what is wrong with the value; never the value of a secret input
  expected: string; // the accepted form
}

/** Every invalid input of one run, reported together. */
export class InputError extends Error {
  readonly problems: InputProblem[];

  constructor(problems: InputProblem[]) {
    const lines = problems.map((p) => `- ${p.input}: ${p.problem}. Expected ${p.expected}.`);
    super(`Invalid action inputs (${problems.length}):\n${lines.join('\n')}`);
    this.name = 'InputError';
    this.problems = problems;
  }
}

export type GetInput = (name: string) => string;

/** Reads inputs, applies defaults and collects problems instead of stopping at the first. */
export class InputReader {
  readonly problems: InputProblem[] = [];

  constructor(private readonly getInput: GetInput) {}

  /** The trimmed value, or the input's default when empty. */
  raw(name: InputName): string {
    const value = (this.getInput(name) ?? '').trim();
    return value === '' ? INPUT_DEFAULTS[name] : value;
  }

  report(input: string, problem: string, expected: string): void {
    this.problems.push({ input, problem, expected });
  }

  /** The value if it fits the rule (or is empty and optional); else records the problem. */
  checked(name: InputName, rule: Rule, options: { required?: boolean; fallback?: string } = {}): string {
    const value = this.raw(name) || options.fallback || '';
    if (value === '') {
      if (options.required) this.report(name, 'is required but empty', rule.expected);
      return '';
    }
    if (!rule.accepts(value)) this.report(name, `${quote(value)} ${rule.problem}`, rule.expected);
    return value;
  }

  boolean(name: InputName): boolean {
    return this.checked(name, BOOLEAN).toLowerCase() === 'true';
  }

  oneOf<T extends string>(name: InputName, values: readonly T[]): T {
    return this.checked(name, enumRule(values)) as T;
  }
}

/** Values in messages: JSON-quoted (newlines visible) and cut short. Never used for secrets. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

export const optional = (value: string): string | undefined => (value === '' ? undefined : value);
