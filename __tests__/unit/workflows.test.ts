// Rules a security reviewer applies to the example workflows (workflows-examples/) and our own
// (.github/workflows/): every file, whatever it does, so a new or rewritten example is held to them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { parse } from 'yaml';
import { repoRoot } from '../support/action.js';

/** The action itself, as the examples reference it (README: pin it to a release commit). */
const THIS_ACTION = /^your-org\/bifrost-aks-deploy@v\d+$/;
/** owner/repo[/path]@<full commit SHA> # v<major>.<minor>.<patch> */
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
}
interface Job {
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  uses?: string;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const files = ['workflows-examples', '.github/workflows'].flatMap((dir) =>
  readdirSync(path.join(repoRoot, dir))
    .filter((name) => name.endsWith('.yml'))
    .map((name) => path.join(dir, name)),
);
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const load = (file: string) => parse(read(file)) as Workflow;

/** `uses:` values with their trailing comment, from the text (the YAML parser drops comments). */
function usesLines(text: string): string[] {
  return [...text.matchAll(/^\s*(?:- )?uses:\s*(.+?)\s*$/gm)].map((m) => m[1]);
}

/** Jobs that sign in to Azure: this action in a mode other than render. */
function needsAzure(job: Job): boolean {
  return (job.steps ?? []).some(
    (step) => step.uses !== undefined && THIS_ACTION.test(step.uses) && step.with?.mode !== 'render',
  );
}

describe.each(files)('%s', (file) => {
  const workflow = load(file);
  const jobs = Object.entries(workflow.jobs);

  it('pins every action by full commit SHA with its version in a comment', () => {
    const loose = usesLines(read(file)).filter(
      (uses) => !uses.startsWith('./') && !THIS_ACTION.test(uses) && !PINNED.test(uses),
    );
    expect(loose).toEqual([]);
  });

  it('grants nothing at the top and gives each job its own permissions', () => {
    expect(workflow.permissions).toEqual({});
    expect(jobs.filter(([, job]) => job.permissions === undefined).map(([name]) => name)).toEqual([]);
  });

  it('asks for id-token: write only in jobs that sign in to Azure', () => {
    const misplaced = jobs
      .filter(([, job]) => typeof job.permissions === 'object' && job.permissions['id-token'] === 'write')
      .filter(([, job]) => !needsAzure(job))
      .map(([name]) => name);
    expect(misplaced).toEqual([]);
    const missing = jobs
      .filter(([, job]) => needsAzure(job))
      .filter(([, job]) => typeof job.permissions !== 'object' || job.permissions['id-token'] !== 'write')
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('runs in a concurrency group (the workflow or every job)', () => {
    if (workflow.concurrency) return;
    expect(jobs.filter(([, job]) => !job.concurrency).map(([name]) => name)).toEqual([]);
  });

  it('schedules at an offset minute, never :00 or :30', () => {
    const schedules = (workflow.on.schedule as { cron: string }[] | undefined) ?? [];
    for (const { cron } of schedules) {
      const minutes = cron.split(/\s+/)[0].split(',');
      for (const minute of minutes) {
        expect(minute).toMatch(/^\d+$/);
        expect([0, 30]).not.toContain(Number(minute));
      }
    }
  });
});

describe('the scheduled verification', () => {
  const workflow = load('workflows-examples/verify-scheduled.yml');
  const step = Object.values(workflow.jobs)
    .flatMap((job) => job.steps ?? [])
    .find((s) => s.uses?.startsWith('actions/github-script@'));
  const script = String(step?.with?.script);

  /** Runs the github-script step as actions/github-script does: an async function body. */
  async function runScript(outcome: string, report: unknown, openIssues: { number: number }[]) {
    const calls: { method: string; args: Record<string, unknown> }[] = [];
    const method = (name: string, result: unknown = {}) =>
      jest.fn(async (args: Record<string, unknown>) => {
        calls.push({ method: name, args });
        return { data: result };
      });
    const github = {
      rest: {
        issues: {
          listForRepo: method('listForRepo', openIssues),
          create: method('create'),
          createComment: method('createComment'),
          update: method('update'),
        },
      },
    };
    const context = { serverUrl: 'https://github.com', repo: { owner: 'acme', repo: 'infra' }, runId: 7 };
    const env = { OUTCOME: outcome, REPORT: JSON.stringify(report) };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<unknown>;
    await new AsyncFunction('github', 'context', 'process', script)(github, context, { env });
    return calls.filter((c) => c.method !== 'listForRepo');
  }

  const failing = {
    checks: [
      { id: 'pull-secret', title: 'Pull secret', status: 'fail', evidence: 'expired', hint: 'fix | it' },
    ],
    failure: { title: 'Verification failed', message: '1 check(s) failed: pull-secret' },
  };

  it('opens one issue when a check fails, with the evidence and the fix', async () => {
    const calls = await runScript('failure', failing, []);
    expect(calls.map((c) => c.method)).toEqual(['create']);
    expect(calls[0].args.body).toContain('| Pull secret | expired | fix \\| it |');
    expect(calls[0].args.labels).toEqual(['bifrost-verify']);
  });

  it('comments on the open issue while checks keep failing', async () => {
    const calls = await runScript('failure', failing, [{ number: 12 }]);
    expect(calls.map((c) => [c.method, c.args.issue_number])).toEqual([['createComment', 12]]);
  });

  it('closes the issue when the checks pass again', async () => {
    const calls = await runScript('success', { checks: [] }, [{ number: 12 }]);
    expect(calls.map((c) => [c.method, c.args.issue_number, c.args.state])).toEqual([
      ['createComment', 12, undefined],
      ['update', 12, 'closed'],
    ]);
  });

  it('does nothing when the checks pass and no issue is open', async () => {
    expect(await runScript('success', { checks: [] }, [])).toEqual([]);
  });
});
