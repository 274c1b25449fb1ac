/** Every object fuel-image creates on the engine carries these, so leftovers can be found and swept. */
export const LABEL = {
  managed: 'org.openstack.fuel-image',
  buildId: 'org.openstack.fuel-image.build-id',
  role: 'org.openstack.fuel-image.role',
  contextHash: 'org.openstack.fuel-image.context-hash',
  /** host:pid of the builder process, for people and tests reading the engine; gc never relies on it. */
  owner: 'org.openstack.fuel-image.owner',
  /** On the `fuel-image-state` volume: the hex secret the build key is keyed with (helper/key-secret.ts). */
  keySecret: 'org.openstack.fuel-image.key-secret',
} as const;

/** The role of a helper container: the only containers `fuel-image gc` removes. */
export const HELPER_ROLE = 'helper';

export function buildLabels(buildId: string, role: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.buildId]: buildId, [LABEL.role]: role };
}
