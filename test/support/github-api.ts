// nock for api.github.com, checked against GitHub's REST description: every mocked route must be a real
// operation with all its path parameters and only query parameters it documents; a request body the test
// expects must satisfy the operation's schema (required fields, enums, types, lengths); a success status
// must be one the operation documents. useGitHubApi() also fails a test that left a mock unused.
import { afterAll, afterEach, expect } from '@jest/globals';
import nock from 'nock';
import type { ProbotOctokit } from 'probot';
import {
  exampleResponse,
  findOperation,
  parameters,
  requestSchema,
  schemaErrors,
  type HttpMethod,
  type Operation,
} from './github-openapi.js';

export const GITHUB_API_URL = 'https://api.github.com';
/** The repository every adapter test talks to; the events in github-events.ts come from it too. */
export const REPO = { owner: 'Codertocat', repo: 'Hello-World' } as const;

type Scalar = string | number | boolean;

type RestMethod = (...args: never[]) => Promise<{ data: unknown }>;
/** The response type Octokit gives an endpoint method, e.g. `ResponseData<Rest['pulls']['get']>`: the shape of GitHub's examples. */
export type ResponseData<M extends RestMethod> = Awaited<ReturnType<M>>['data'];
export type Rest = ProbotOctokit['rest'];

export interface RouteOptions {
  /** Values for the template's `{placeholders}`; `owner` and `repo` default to REPO. */
  params?: Record<string, Scalar>;
  /** The exact query string the request must carry. */
  query?: Record<string, Scalar>;
  /** The exact JSON body the request must carry; validated against the operation's request schema. */
  body?: Record<string, unknown>;
}

export interface MockedRoute {
  /** Also require this request header (e.g. `authorization`). */
  matchHeader(name: string, value: string | RegExp): MockedRoute;
  /** Expect the request `n` times (each must happen: an unused repeat fails the test). */
  times(n: number): MockedRoute;
  reply(status: number, body?: unknown, headers?: Record<string, string>): nock.Scope;
  /** Answers with GitHub's documented example for `status`, after `edit` changes what the test relies on. */
  replyWithExample<T = unknown>(
    status?: number,
    edit?: (example: T) => T | void,
    headers?: Record<string, string>,
  ): nock.Scope;
  /** The connection fails before GitHub answers. */
  replyWithError(message: string): nock.Scope;
}

/** Mocks one GitHub call after checking it against the REST description (throws when it does not fit). */
export function mockGitHub(method: HttpMethod, template: string, options: RouteOptions = {}): MockedRoute {
  const operation = findOperation(method, template);
  const path = fillPath(operation, template, { ...REPO, ...options.params });
  checkQuery(operation, method, template, options.query);
  if (options.body !== undefined) checkBody(operation, method, template, options.body);

  const scope = nock(GITHUB_API_URL);
  const lower = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let interceptor =
    options.body === undefined ? scope[lower](path) : scope[lower](path, options.body as nock.RequestBodyMatcher);
  interceptor = interceptor.query(options.query ?? {});

  const checkStatus = (status: number): void => {
    if (status >= 200 && status < 300 && !operation.responses[String(status)]) {
      throw new Error(
        `${method} ${template} does not answer ${status}; GitHub documents ${Object.keys(operation.responses).join(', ')}.`,
      );
    }
  };
  const route: MockedRoute = {
    matchHeader(name, value) {
      interceptor = interceptor.matchHeader(name, value);
      return route;
    },
    times(n) {
      interceptor = interceptor.times(n);
      return route;
    },
    reply(status, body, headers) {
      checkStatus(status);
      return interceptor.reply(status, body as nock.Body, headers);
    },
    replyWithExample(status = firstSuccess(operation), edit, headers) {
      checkStatus(status);
      const example = exampleResponse(method, template, status);
      const edited = edit ? (edit(example as never) ?? example) : example;
      return interceptor.reply(status, edited as nock.Body, { 'content-type': 'application/json', ...headers });
    },
    replyWithError(message) {
      return interceptor.replyWithError(message);
    },
  };
  return route;
}

/** A `Link` header pointing at the next page, the way GitHub paginates. */
export function nextPageLink(
  template: string,
  params: Record<string, Scalar>,
  query: Record<string, Scalar>,
): Record<string, string> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String({ ...REPO, ...params }[name])),
  );
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return { link: `<${GITHUB_API_URL}${path}?${qs}>; rel="next"` };
}

/** Fails when a mock that was set up was never requested; clears all mocks either way. */
export function expectAllMocksUsed(): void {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
}

/**
 * Registers expectAllMocksUsed after each test of the file, and takes nock's interception down after
 * the file: left applied, this file's nock keeps answering requests in the next test file the same Jest
 * worker runs ("Disallowed net connect" for that file's mocks). Every file that imports nock needs this.
 */
export function useGitHubApi(): void {
  afterEach(expectAllMocksUsed);
  afterAll(() => nock.restore());
}

function fillPath(operation: Operation, template: string, values: Record<string, Scalar>): string {
  const declared = new Set(parameters(operation, 'path').map((p) => p.name));
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${template} needs a value for {${name}}.`);
    if (!declared.has(name)) throw new Error(`${template}: {${name}} is not a documented path parameter.`);
    return encodeURIComponent(String(value));
  });
}

function checkQuery(
  operation: Operation,
  method: HttpMethod,
  template: string,
  query: Record<string, Scalar> = {},
): void {
  const known = new Set(parameters(operation, 'query').map((p) => p.name));
  const unknown = Object.keys(query).filter((k) => !known.has(k));
  if (unknown.length)
    throw new Error(
      `${method} ${template} takes no query parameter ${unknown.join(', ')} (it takes ${[...known].join(', ') || 'none'}).`,
    );
}

function checkBody(operation: Operation, method: HttpMethod, template: string, body: Record<string, unknown>): void {
  const schema = requestSchema(operation);
  if (!schema) throw new Error(`${method} ${template} takes no JSON request body.`);
  const errors = schemaErrors(body, schema);
  if (errors.length)
    throw new Error(`The body expected for ${method} ${template} breaks GitHub's schema:\n${errors.join('\n')}`);
}

function firstSuccess(operation: Operation): number {
  const status = Object.keys(operation.responses).find((s) => s.startsWith('2'));
  if (!status) throw new Error(`${operation.operationId} documents no success response.`);
  return Number(status);
}
