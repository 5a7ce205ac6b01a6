import { awsElastiCacheProvider } from "./aws-elasticache.js";
import { awsIamProvider } from "./aws-iam.js";
import { awsMemoryDbProvider } from "./aws-memorydb.js";
import { azureEntraIdProvider } from "./azure-entra-id.js";
import { azureSqlDatabaseProvider } from "./azure-sql-database.js";
import { cassandraProvider } from "./cassandra.js";
import { clickhouseProvider } from "./clickhouse.js";
import { couchbaseProvider } from "./couchbase.js";
import { elasticSearchProvider } from "./elastic-search.js";
import { gcpIamProvider } from "./gcp-iam.js";
import { githubProvider } from "./github.js";
import { ibmApiConnectProvider } from "./ibm-api-connect.js";
import { kafkaProvider } from "./kafka.js";
import { kubernetesProvider } from "./kubernetes.js";
import { ldapProvider } from "./ldap.js";
import { milvusProvider } from "./milvus.js";
import { mongoDbAtlasProvider } from "./mongo-db-atlas.js";
import { mongoDbProvider } from "./mongo-db.js";
import { oauth2Provider } from "./oauth2.js";
import type { DynamicSecretProvider } from "./provider.js";
import { rabbitMqProvider } from "./rabbit-mq.js";
import { redisProvider } from "./redis.js";
import { createProviderRegistry } from "./registry.js";
import { sapAseProvider } from "./sap-ase.js";
import { sapHanaProvider } from "./sap-hana.js";
import { snowflakeProvider } from "./snowflake.js";
import { sqlDatabaseProvider } from "./sql-database.js";
import { sshProvider } from "./ssh.js";
import { tailscaleProvider } from "./tailscale.js";
import { totpProvider } from "./totp.js";
import { verticaProvider } from "./vertica.js";

export type { DynamicSecretProvider, ProviderContext } from "./provider.js";
export { providerContextFrom } from "../transport/context.js";
export { createProviderRegistry, type ProviderRegistry } from "./registry.js";

/** Every built-in provider. A new provider is one file plus one line here. */
export const builtinProviders = [
  sqlDatabaseProvider,
  clickhouseProvider,
  cassandraProvider,
  awsIamProvider,
  redisProvider,
  awsElastiCacheProvider,
  awsMemoryDbProvider,
  mongoDbAtlasProvider,
  elasticSearchProvider,
  mongoDbProvider,
  rabbitMqProvider,
  azureEntraIdProvider,
  azureSqlDatabaseProvider,
  ldapProvider,
  sapHanaProvider,
  snowflakeProvider,
  totpProvider,
  sapAseProvider,
  kubernetesProvider,
  verticaProvider,
  gcpIamProvider,
  githubProvider,
  couchbaseProvider,
  milvusProvider,
  sshProvider,
  ibmApiConnectProvider,
  tailscaleProvider,
  kafkaProvider,
  oauth2Provider,
] as const satisfies readonly DynamicSecretProvider[];

export function createBuiltinProviderRegistry() {
  return createProviderRegistry(builtinProviders);
}
