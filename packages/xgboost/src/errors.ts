/** A model file that cannot be loaded: corrupt, truncated, unsupported or not an XGBoost model at all. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}
