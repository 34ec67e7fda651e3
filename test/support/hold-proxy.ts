// A loopback HTTPS proxy in front of the API server that can leave one chosen request unanswered and unsent,
// for the kill -9 tests (test/integration/app/kill-bot.test.ts): the bot in the child process then stops right
// before that call, with everything before it done, and the test kills it there. Unlike kube-tcp-proxy.ts it
// ends TLS, to see each request's method and path; it serves the API server's own self-signed certificate
// (the kubeconfigs the tests make skip verification anyway) and streams every answer, watches included.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';

export type RequestTest = (method: string, path: string, body: string) => boolean;

export interface HoldProxy {
  url: string; // https://127.0.0.1:PORT, to use as a kubeconfig server
  /** The next request matching `test` is neither sent on nor answered; resolves when it arrived. */
  holdNext(test: RequestTest): Promise<void>;
  close(): Promise<void>;
}

/** The serving pair kube-apiserver wrote into its --cert-dir, beside the admin kubeconfig (scripts/services/kube.sh). */
export function apiServerCertificate(adminKubeconfig: string): { cert: Buffer; key: Buffer } {
  const dir = join(dirname(adminKubeconfig), 'certs');
  return { cert: readFileSync(join(dir, 'apiserver.crt')), key: readFileSync(join(dir, 'apiserver.key')) };
}

export async function startHoldProxy(target: string, tls: { cert: Buffer; key: Buffer }): Promise<HoldProxy> {
  const upstream = new URL(target);
  let hold: { test: RequestTest; arrived: () => void } | undefined;
  const open = new Set<Socket>();
  const server = createServer(tls, (incoming: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = incoming.method ?? 'GET';
      const path = incoming.url ?? '/';
      if (hold?.test(method, path.split('?')[0] ?? '', body.toString())) {
        const { arrived } = hold;
        hold = undefined;
        arrived();
        return; // the caller waits here until it is killed
      }
      const forwarded = httpsRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers: { ...incoming.headers, host: upstream.host },
          rejectUnauthorized: false, // the loopback API server's certificate is self-signed
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.on('error', () => response.destroy());
      response.on('close', () => forwarded.destroy());
      forwarded.end(body);
    });
  });
  server.on('secureConnection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdNext: (test) =>
      new Promise((arrived) => {
        hold = { test, arrived };
      }),
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((closed) => server.close(closed));
    },
  };
}
