// Request claims (Runner.claim) held in this process's memory: enough where one process runs the requests,
// as with the CLI and the local runner of a workflow job, and for test runners. KubernetesRunner claims on
// the API server instead, so they hold across bot replicas.
const held = new Set<string>();

export async function claimInProcess(key: string): Promise<boolean> {
  if (held.has(key)) return false;
  held.add(key);
  return true;
}

export async function releaseInProcess(key: string): Promise<void> {
  held.delete(key);
}
