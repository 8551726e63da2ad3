import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ENRICH_PARTS, deliveryConcurrency, loadConfig } from './config.ts';

describe('loadConfig: defaults', () => {
  test('an empty environment is the embedded default', () => {
    const config = loadConfig({});
    assert.equal(config.dataDir, resolve('data'));
    assert.equal(config.databaseUrl, resolve('data', 'db'));
    assert.equal(config.databasePoolSize, 10);
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
    assert.deepEqual(config.http, { port: 8080, host: undefined });
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.uploads, {
      maxBytes: 50 * 1024 ** 3,
      multipartThresholdBytes: 64 * 1024 ** 2,
      partSizeBytes: 32 * 1024 ** 2,
      urlTtlSeconds: 3600,
      expireAfterSeconds: 24 * 3600,
      sweepIntervalSeconds: 60,
      sweepGraceSeconds: 30,
    });
    assert.deepEqual(config.transcode, { timeoutMs: 25 * 60_000, maxDurationSeconds: 6 * 3600, maxPixels: 8192 * 4320 });
    assert.equal(config.images.maxPixels, 268_402_689);
    assert.equal(config.downloadUrlTtlSeconds, 900);
    assert.deepEqual(config.search, { embeddingDimensions: 512, engine: 'postgres', lancedbPath: resolve('data/search') });
    assert.deepEqual(config.media, { ffmpegPath: '/usr/bin/ffmpeg', ffprobePath: '/usr/bin/ffprobe', ffmpegThreads: undefined });
    assert.deepEqual(config.models, { dir: resolve('data/models'), clip: undefined, executionProviders: ['cpu'], intraOpThreads: availableParallelism() });
    assert.equal(config.s3, undefined);
  });

  test('an empty variable counts as unset', () => {
    assert.equal(loadConfig({ UPLOAD_MAX_BYTES: '', PORT: '' }).uploads.maxBytes, 50 * 1024 ** 3);
  });

  test('the models directory: MODELS_DIR, else inside the data folder', () => {
    assert.equal(loadConfig({ MODELS_DIR: '/srv/models', MEDIATECA_DATA: '/srv/data' }).models.dir, '/srv/models');
    assert.equal(loadConfig({ MEDIATECA_DATA: '/srv/data' }).models.dir, '/srv/data/models');
  });

  test('quiet logs under node:test unless LOG_LEVEL says otherwise', () => {
    assert.equal(loadConfig({ NODE_TEST_CONTEXT: 'child-v8' }).logLevel, 'warn');
    assert.equal(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).logLevel, 'debug');
  });
});

describe('loadConfig: units', () => {
  test('sizes take k, M, G, T (binary); a plain number is bytes as before', () => {
    const uploads = (value: string) => loadConfig({ UPLOAD_MAX_BYTES: value }).uploads.maxBytes;
    assert.equal(uploads('50G'), 50 * 1024 ** 3);
    assert.equal(uploads('64M'), 64 * 1024 ** 2);
    assert.equal(uploads('512k'), 512 * 1024);
    assert.equal(uploads('2GiB'), 2 * 1024 ** 3);
    assert.equal(uploads('1.5T'), 1.5 * 1024 ** 4);
    assert.equal(uploads('1048576'), 1_048_576);
  });

  test('durations take ms, s, m, h, d; a plain number keeps the unit the variable had', () => {
    assert.equal(loadConfig({ UPLOAD_URL_TTL: '15m' }).uploads.urlTtlSeconds, 900);
    assert.equal(loadConfig({ UPLOAD_URL_TTL: '3600' }).uploads.urlTtlSeconds, 3600);
    assert.equal(loadConfig({ UPLOAD_EXPIRE_AFTER: '24h' }).uploads.expireAfterSeconds, 86_400);
    assert.equal(loadConfig({ DOWNLOAD_URL_TTL: '3600s' }).downloadUrlTtlSeconds, 3600);
    assert.equal(loadConfig({ TRANSCODE_TIMEOUT_MS: '20m' }).transcode.timeoutMs, 1_200_000);
    assert.equal(loadConfig({ TRANSCODE_TIMEOUT_MS: '90000' }).transcode.timeoutMs, 90_000);
    assert.equal(loadConfig({ MEDIA_MAX_DURATION_SECONDS: '2h' }).transcode.maxDurationSeconds, 7200);
  });
});

describe('loadConfig: errors name the variable and what is wrong', () => {
  test('UPLOAD_MAX_BYTES=50G is 50 GiB, not NaN (which silently disabled the size limit)', () => {
    const maxBytes = loadConfig({ UPLOAD_MAX_BYTES: '50G' }).uploads.maxBytes;
    assert.ok(Number.isSafeInteger(maxBytes));
    assert.ok(50 * 1024 ** 3 + 1 > maxBytes, 'a file one byte over the limit is over it');
  });

  test('a value that is not a size stops the start', () => {
    assert.throws(() => loadConfig({ UPLOAD_MAX_BYTES: '50Q' }), /UPLOAD_MAX_BYTES=50Q: not a size/);
    assert.throws(() => loadConfig({ UPLOAD_PART_SIZE: '0' }), /UPLOAD_PART_SIZE=0: must be at least 1 byte/);
  });

  test('every wrong variable is listed at once', () => {
    assert.throws(
      () => loadConfig({ UPLOAD_URL_TTL: 'soon', PORT: 'http', PUBLIC_URL: 'localhost', SEARCH_EMBEDDING_DIMENSIONS: '0' }),
      (error: Error) => {
        for (const expected of ['UPLOAD_URL_TTL=soon: not a duration', 'PORT=http: not a whole number', 'PUBLIC_URL=localhost: not a URL', 'SEARCH_EMBEDDING_DIMENSIONS=0: must be at least 1']) {
          assert.ok(error.message.includes(expected), `${expected} in ${error.message}`);
        }
        return true;
      },
    );
  });

  test('S3 needs its keys', () => {
    assert.throws(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:7480', S3_ACCESS_KEY: 'k' }), /S3_SECRET_KEY must be set when S3_ENDPOINT is/);
  });
});

describe('loadConfig: lists', () => {
  test('every model runs unless ENRICH_PARTS says otherwise', () => {
    assert.deepEqual(loadConfig({}).enrich.parts, [...ENRICH_PARTS]);
    assert.deepEqual(loadConfig({ ENRICH_PARTS: 'objects, ocr' }).enrich.parts, ['objects', 'ocr']);
    assert.deepEqual(loadConfig({ ENRICH_PARTS: 'none' }).enrich.parts, []);
  });

  test('an unknown part is a startup error naming the known ones', () => {
    assert.throws(() => loadConfig({ ENRICH_PARTS: 'objects,facez' }), /unknown part "facez" \(known: objects, faces, ocr, speech, embedding, none\)/);
  });

  test('ONNX execution providers: a priority list, cpu by default, unknown names refused', () => {
    const providers = (value?: string) => loadConfig(value === undefined ? {} : { ONNX_EXECUTION_PROVIDERS: value }).models.executionProviders;
    assert.deepEqual(providers(), ['cpu']);
    assert.deepEqual(providers(' , '), ['cpu']);
    assert.deepEqual(providers(' CUDA, cpu ,cuda'), ['cuda', 'cpu']);
    assert.throws(() => providers('cuda,gpu'), /ONNX_EXECUTION_PROVIDERS=cuda,gpu: unknown execution provider "gpu"/);
    assert.equal(loadConfig({ ONNX_INTRA_OP_THREADS: '3' }).models.intraOpThreads, 3);
    assert.throws(() => loadConfig({ ONNX_INTRA_OP_THREADS: '0' }), /ONNX_INTRA_OP_THREADS=0: must be at least 1/);
  });

  test('SPEECH_ENGINE is one of the engines', () => {
    assert.throws(() => loadConfig({ SPEECH_ENGINE: 'vosk' }), /SPEECH_ENGINE=vosk: must be pocketsphinx, whisper-cpp, none or unset/);
  });

  test('SEARCH_ENGINE: postgres unless lancedb is chosen; the Lance dataset lives under the data folder unless LANCEDB_PATH says', () => {
    assert.equal(loadConfig({}).search.engine, 'postgres');
    assert.deepEqual(loadConfig({ SEARCH_ENGINE: 'lancedb', MEDIATECA_DATA: '/srv/data' }).search, { embeddingDimensions: 512, engine: 'lancedb', lancedbPath: '/srv/data/search' });
    assert.equal(loadConfig({ SEARCH_ENGINE: 'lancedb', LANCEDB_PATH: '/fast/lance' }).search.lancedbPath, '/fast/lance');
    assert.throws(() => loadConfig({ SEARCH_ENGINE: 'sqlite' }), /SEARCH_ENGINE=sqlite: must be postgres, lancedb or unset/);
  });
});

describe('loadConfig: browsers and bucket notifications', () => {
  test('CORS_ORIGINS is a comma list of origins or *; unset leaves the PUBLIC_URL origin to the store', () => {
    assert.equal(loadConfig({}).corsOrigins, undefined);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, ['*']);
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/upload' }), /CORS_ORIGINS=https:\/\/app.example.com\/upload: not a comma list of origins/);
  });

  test('NOTIFY_ENDPOINT is a URL, or none to leave the notification alone', () => {
    assert.equal(loadConfig({}).notifyEndpoint, undefined);
    assert.equal(loadConfig({ NOTIFY_ENDPOINT: 'http://upload-complete.mediateca.svc.cluster.local/' }).notifyEndpoint, 'http://upload-complete.mediateca.svc.cluster.local/');
    assert.equal(loadConfig({ NOTIFY_ENDPOINT: 'none' }).notifyEndpoint, false);
    assert.throws(() => loadConfig({ NOTIFY_ENDPOINT: 'upload-complete' }), /NOTIFY_ENDPOINT=upload-complete: not an http\(s\) URL \(or none\)$/);
  });
});

describe('loadConfig: edge (events secret, tokens, rate limits)', () => {
  test('defaults', () => {
    const config = loadConfig({});
    assert.equal(config.eventsSecret, undefined);
    assert.equal(config.notificationMaxRecords, 100);
    assert.equal(config.auth.maxLocalTokenLifetimeSeconds, 24 * 3600);
    assert.deepEqual(config.rateLimits, { perSubject: 3000, perIp: 6000, uploadsPerSubject: 120, keyPrefix: 'mediateca:rate', trustedProxyHops: 0 });
    assert.equal(config.redisUrl, undefined);
  });

  test('values and their errors', () => {
    assert.equal(loadConfig({ AUTH_MAX_TOKEN_LIFETIME: '1h' }).auth.maxLocalTokenLifetimeSeconds, 3600);
    assert.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimits.perSubject, 0, '0 turns it off');
    assert.equal(loadConfig({ EVENTS_SECRET: 'a'.repeat(64) }).eventsSecret, 'a'.repeat(64));
    assert.throws(() => loadConfig({ EVENTS_SECRET: 'short' }), /EVENTS_SECRET=short: not a secret of 16 or more URL-safe characters/);
    assert.throws(() => loadConfig({ EVENTS_SECRET: 'has spaces and & more than 16' }), /EVENTS_SECRET=/);
    assert.throws(() => loadConfig({ RATE_LIMIT_UPLOADS_PER_MINUTE: 'lots' }), /RATE_LIMIT_UPLOADS_PER_MINUTE=lots: not a whole number/);
    assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL=localhost:6379: not a redis:\/\/ or rediss:\/\/ URL/);
    assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl, 'redis://127.0.0.1:6379');
  });
});

describe('loadConfig: reliability settings', () => {
  test('retention, delivery concurrency and loop limits have their defaults', () => {
    const config = loadConfig({});
    assert.deepEqual(config.retention, { eventsSeconds: 30 * 86_400, deadLettersSeconds: 365 * 86_400 });
    assert.deepEqual(config.delivery, { concurrency: 4, perFunction: {} });
    assert.deepEqual(config.loops, { stallSeconds: 120, shutdownTimeoutMs: 25_000 });
  });

  test('a function of its own concurrency overrides DELIVERY_CONCURRENCY; durations take units', () => {
    const config = loadConfig({ DELIVERY_CONCURRENCY: '2', DELIVERY_CONCURRENCY_TRANSCODE: '8', DELIVERY_CONCURRENCY_UPLOAD_COMPLETE: '3', EVENTS_RETENTION: '14d', LOOP_STALL_SECONDS: '5m', SHUTDOWN_TIMEOUT_MS: '10s' });
    assert.equal(deliveryConcurrency(config, 'transcode'), 8);
    assert.equal(deliveryConcurrency(config, 'upload-complete'), 3);
    assert.equal(deliveryConcurrency(config, 'index'), 2);
    assert.equal(config.retention.eventsSeconds, 14 * 86_400);
    assert.deepEqual(config.loops, { stallSeconds: 300, shutdownTimeoutMs: 10_000 });
  });

  test('a concurrency of 0 or above 256 is refused with the variable named', () => {
    assert.throws(() => loadConfig({ DELIVERY_CONCURRENCY: '0' }), /DELIVERY_CONCURRENCY=0: must be at least 1/);
    assert.throws(() => loadConfig({ DELIVERY_CONCURRENCY_INDEX: '1000' }), /DELIVERY_CONCURRENCY_INDEX=1000: must be at most 256/);
  });
});

describe('loadConfig: the workspace’s OIDC sign-in', () => {
  test('off unless WEB_OIDC_CLIENT_ID is set; the issuer is WEB_OIDC_ISSUER, else AUTH_ISSUER', () => {
    assert.equal(loadConfig({}).webOidc, undefined);
    const jwks = { AUTH_JWKS_URL: 'https://sso.example/realms/news/protocol/openid-connect/certs' };
    assert.deepEqual(loadConfig({ ...jwks, AUTH_ISSUER: 'https://sso.example/realms/news', WEB_OIDC_CLIENT_ID: 'mediateca-web' }).webOidc,
      { issuer: 'https://sso.example/realms/news', clientId: 'mediateca-web', scope: 'openid profile' });
    assert.equal(loadConfig({ ...jwks, WEB_OIDC_ISSUER: 'https://other.example/x', WEB_OIDC_CLIENT_ID: 'web', WEB_OIDC_SCOPE: 'openid email' }).webOidc?.scope, 'openid email');
  });
  test('a client id needs a provider URL as issuer and the JWKS the API verifies its tokens with', () => {
    assert.throws(() => loadConfig({ AUTH_JWKS_URL: 'https://sso.example/certs', WEB_OIDC_CLIENT_ID: 'web' }), /WEB_OIDC_ISSUER must be set/);
    assert.throws(() => loadConfig({ AUTH_ISSUER: 'https://sso.example/realms/news', WEB_OIDC_CLIENT_ID: 'web' }), /AUTH_JWKS_URL must be set/);
    assert.throws(() => loadConfig({ WEB_OIDC_CLIENT_ID: 'has space' }), /WEB_OIDC_CLIENT_ID=has space: not an OAuth client id/);
    assert.throws(() => loadConfig({ WEB_OIDC_SCOPE: 'profile' }), /the scope must include openid/);
  });
});

describe('loadConfig: OpenTelemetry', () => {
  test('off by default; the standard OTEL_* variables turn the OTLP/HTTP JSON export on, and off again', () => {
    assert.equal(loadConfig({}).tracing, undefined);
    assert.deepEqual(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_HEADERS: 'x-team=news%20desk' }).tracing,
      { tracesUrl: 'http://127.0.0.1:4318/v1/traces', serviceName: undefined, headers: { 'x-team': 'news desk' } });
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/traces', OTEL_SERVICE_NAME: 'mt' }).tracing?.tracesUrl, 'http://collector:4318/traces');
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }).tracing, undefined);
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing, undefined);
  });

  test('a protocol the exporter does not speak is refused, not ignored', () => {
    assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /OTEL_EXPORTER_OTLP_PROTOCOL=grpc: must be http\/json/);
    assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }), /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http\/protobuf: must be http\/json/);
  });
});
