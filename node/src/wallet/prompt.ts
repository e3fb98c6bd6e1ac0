import { WalletPromptCancelledError } from "./errors.ts";

const ENTER = new Set(["\r", "\n", "\u0004"]);
const CTRL_C = "\u0003";
const BACKSPACE = new Set(["\u007f", "\b"]);

/** Asks for a passphrase. Returns what was typed. */
export type PassphrasePrompt = (question: string) => Promise<string>;

/** True when the process can ask the user: both stdin and stderr are terminals. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * Reads a passphrase from the terminal without echoing it. The question goes to stderr,
 * because stdout may be piped into another program.
 */
export const ttyPrompt: PassphrasePrompt = (question) => {
  const input = process.stdin;
  const output = process.stderr;
  output.write(question);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = () => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ENTER.has(ch)) {
          finish();
          resolve(chars.join(""));
          return;
        }
        if (ch === CTRL_C) {
          finish();
          reject(new WalletPromptCancelledError("passphrase prompt cancelled"));
          return;
        }
        if (BACKSPACE.has(ch)) chars = chars.slice(0, -1);
        else chars.push(ch);
      }
    };
    input.on("data", onData);
  });
};
