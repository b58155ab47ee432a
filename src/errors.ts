/** An error whose message already tells the user what to change. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

/** A bad input: names the input, what was wrong and what would be valid. */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    problem: string,
    valid: string,
  ) {
    super(`Input '${input}': ${problem}. ${valid}`);
    this.name = 'InputError';
  }
}
