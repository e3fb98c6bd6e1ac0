/** Runs `cairn ...` in-process, through the CLI's own `main`, and keeps what it printed. */
import { main } from "../../src/cli/index.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `cairn <args>` against the node at `apiUrl` with `token`, in `folder` (its cwd, HOME and data dir). */
export async function runCairn(
  args: string[],
  { apiUrl, token, folder }: { apiUrl: string; token: string; folder: string },
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { CAIRN_API_URL: apiUrl, CAIRN_API_TOKEN: token, CAIRN_DATA_DIR: folder, HOME: folder },
    cwd: folder,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
