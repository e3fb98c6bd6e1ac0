/** A provider command's input is out of range; `field` names it. */
export class ProviderInputError extends Error {
  override name = "ProviderInputError" as const;
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}
