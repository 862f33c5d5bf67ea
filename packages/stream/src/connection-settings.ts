import type { KafkaTransportOptions } from './kafka.js';
import { SettingsError, type SettingSpecs, type Settings } from './settings.js';

/** Kafka settings every Kafka-facing command shares (flags, with KAFKA_BROKERS / STREAMLR_* fallbacks). */
export const KAFKA_SETTINGS = {
  brokers: { type: 'list', env: 'KAFKA_BROKERS', default: ['127.0.0.1:9092'], help: 'Kafka bootstrap brokers, comma-separated', group: 'Kafka' },
  kafkaClientId: { type: 'string', default: 'streamlr', help: 'Kafka client id', group: 'Kafka' },
  kafkaSsl: { type: 'boolean', help: 'connect to the brokers over TLS', group: 'Kafka' },
  kafkaSaslMechanism: { type: 'string', choices: ['plain', 'scram-sha-256', 'scram-sha-512'], help: 'SASL mechanism (needs username and password)', group: 'Kafka' },
  kafkaSaslUsername: { type: 'string', help: 'SASL username', group: 'Kafka' },
  kafkaSaslPassword: { type: 'string', secret: true, help: 'SASL password (prefer the variable)', group: 'Kafka' },
} as const satisfies SettingSpecs;

/** Redis settings (REDIS_URL; `rediss://` for TLS; ACL user and password in the URL or flags). */
export const REDIS_SETTINGS = {
  redis: { type: 'string', env: 'REDIS_URL', default: 'redis://127.0.0.1:6379', help: 'Redis URL (rediss:// for TLS)', group: 'Redis' },
  redisUsername: { type: 'string', help: 'Redis ACL user (overrides the URL)', group: 'Redis' },
  redisPassword: { type: 'string', secret: true, help: 'Redis password (prefer the variable)', group: 'Redis' },
} as const satisfies SettingSpecs;

export function kafkaOptions(values: Settings<typeof KAFKA_SETTINGS>): KafkaTransportOptions {
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username, kafkaSaslPassword: password } = values;
  for (const broker of values.brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker)) {
      throw new SettingsError(`--brokers (KAFKA_BROKERS): '${broker}' is not host:port`, 'brokers');
    }
  }
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined) {
      throw new SettingsError('--kafka-sasl-mechanism (STREAMLR_KAFKA_SASL_MECHANISM): required with a SASL username or password', 'kafkaSaslMechanism');
    }
    return { brokers: values.brokers, clientId: values.kafkaClientId, ssl: values.kafkaSsl };
  }
  if (username === undefined) throw new SettingsError('--kafka-sasl-username (STREAMLR_KAFKA_SASL_USERNAME): required with SASL', 'kafkaSaslUsername');
  if (password === undefined) throw new SettingsError('--kafka-sasl-password (STREAMLR_KAFKA_SASL_PASSWORD): required with SASL', 'kafkaSaslPassword');
  return {
    brokers: values.brokers,
    clientId: values.kafkaClientId,
    ssl: values.kafkaSsl,
    sasl: { mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password },
  };
}

export interface RedisConnection {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

export function redisConnection(values: Settings<typeof REDIS_SETTINGS>): RedisConnection {
  let url: URL;
  try {
    url = new URL(values.redis);
  } catch {
    throw new SettingsError(`--redis (REDIS_URL): '${values.redis}' is not a URL like redis://host:6379`, 'redis');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new SettingsError(`--redis (REDIS_URL): scheme must be redis:// or rediss://, got '${url.protocol}'`, 'redis');
  }
  return {
    url: values.redis,
    ...(values.redisUsername === undefined ? {} : { username: values.redisUsername }),
    ...(values.redisPassword === undefined ? {} : { password: values.redisPassword }),
  };
}
