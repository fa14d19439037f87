// The destinations a VirtualService routes or mirrors to, with where they sit in the spec.

import { type Obj, obj, objs } from "../../util/fields.ts";

export interface AnnotatedDestination {
  readonly routeRule: "tcp" | "tls" | "http" | "http.mirror" | "http.mirrors";
  readonly serviceIndex: number;
  readonly destinationIndex: number;
  readonly destination: Obj;
}

export function routeDestinations(spec: Obj): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  for (const rule of ["tcp", "tls", "http"] as const) {
    objs(spec[rule]).forEach((r, i) => {
      objs(r.route).forEach((rd, j) => {
        out.push({
          routeRule: rule,
          serviceIndex: i,
          destinationIndex: j,
          destination: obj(rd.destination),
        });
      });
    });
  }
  return out;
}

export function mirrorDestinations(spec: Obj): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  objs(spec.http).forEach((r, i) => {
    if (r.mirror && typeof r.mirror === "object") {
      out.push({
        routeRule: "http.mirror",
        serviceIndex: i,
        destinationIndex: 0,
        destination: obj(r.mirror),
      });
    }
    objs(r.mirrors).forEach((m, j) => {
      out.push({
        routeRule: "http.mirrors",
        serviceIndex: i,
        destinationIndex: j,
        destination: obj(m.destination),
      });
    });
  });
  return out;
}

/** Path of a destination's host in the VirtualService, for pointing messages at its line. */
export function hostPath(d: AnnotatedDestination): (string | number)[] {
  switch (d.routeRule) {
    case "http.mirror":
      return ["spec", "http", d.serviceIndex, "mirror", "host"];
    case "http.mirrors":
      return ["spec", "http", d.serviceIndex, "mirrors", d.destinationIndex, "destination", "host"];
    default:
      return [
        "spec",
        d.routeRule,
        d.serviceIndex,
        "route",
        d.destinationIndex,
        "destination",
        "host",
      ];
  }
}
