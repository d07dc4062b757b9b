// ActionFailure: the one shape of every failure the user sees — what failed, the evidence that
// shows it (a condition, an event, a log line, an HTTP status and body) and the fix.

/** A failure the user can act on: what failed, what we saw, how to fix it. */
export class ActionFailure extends Error {
  constructor(
    readonly title: string,
    message: string,
    readonly evidence: string[] = [],
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}
