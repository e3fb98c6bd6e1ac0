/**
 * Brings the e2e stack up and keeps it up until Ctrl-C, to look at the dApp by hand with the
 * same services the browser test uses: `node test/e2e/up.ts` from web/.
 */
import { startStack } from "./stack.ts";

const stack = await startStack({ log: (line) => console.log(line) });
console.log(
  `\ndApp ${stack.webUrl}\nRPC ${stack.rpcUrl}\nGraphQL ${stack.graphqlUrl}\nprovider1 API ${stack.nodeApiUrl}`,
);
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
