// exportTo: which namespaces may see a VirtualService, DestinationRule or service. `.` is the
// config's own namespace, `*` every namespace, `~` none; empty means the mesh default.

export type ExportTo = readonly string[];

export function visibleTo(
  exportTo: ExportTo,
  ownNamespace: string,
  viewer: string,
  meshDefault: ExportTo = ["*"],
): boolean {
  const list = exportTo.length > 0 ? exportTo : meshDefault;
  for (const e of list) {
    if (e === "*") return true;
    if (e === "~") continue;
    if (e === "." ? viewer === ownNamespace : e === viewer) return true;
  }
  return false;
}
