/**
 * Stands in for packages that ship only TypeScript types (no JavaScript). The generated
 * Graph Client SDK imports such packages as values; every name it takes from them is used
 * as a type only, so an empty module satisfies the bundler. See next.config.ts.
 */
export {};
