// Every test runs offline: a request nock does not expect fails instead of reaching the network.
// Loopback stays open for the real MLflow and Kubernetes API the integration tests use.
import { afterAll } from '@jest/globals';
import nock from 'nock';

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
// Each test file loads its own nock; without this, the previous file's copy stays hooked into http/fetch
// in the same worker and refuses the next file's requests.
afterAll(() => nock.restore());
