import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { buildLabels, LABEL } from './labels.js';
import { ownerId } from './sweep-helpers.js';

export interface HelperContainerOptions {
  image: string;
  buildId: string;
  /** --privileged: for hosts whose engine needs it; off by default (least privilege). */
  privileged: boolean;
  /** "host" by default: Fuel serves its repos on the master's 127.0.0.1:8080. */
  network: string;
  logger: Logger;
}

/**
 * Creates and starts the build's helper. Its main process only sleeps; every
 * step is an exec. No host path is bind-mounted: the builder may itself run
 * in a container (Fuel's MCollective) whose paths the engine cannot see.
 */
export async function startHelperContainer(docker: Docker, options: HelperContainerOptions): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: options.image,
    name: `fuel-image-${options.buildId}`,
    Cmd: ['sleep', 'infinity'],
    Labels: { ...buildLabels(options.buildId, 'helper'), [LABEL.owner]: ownerId() },
    WorkingDir: '/',
    HostConfig: {
      NetworkMode: options.network,
      Privileged: options.privileged,
      // SYS_ADMIN: debootstrap and the install mount /proc and /sys inside
      // the target. apparmor=unconfined: docker's default AppArmor profile
      // denies mount(2) even to a process holding SYS_ADMIN.
      CapAdd: options.privileged ? [] : ['SYS_ADMIN'],
      SecurityOpt: options.privileged ? [] : ['apparmor=unconfined'],
      // A PID 1 that reaps: debootstrap and dpkg leave orphans behind.
      Init: true,
      AutoRemove: false,
    },
  });
  options.logger.debug({ container: container.id.slice(0, 12) }, 'helper container created');
  try {
    await container.start();
  } catch (error) {
    await removeHelperContainer(container, options.logger);
    throw error;
  }
  return container;
}

/** Never throws: a cleanup failure is logged and the build's own error, if any, is what the caller rethrows. */
export async function removeHelperContainer(container: Docker.Container, logger: Logger): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
    logger.debug({ container: container.id.slice(0, 12) }, 'helper container removed');
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return;
    logger.error({ err: error, container: container.id.slice(0, 12) }, 'could not remove the helper container; "fuel-image gc" removes it later');
  }
}
