// Every test runs offline: a request nock does not expect fails instead of reaching the network.
// Loopback stays open for the real MLflow and Kubernetes API the integration tests use.
import nock from 'nock';

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
