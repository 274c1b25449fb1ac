/** "name", "name:arch" or "name=version" as the spec gives it, to the bare package name. */
export function packageName(requested: string): string {
  return requested.split(/[:=]/, 1)[0]!;
}

/** The requested packages that are not installed: the build's last check and verify's. */
export function missingPackages(requested: readonly string[], installed: Readonly<Record<string, string>>): string[] {
  return requested.map(packageName).filter((name) => !Object.hasOwn(installed, name));
}
