// The proxies of the local mesh as commands address them, and reading their admin interfaces.

import { mastHome } from "../runtime/home.ts";
import { type LocalProxy, localProxies } from "../runtime/live.ts";
import { UsageError } from "./usage.ts";

export async function getJson(url: string, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (e) {
    throw new UsageError(
      `${what} is not reachable at ${url} (is \`mast up\` running?): ${(e as Error).message}`,
    );
  }
  if (res.status !== 200) throw new UsageError(`${what}: ${url} answered ${res.status}`);
  return res.json();
}

/** The proxy of a workload, named as `mast up` names it, by pod name, or as `pod.namespace`. */
export function findProxy(command: string, workload: string): LocalProxy {
  const all = localProxies(mastHome());
  const p = all.find(
    (x) => x.name === workload || x.pod === workload || x.pod.split(".")[0] === workload,
  );
  if (!p)
    throw new UsageError(
      `${command}: no proxy for "${workload}" in this mesh (known: ${all.map((x) => x.name).join(", ") || "none"})`,
    );
  return p;
}
