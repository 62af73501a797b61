/** A failure the CLI reports as one line on stderr, with a non-zero exit code. */
export class CliError extends Error {
  readonly code = 'ROTOR_CLI';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** A wrong command line: exit code 2, like most Unix tools. */
export const usageError = (message: string): CliError => new CliError(message, 2);
