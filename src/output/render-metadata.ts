import YAML from 'yaml';
import type { PackedImage } from '../build/make-filesystems.js';
import type { BuildPlan } from '../build/plan-build.js';
import type { TargetFacts } from '../build/inspect-target.js';

export interface BuildInfo {
  version: string;
  helperImage: string;
  buildKey: string;
  durationSeconds: number;
  builtAt: string;
}

/**
 * The metadata Fuel's node agent reads: exactly the contract's keys for os,
 * packages, repos and images. What fuel-image adds lives under its own key
 * so no consumer of the contract's keys sees a difference.
 */
export function renderMetadata(plan: BuildPlan, facts: TargetFacts, images: PackedImage[], build: BuildInfo): string {
  const document = {
    os: facts.os,
    packages: plan.packages,
    repos: plan.spec.repos.map((repo) => ({
      type: repo.type,
      name: repo.name,
      uri: repo.uri,
      suite: repo.suite,
      section: repo.section,
      priority: repo.priority,
      meta: repo.meta ?? null,
    })),
    images: images.map((packed) => ({
      raw_md5: packed.rawMd5,
      raw_size: packed.rawSize,
      raw_name: packed.image.rawName,
      container_name: packed.image.fileName,
      container_md5: packed.containerMd5,
      container_size: packed.containerSize,
      container: packed.image.container,
      format: packed.image.format,
    })),
    fuel_image: {
      version: build.version,
      helper_image: build.helperImage,
      build_key: build.buildKey,
      built_at: build.builtAt,
      duration_seconds: build.durationSeconds,
      mount_points: Object.fromEntries(images.map((p) => [p.image.fileName, p.image.mountPoint])),
      installed_packages: facts.installed,
    },
  };
  return YAML.stringify(document, { lineWidth: 0 });
}
