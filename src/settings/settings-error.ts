/** A configuration problem; its message is the one line printed before exiting. */
export class SettingsError extends Error {
  readonly code = 'ROTOR_BAD_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}
