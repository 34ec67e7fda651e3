import { describe, expect, it } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { kubeError, kubeErrorSentence } from '../../../src/runners/kubernetes/kube-errors.js';
import type { KubeCall } from '../../../src/runners/kubernetes/kube-errors.js';
import { RunnerError } from '../../../src/runners/runner.js';

// Bodies in the shape the API server sends (Kubernetes `Status`); client-node puts them in ApiException.body.
const status = (code: number, reason: string, message: string, details?: object) =>
  new ApiException(
    code,
    'Unknown API Status Code!',
    { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, details, code },
    {},
  );

const create: KubeCall = {
  verb: 'create',
  resource: 'jobs.batch',
  name: 'train-1',
  namespace: 'ml',
  server: 'https://10.0.0.1:6443',
};

describe('kubeErrorSentence', () => {
  it('names the verb and resource RBAC refused, and that the Role needs it', () => {
    const error = status(
      403,
      'Forbidden',
      'jobs.batch is forbidden: User "system:serviceaccount:ml:trainbot" ' +
        'cannot create resource "jobs" in API group "batch" in the namespace "ml"',
      { group: 'batch', kind: 'jobs' },
    );
    expect(kubeErrorSentence(error, create)).toBe(
      'trainbot is not allowed to create jobs.batch in namespace "ml": ' +
        'the Role bound to its service account needs the "create" verb on "jobs.batch".',
    );
  });

  it('names a refused subresource of the core group without a group suffix', () => {
    const error = status(
      403,
      'Forbidden',
      'pods "train-1-x" is forbidden: User "system:serviceaccount:ml:trainbot" ' +
        'cannot get resource "pods/log" in API group "" in the namespace "ml"',
    );
    expect(kubeErrorSentence(error, { verb: 'get', resource: 'pods/log', namespace: 'ml' })).toBe(
      'trainbot is not allowed to get pods/log in namespace "ml": the Role bound to its service account needs ' +
        'the "get" verb on "pods/log".',
    );
  });

  it('says which ResourceQuota is exceeded and what was requested', () => {
    const error = status(
      403,
      'Forbidden',
      'jobs.batch "train-1" is forbidden: exceeded quota: training-quota, ' +
        'requested: count/jobs.batch=1, used: count/jobs.batch=2, limited: count/jobs.batch=2',
    );
    expect(kubeErrorSentence(error, create)).toBe(
      'The namespace "ml" has no room for this run: ResourceQuota ' +
        '"training-quota" is exceeded (requested: count/jobs.batch=1, used: count/jobs.batch=2, limited: ' +
        "count/jobs.batch=2); lower the run's resources or wait for other runs to finish.",
    );
  });

  it('names the invalid field from the Status causes without repeating the value', () => {
    const error = status(422, 'Invalid', 'Job.batch "Bad_Name" is invalid: metadata.name: Invalid value: ...', {
      name: 'Bad_Name',
      group: 'batch',
      kind: 'Job',
      causes: [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.name',
          message:
            'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case ' +
            "alphanumeric characters, '-' or '.'",
        },
      ],
    });
    expect(kubeErrorSentence(error, { ...create, name: 'Bad_Name' })).toBe(
      'Kubernetes rejected the Job "Bad_Name" ' +
        'because field metadata.name is invalid: a lowercase RFC 1123 subdomain must consist of lower case ' +
        "alphanumeric characters, '-' or '.'.",
    );
  });

  it('counts further invalid fields instead of listing them all', () => {
    const error = status(422, 'Invalid', 'invalid', {
      causes: [
        { field: 'spec.backoffLimit', message: 'Invalid value: -1: must be greater than or equal to 0' },
        { field: 'spec.activeDeadlineSeconds', message: 'Invalid value: 0: must be greater than 0' },
      ],
    });
    expect(kubeErrorSentence(error, create)).toBe(
      'Kubernetes rejected the Job "train-1" because field ' +
        'spec.backoffLimit is invalid: must be greater than or equal to 0 (and 1 more problem).',
    );
  });

  it('says the name is taken when the Job already exists', () => {
    const error = status(409, 'AlreadyExists', 'jobs.batch "train-1" already exists');
    expect(kubeErrorSentence(error, create)).toBe(
      'A Job named "train-1" already exists in namespace "ml"; ' +
        'wait for it to finish or cancel it before starting the same run again.',
    );
  });

  it('says a missing namespace must be created', () => {
    const error = status(404, 'NotFound', 'namespaces "ml" not found', { name: 'ml', kind: 'namespaces' });
    expect(kubeErrorSentence(error, create)).toBe(
      'The namespace "ml" does not exist; create it or configure another namespace.',
    );
  });

  it('asks for a new token when the credentials are refused', () => {
    const error = new ApiException(401, 'Unauthorized', undefined, {});
    expect(kubeErrorSentence(error, create)).toBe(
      "The Kubernetes API server refused trainbot's credentials " +
        '(401 Unauthorized); renew the token in its kubeconfig.',
    );
  });

  it('says the API server cannot be reached, naming it and the network error', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(kubeErrorSentence(error, create)).toBe(
      'The Kubernetes API server at https://10.0.0.1:6443 cannot be ' +
        "reached (ECONNREFUSED); check the cluster address in trainbot's kubeconfig and that the cluster is running.",
    );
  });

  it('reads a Status body that arrived as a JSON string', () => {
    const error = new ApiException(
      500,
      'Unknown API Status Code!',
      JSON.stringify({ kind: 'Status', reason: 'InternalError', message: 'etcdserver: request timed out' }),
      {},
    );
    expect(kubeErrorSentence(error, create)).toBe(
      'The Kubernetes API failed to create the Job "train-1" ' +
        '(HTTP 500 InternalError: etcdserver: request timed out); try again later.',
    );
  });
});

describe('kubeError', () => {
  it('is a RunnerError whose detail keeps the raw Status for the logs', () => {
    const error = kubeError(status(409, 'AlreadyExists', 'jobs.batch "train-1" already exists'), create);
    expect(error).toBeInstanceOf(RunnerError);
    expect(error.detail).toBe(
      'HTTP 409: {"kind":"Status","apiVersion":"v1","status":"Failure","message":' +
        '"jobs.batch \\"train-1\\" already exists","reason":"AlreadyExists","code":409}',
    );
  });
});
