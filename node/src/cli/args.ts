import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs, strict, with its errors turned into one short `UsageError` line. */
export function parse<O extends Options>(args: string[], options: O, command: string) {
  try {
    // allowNegative: a boolean flag is true alone and false as --no-<flag>.
    return parseArgs({ args, options, strict: true, allowPositionals: true, allowNegative: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message;
    const option = /'(-[^']*)'/.exec(message)?.[1];
    let line: string;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") line = `unknown option ${option ?? message}`;
    else if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      line = message.includes("argument missing") ? `option ${option ?? ""} needs a value` : message;
    } else line = message;
    throw new UsageError(`${line.split("\n")[0]} (see cairn ${command} --help)`);
  }
}

/** An integer flag in [min, max], or a UsageError naming the flag. */
export function intFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
