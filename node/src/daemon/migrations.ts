/**
 * The node's whole schema, in order: the store's own tables (datasets), then each
 * service's, each given the next version. A service's tables live next to its code (its
 * `schema.ts`); only this list fixes their versions, and it only ever grows at the end.
 */
import { CHAIN_SCHEMA } from "../chain/index.ts";
import { MARKET_SCHEMA } from "../market/index.ts";
import { PAYMENT_DEBTS_SCHEMA, PAYMENTS_SCHEMA } from "../payments/index.ts";
import { PURCHASING_SCHEMA } from "../purchasing/index.ts";
import { REPUTATION_SCHEMA } from "../reputation/index.ts";
import { SALES_SCHEMA } from "../sales/index.ts";
import { MIGRATIONS, type Migration } from "../store/metadata/index.ts";

const SERVICE_SCHEMAS: readonly Omit<Migration, "version">[] = [
  CHAIN_SCHEMA,
  MARKET_SCHEMA,
  SALES_SCHEMA,
  REPUTATION_SCHEMA,
  PURCHASING_SCHEMA,
  PAYMENTS_SCHEMA,
  PAYMENT_DEBTS_SCHEMA,
];

export const NODE_MIGRATIONS: readonly Migration[] = [
  ...MIGRATIONS,
  ...SERVICE_SCHEMAS.map((schema, i) => ({ ...schema, version: MIGRATIONS.length + i + 1 })),
];
