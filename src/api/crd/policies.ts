// spec.stickySession, healthCheck, outlierDetection, timeouts, retries, headers, rewrite and
// tls: defaults, enums and bounds come from the constants the validators use.

import { DEFAULT_EXPECT_STATUS, HEALTH_DEFAULTS, HEALTH_FIELDS, OUTLIER_DEFAULTS, OUTLIER_FIELDS, PERCENT, PROBE_PATH, THRESHOLD } from '../health.ts';
import {
  CONNECTOR_MODES,
  FORWARDED_MODES,
  HEADERS_DEFAULTS,
  HEADERS_FIELDS,
  MAX_HEADER_RULES,
  REWRITE_DEFAULTS,
  REWRITE_FIELDS,
  REWRITE_FORBIDDEN,
  RULES_FIELDS,
  SECRET_REF_FIELDS,
} from '../http-rules.ts';
import { MAX_SECRET_KEY, SECRET_KEY, TOKEN } from '../names.ts';
import { RETRY_ATTEMPTS, SPEC_DEFAULTS, STICKY_FIELDS, TIMEOUTS_FIELDS } from '../validate.ts';
import { celString, dnsSubdomain, duration, isDuration, re2 } from './formats.ts';
import type { Schema } from './schema-types.ts';

/** validate.ts has no limit on these maps; CEL's cost estimate needs one. */
import { MAX_EXPECT_STATUS_LENGTH, MAX_MAP_ENTRIES } from '../limits.ts';
export { MAX_EXPECT_STATUS_LENGTH, MAX_MAP_ENTRIES };
/** Likewise for expectStatus text: room for dozens of codes and ranges. */

const stickyFields: Record<(typeof STICKY_FIELDS)[number], Schema> = {
  cookie: {
    type: 'string',
    description: 'The session cookie, e.g. JSESSIONID; the route is the text after its last ".".',
    pattern: re2(TOKEN),
  },
  insert: {
    type: 'boolean',
    description: 'true: the proxy sets this cookie itself to ".<route>".',
    default: SPEC_DEFAULTS.sticky.insert,
  },
  noFailover: {
    type: 'boolean',
    description: 'true: pinned server down -> 503, the session is not moved.',
    default: SPEC_DEFAULTS.sticky.noFailover,
  },
};

export const stickySession: Schema = {
  type: 'object',
  description: 'Session affinity; absent = none.',
  required: ['cookie'],
  properties: stickyFields,
};

// parseStatusRanges in CEL: each part a code or lo-hi range within 100..599, lo <= hi.
const STATUS_PART = '^\\s*[1-5][0-9]{2}\\s*(-\\s*[1-5][0-9]{2}\\s*)?$';
const expectStatusRule =
  'type(self) == int ? self >= 100 && self <= 599 : ' +
  `self.split(',').all(p, p.matches(${celString(STATUS_PART)}) && ` +
  "(!p.contains('-') || int(p.split('-')[0].trim()) <= int(p.split('-')[1].trim())))";

const healthFields: Record<(typeof HEALTH_FIELDS)[number], Schema> = {
  path: {
    type: 'string',
    description: 'Path to GET on each server.',
    default: HEALTH_DEFAULTS.path,
    pattern: re2(PROBE_PATH),
  },
  interval: duration('Time between checks of one server.', HEALTH_DEFAULTS.intervalMs),
  timeout: duration('Time a check may take; at most the interval.', HEALTH_DEFAULTS.timeoutMs),
  healthyThreshold: {
    type: 'integer',
    description: 'Passing checks in a row that make a server healthy.',
    minimum: THRESHOLD.min,
    default: HEALTH_DEFAULTS.healthyThreshold,
  },
  unhealthyThreshold: {
    type: 'integer',
    description: 'Failing checks in a row that make a server unhealthy.',
    minimum: THRESHOLD.min,
    default: HEALTH_DEFAULTS.unhealthyThreshold,
  },
  expectStatus: {
    description: 'Passing status codes and ranges, e.g. "200-399,404" or 200.',
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
    maxLength: MAX_EXPECT_STATUS_LENGTH,
    default: DEFAULT_EXPECT_STATUS,
    'x-kubernetes-validations': [
      {
        rule: expectStatusRule,
        message: 'must be status codes or ranges from 100 to 599 separated by commas, like "200-399,404"',
      },
    ],
  },
};

export const healthCheck: Schema = {
  type: 'object',
  description: 'Active health checks; absent = none.',
  properties: healthFields,
  'x-kubernetes-validations': [
    {
      rule: `!(${isDuration('interval')} && ${isDuration('timeout')}) || duration(self.timeout) <= duration(self.interval)`,
      messageExpression: "'must not be longer than the interval (' + self.interval + '), got ' + self.timeout",
      fieldPath: '.timeout',
    },
  ],
};

const outlierFields: Record<(typeof OUTLIER_FIELDS)[number], Schema> = {
  consecutiveFailures: {
    type: 'integer',
    description: 'Failures in a row (connect errors, resets, timeouts, 502/503/504) that eject a server.',
    minimum: THRESHOLD.min,
    default: OUTLIER_DEFAULTS.consecutiveFailures,
  },
  ejectionTime: duration('Base time a server stays ejected.', OUTLIER_DEFAULTS.ejectionTimeMs),
  maxEjectionPercent: {
    type: 'integer',
    description: 'At most this share of the servers is ejected at once.',
    minimum: PERCENT.min,
    maximum: PERCENT.max,
    default: OUTLIER_DEFAULTS.maxEjectionPercent,
  },
};

// `default: {}` on the optional objects below makes the API server fill their fields' defaults
// even when the object is left out, as validate.ts does.
export const outlierDetection: Schema = {
  type: 'object',
  description: 'Passive health checks from real traffic; on by default.',
  default: {},
  properties: outlierFields,
};

const timeoutFields: Record<(typeof TIMEOUTS_FIELDS)[number], Schema> = {
  connect: duration('Time to connect to a server.', SPEC_DEFAULTS.timeouts.connectMs),
  response: duration('Time to the response headers, then 504.', SPEC_DEFAULTS.timeouts.responseMs),
  idle: duration('Idle pooled upstream connections close after this.', SPEC_DEFAULTS.timeouts.idleMs),
};

export const timeouts: Schema = { type: 'object', description: 'Upstream timeouts.', default: {}, properties: timeoutFields };

export const retries: Schema = {
  type: 'object',
  description: 'Retries on other servers.',
  default: {},
  properties: {
    attempts: {
      type: 'integer',
      description: 'Further servers to try: after connect failures for any method, 502/503/504 only for idempotent ones.',
      minimum: RETRY_ATTEMPTS.min,
      maximum: RETRY_ATTEMPTS.max,
      default: SPEC_DEFAULTS.retryAttempts,
    },
  },
};

const TOKEN_MESSAGE = "letters, digits and !#$%&'*+.^_`|~-, no spaces";

const headerRuleFields: Record<(typeof RULES_FIELDS)[number], Schema> = {
  set: {
    type: 'object',
    description: 'Headers to set: name -> value.',
    maxProperties: MAX_MAP_ENTRIES,
    additionalProperties: { type: 'string', pattern: '^[^\\r\\n\\x00]*$' },
    'x-kubernetes-validations': [
      {
        rule: `self.all(k, k.matches(${celString(re2(TOKEN))}))`,
        message: `header names must be tokens (${TOKEN_MESSAGE})`,
      },
      {
        rule: 'self.all(k, self.exists_one(o, o.lowerAscii() == k.lowerAscii()))',
        message: 'must not set the same header twice (header names ignore case)',
      },
    ],
  },
  remove: {
    type: 'array',
    description: 'Header names to remove.',
    maxItems: MAX_HEADER_RULES,
    items: { type: 'string', pattern: re2(TOKEN) },
  },
};

const headerRules = (description: string): Schema => ({ type: 'object', description, properties: headerRuleFields });

const secretRefFields: Record<(typeof SECRET_REF_FIELDS)[number], Schema> = {
  name: dnsSubdomain('Name of a Secret in the same namespace.'),
  key: { type: 'string', description: 'Key in the Secret.', maxLength: MAX_SECRET_KEY, pattern: re2(SECRET_KEY) },
};

const headerFields: Record<(typeof HEADERS_FIELDS)[number], Schema> = {
  forwarded: {
    type: 'string',
    description: 'Client address headers: X-Forwarded-*, RFC 7239 Forwarded, both or none.',
    enum: FORWARDED_MODES,
    default: HEADERS_DEFAULTS.forwarded,
  },
  via: { type: 'boolean', description: 'Add a Via header.', default: HEADERS_DEFAULTS.via },
  connector: {
    type: 'string',
    description: 'websphere: add the $WS* headers of the WebSphere plug-in.',
    enum: CONNECTOR_MODES,
    default: HEADERS_DEFAULTS.connector,
  },
  connectorSecretRef: {
    type: 'object',
    description: 'Secret value sent so the backend may trust the connector headers; only with connector: websphere.',
    required: ['name', 'key'],
    properties: secretRefFields,
  },
  request: headerRules('Changes to requests on their way to the server.'),
  response: headerRules('Changes to responses on their way to the client.'),
};

export const headers: Schema = {
  type: 'object',
  description: 'Headers the proxy adds, sets and removes.',
  default: {},
  properties: headerFields,
  'x-kubernetes-validations': [
    {
      rule: "!has(self.connectorSecretRef) || self.connector == 'websphere'",
      messageExpression: "'is only allowed with connector: websphere, got connector: ' + self.connector",
      fieldPath: '.connectorSecretRef',
    },
  ],
};

const rewriteMap = (description: string): Schema => ({
  type: 'object',
  description,
  maxProperties: MAX_MAP_ENTRIES,
  additionalProperties: { type: 'string', pattern: `^[^${re2(REWRITE_FORBIDDEN).slice(1, -1)}]*$` },
  'x-kubernetes-validations': [
    {
      rule: `self.all(k, !k.matches(${celString(re2(REWRITE_FORBIDDEN))}))`,
      message: 'keys must not contain control characters or ";"',
    },
  ],
});

const rewriteFields: Record<(typeof REWRITE_FIELDS)[number], Schema> = {
  stripContextRoot: {
    type: 'boolean',
    description: 'true: /app/a is sent upstream as /a.',
    default: REWRITE_DEFAULTS.stripContextRoot,
  },
  reverseRedirects: {
    type: 'boolean',
    description: 'ProxyPassReverse: Location, Content-Location and URI point back at the proxy.',
    default: REWRITE_DEFAULTS.reverseRedirects,
  },
  cookieDomain: rewriteMap('ProxyPassReverseCookieDomain: server domain -> public domain.'),
  cookiePath: rewriteMap('ProxyPassReverseCookiePath: server path -> public path.'),
};

export const rewrite: Schema = {
  type: 'object',
  description: 'Rewrites of paths, redirects and cookies (Apache ProxyPassReverse*).',
  default: {},
  properties: rewriteFields,
};

export const tls: Schema = {
  type: 'object',
  description: 'TLS for the hosts.',
  required: ['secretName'],
  properties: { secretName: dnsSubdomain('A kubernetes.io/tls Secret in the same namespace, served for hosts.') },
};
