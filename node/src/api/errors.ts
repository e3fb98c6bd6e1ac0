/**
 * Errors the REST API answers with. Each maps to an HTTP status and a stable `code`, and
 * the JSON body is always `{ error: { code, message, field? } }`, where `field` names the
 * bad parameter (`k`, `cid`, `Range`, `Authorization`, ...).
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(statusCode: number, code: string, message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
  }
}

/** A parameter, header or body is malformed or out of range (400). */
export class InvalidParameterApiError extends ApiError {
  constructor(field: string, message: string) {
    super(400, "INVALID_PARAMETER", message, field);
  }
}

/** A mutating request has no token or the wrong one (401). */
export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super(401, "UNAUTHORIZED", message, "Authorization");
  }
}

/** The CID, dataset or route is not here (404). */
export class NotFoundApiError extends ApiError {
  constructor(message: string, field?: string) {
    super(404, "NOT_FOUND", message, field);
  }
}

/** The request conflicts with the node's state, e.g. deleting data held for a deal (409). */
export class ConflictError extends ApiError {
  constructor(code: string, message: string, field?: string) {
    super(409, code, message, field);
  }
}

/**
 * The contract would refuse the transaction (422): its simulation reverted with a custom
 * error, which `code` carries as `CONTRACT_REVERT` and the message names with its
 * arguments. Nothing was sent.
 */
export class ContractRevertApiError extends ApiError {
  readonly errorName: string;
  constructor(errorName: string, message: string) {
    super(422, "CONTRACT_REVERT", message, errorName);
    this.errorName = errorName;
  }
}

/**
 * The request is well formed, but the state of the node or the chain refuses it (422),
 * found before any transaction: e.g. collecting a slot another provider holds.
 */
export class UnprocessableApiError extends ApiError {
  constructor(code: string, message: string, field?: string) {
    super(422, code, message, field);
  }
}

/** A part of the node the route needs is not running (503): no chain link, no libp2p. */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string) {
    super(503, "SERVICE_UNAVAILABLE", message);
  }
}

/** The body is over the configured limit (413). */
export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, "PAYLOAD_TOO_LARGE", `the body is over the ${limit}-byte limit`, "body");
  }
}

/** The Range header cannot be satisfied for this content (416). */
export class RangeNotSatisfiableError extends ApiError {
  readonly size: number;
  constructor(message: string, size: number) {
    super(416, "RANGE_NOT_SATISFIABLE", message, "Range");
    this.size = size;
  }
}

/** No representation matches the Accept header or `format` (406). */
export class NotAcceptableError extends ApiError {
  constructor(message: string, field: string) {
    super(406, "NOT_ACCEPTABLE", message, field);
  }
}

/** The request's origin is not in `api.corsOrigins` (403). */
export class CorsOriginRefusedError extends ApiError {
  constructor(origin: string) {
    super(403, "CORS_ORIGIN_REFUSED", `origin ${origin} is not allowed (api.corsOrigins)`, "Origin");
  }
}

/** The API server was used before `start()` or after `stop()`. */
export class ApiServerNotStartedError extends Error {
  override name = "ApiServerNotStartedError" as const;
}
