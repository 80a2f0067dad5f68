/**
 * knex CLI configuration (`npx knex migrate:latest`). The service itself migrates on start;
 * this file is for running migrations by hand against DATABASE_URL.
 */
import type { Knex } from 'knex';

const config: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: './migrations', loadExtensions: ['.ts'] },
};

export default config;
module.exports = config;
