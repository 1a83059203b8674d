// The status the controller writes (API.md §1). Only the controller writes it, through the
// status subresource, so these rules guard against controller bugs rather than users.

import type { Schema } from './schema-types.ts';

export const SERVER_STATES = ['healthy', 'unhealthy', 'ejected', 'draining', 'disabled'] as const;

/** metav1.Condition, as `kubebuilder` writes it for every Kubernetes API. */
const condition: Schema = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: {
      type: 'string',
      description: 'Accepted or Ready.',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: {
      type: 'string',
      description: 'Accepted: Valid, Invalid, Conflict, SecretNotFound or ServiceNotFound.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    message: { type: 'string', maxLength: 32768 },
  },
};

const serverStatus: Schema = {
  type: 'object',
  required: ['host', 'state'],
  properties: {
    host: { type: 'string' },
    port: { type: 'integer' },
    route: { type: 'string' },
    state: { type: 'string', enum: SERVER_STATES },
    since: { type: 'string', format: 'date-time', description: 'When the server entered this state.' },
  },
};

export const status: Schema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'The generation this status describes.' },
    conditions: {
      type: 'array',
      maxItems: 8,
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    servers: { type: 'array', description: 'One entry per server, in spec order.', items: serverStatus },
    healthyServers: { type: 'integer', minimum: 0, description: 'Servers in state healthy.' },
    serverSummary: {
      type: 'string',
      description: 'healthy/total, e.g. "2/3": the SERVERS column of kubectl get.',
      pattern: '^[0-9]+/[0-9]+$',
    },
  },
};
