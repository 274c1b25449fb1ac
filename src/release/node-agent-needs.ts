/** What the built tree has of what Fuel's node agent uses on the node (inspect-target.sh reports it). */
export interface TreeCapabilities {
  grubInstall: boolean;
  grubMkconfig: boolean;
  ifupdown: boolean;
}

/**
 * Fuel's node agent installs the bootloader from the image (grub-install,
 * /etc/default/grub, grub-mkconfig) and by default writes
 * /etc/network/interfaces: an image without them builds fine and then fails
 * on the node. Each warning names what fails there and the package that fixes it.
 */
export function nodeAgentWarnings(tree: TreeCapabilities): string[] {
  const warnings: string[] = [];
  if (!tree.grubInstall || !tree.grubMkconfig)
    warnings.push(
      `the image has no ${!tree.grubInstall ? 'grub-install' : 'grub-mkconfig'}: Fuel's node agent installs the bootloader from the image and will fail on the node; add grub-pc to packages`,
    );
  if (!tree.ifupdown)
    warnings.push("the image has no ifupdown (/sbin/ifup): Fuel's node agent writes /etc/network/interfaces and the node's network will not come up; add ifupdown to packages");
  return warnings;
}
