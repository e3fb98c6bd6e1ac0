/**
 * Brings the e2e stack up and keeps it up until Ctrl-C, to look at the dApp by hand with the
 * same services the browser test uses: `node test/e2e/up.ts` from web/ (`next dev`;
 * CAIRN_WEB_E2E_BUILD=1 for a production build).
 */
import { startStack } from "./stack.ts";

const stack = await startStack({ log: (line) => console.log(line) });
console.log(
  `\ndApp ${stack.webUrl}\nRPC ${stack.rpcUrl}\nGraphQL ${stack.graphqlUrl}\n${stack.nodes
    .map((node) => `${node.name} API ${node.apiUrl}`)
    .join("\n")}`,
);
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
