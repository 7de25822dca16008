// Error replies in Segment's envelope: {"errors":[{type, message, field?, data?}]}.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly field?: string,
    readonly data?: unknown,
    /** Further error objects after the first (the API returns an array). */
    readonly more: Array<Record<string, unknown>> = [],
  ) {
    super(message);
  }

  body(): { errors: Array<Record<string, unknown>> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.data !== undefined) error.data = this.data;
    return { errors: [error, ...this.more] };
  }
}

export function validationError(field: string, message: string): ApiError {
  return new ApiError(422, "ValidationFailure", message, field);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, "NotFound", message);
}
