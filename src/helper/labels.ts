/** Every object fuel-image creates on the engine carries these, so leftovers can be found and swept. */
export const LABEL = {
  managed: 'org.openstack.fuel-image',
  buildId: 'org.openstack.fuel-image.build-id',
  role: 'org.openstack.fuel-image.role',
  contextHash: 'org.openstack.fuel-image.context-hash',
  /** host:pid of the builder process, so `fuel-image gc` can tell orphans from live builds. */
  owner: 'org.openstack.fuel-image.owner',
} as const;

export function buildLabels(buildId: string, role: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.buildId]: buildId, [LABEL.role]: role };
}
