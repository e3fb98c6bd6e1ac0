/** The API token file exists but cannot be used (too short, or readable by others is only a warning). */
export class ApiTokenFileInvalidError extends Error {
  override name = "ApiTokenFileInvalidError" as const;
}

/** A node was started twice, or stopped before it started. */
export class NodeStateError extends Error {
  override name = "NodeStateError" as const;
}

/** `chain.deploymentFile` cannot be read, is for another chain, or lacks a contract. */
export class DeploymentFileError extends Error {
  override name = "DeploymentFileError" as const;
}
