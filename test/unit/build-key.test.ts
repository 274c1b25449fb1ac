import assert from 'node:assert/strict';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FuelImageError } from '../../src/errors.js';
import { KEY_SECRET_BYTES, loadKeySecret, STATE_VOLUME, type VolumeApi } from '../../src/helper/key-secret.js';
import { LABEL } from '../../src/helper/labels.js';
import { parseSpec } from '../../src/input/read-spec.js';
import { computeBuildKey, type BuildKeyInputs } from '../../src/plan/build-key.js';
import { canonicalJson } from '../../src/plan/content-hash.js';
import { keyedDigest } from '../../src/plan/keyed-digest.js';
import { VERSION } from '../../src/version.js';
import { unitSpec } from '../helpers/specs.js';

const secretA = Buffer.alloc(32, 0xa1);
const secretB = Buffer.alloc(32, 0xb2);

function inputs(overrides: Record<string, unknown> = {}, options: Partial<BuildKeyInputs> = {}): BuildKeyInputs {
  return {
    spec: parseSpec(JSON.stringify(unitSpec({ root_password: 'r00t-pw', ...overrides }))),
    helper: 'context:abc',
    baseImage: 'fuel-image-base:trixie',
    checkGpg: true,
    allowUnsigned: false,
    checkValidUntil: true,
    featureSet: 'compatible',
    gzipLevel: 4,
    ...options,
  };
}

describe('keyedDigest: the one digest for stored values that depend on secrets', () => {
  it('is scrypt with N=2^15, r=8, p=1 and the secret as salt, 32 bytes as hex', async () => {
    const digest = await keyedDigest(secretA, 'data');
    const expected = scryptSync('data', secretA, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('hex');
    assert.equal(digest, expected);
    assert.match(digest, /^[0-9a-f]{64}$/);
  });

  it('gives equal digests for equal inputs, and depends on the secret and the data', async () => {
    assert.equal(await keyedDigest(secretA, 'data'), await keyedDigest(Buffer.from(secretA), Buffer.from('data')));
    assert.notEqual(await keyedDigest(secretA, 'data'), await keyedDigest(secretB, 'data'));
    assert.notEqual(await keyedDigest(secretA, 'data'), await keyedDigest(secretA, 'datb'));
  });

  it('refuses a short secret', async () => {
    await assert.rejects(keyedDigest(Buffer.alloc(8), 'data'), /at least 16 bytes/);
  });
});

describe('build key', () => {
  const dir = mkdtemp(path.join(tmpdir(), 'build-key-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  it('is the same for the same inputs and secret, whatever the output directory', async () => {
    const first = await computeBuildKey(secretA, inputs());
    assert.equal(await computeBuildKey(secretA, inputs()), first);
    assert.equal(await computeBuildKey(secretA, inputs({ output: '/elsewhere' })), first);
  });

  it('changes with the root password', async () => {
    assert.notEqual(await computeBuildKey(secretA, inputs({ root_password: 'other-pw' })), await computeBuildKey(secretA, inputs()));
    assert.notEqual(
      await computeBuildKey(secretA, inputs({ root_password: undefined, hashed_root_password: '$6$salt$abc' })),
      await computeBuildKey(secretA, inputs({ root_password: undefined, hashed_root_password: '$6$salt$abd' })),
    );
  });

  it('changes with the secret', async () => {
    assert.notEqual(await computeBuildKey(secretB, inputs()), await computeBuildKey(secretA, inputs()));
  });

  it('changes with the options and the keyring file', async () => {
    const base = await computeBuildKey(secretA, inputs());
    assert.notEqual(await computeBuildKey(secretA, inputs({}, { checkGpg: false })), base);
    assert.notEqual(await computeBuildKey(secretA, inputs({}, { featureSet: 'target' })), base);
    assert.notEqual(await computeBuildKey(secretA, inputs({}, { gzipLevel: 9 })), base);
    const rawOnly = { image_data: { '/': { uri: 'http://127.0.0.1:8080/targetimages/raw.img', format: 'ext4', container: 'raw' } } };
    assert.equal(await computeBuildKey(secretA, inputs(rawOnly, { gzipLevel: 9 })), await computeBuildKey(secretA, inputs(rawOnly, { gzipLevel: 1 })), 'no gzip image, no level');
    const keyring = path.join(await dir, 'k.gpg');
    await writeFile(keyring, 'key one');
    const withKeyring = await computeBuildKey(secretA, inputs({}, { keyringFile: keyring }));
    assert.notEqual(withKeyring, base);
    await writeFile(keyring, 'key two');
    assert.notEqual(await computeBuildKey(secretA, inputs({}, { keyringFile: keyring })), withKeyring);
  });

  it('is not a plain sha256 of the inputs (the old, brute-forceable key)', async () => {
    const input = inputs();
    const { output: _output, ...content } = input.spec;
    const text = `${canonicalJson(content)}\0${VERSION}\0${input.helper}\0${input.baseImage}\0${input.checkGpg}\0${input.allowUnsigned}\0${input.checkValidUntil}\0${input.featureSet}\0${input.gzipLevel}\0`;
    const key = await computeBuildKey(secretA, input);
    assert.notEqual(key, createHash('sha256').update(text).digest('hex'));
    assert.notEqual(key, createHash('sha256').update(secretA).update(text).digest('hex'));
    assert.notEqual(key, createHash('sha256').update(text).update(secretA).digest('hex'));
    // It is the keyed digest of exactly those inputs.
    assert.equal(key, await keyedDigest(secretA, text));
  });
});

/** An engine's volume API in memory; `createError` makes the next create fail with that status. */
class FakeVolumes implements VolumeApi {
  volumes = new Map<string, Record<string, string>>();
  creates: Array<Record<string, string>> = [];
  /** Runs between the first inspect and the create: another builder racing. */
  beforeCreate?: () => void;
  createStatus?: number;
  getVolume(name: string) {
    return {
      inspect: async () => {
        const labels = this.volumes.get(name);
        if (!labels) throw Object.assign(new Error('(HTTP code 404) no such volume'), { statusCode: 404 });
        return { Labels: labels };
      },
    };
  }
  async createVolume(options: { Name: string; Labels: Record<string, string> }) {
    this.creates.push(options.Labels);
    this.beforeCreate?.();
    if (this.createStatus) throw Object.assign(new Error(`(HTTP code ${this.createStatus})`), { statusCode: this.createStatus });
    // Like the local driver: creating an existing volume returns it unchanged.
    if (!this.volumes.has(options.Name)) this.volumes.set(options.Name, options.Labels);
    return {};
  }
}

describe('key secret on the engine', () => {
  it('makes the state volume once, with a fresh 32-byte secret and the usual labels', async () => {
    const engine = new FakeVolumes();
    const secret = await loadKeySecret(engine);
    assert.equal(secret.length, KEY_SECRET_BYTES);
    assert.equal(engine.creates.length, 1);
    const labels = engine.volumes.get(STATE_VOLUME)!;
    assert.deepEqual(Object.keys(labels).sort(), [LABEL.managed, LABEL.keySecret, LABEL.role].sort());
    assert.equal(labels[LABEL.managed], 'true');
    assert.equal(labels[LABEL.role], 'state');
    assert.equal(labels[LABEL.keySecret], secret.toString('hex'));
    assert.deepEqual(await loadKeySecret(engine), secret, 'read back, not made again');
    assert.equal(engine.creates.length, 1);
    assert.notDeepEqual(await loadKeySecret(new FakeVolumes()), secret, 'random per engine');
  });

  it('uses the winner\'s secret when another builder makes the volume first (409)', async () => {
    const engine = new FakeVolumes();
    const winner = randomBytes(32);
    engine.beforeCreate = () => engine.volumes.set(STATE_VOLUME, { [LABEL.keySecret]: winner.toString('hex') });
    engine.createStatus = 409;
    assert.deepEqual(await loadKeySecret(engine), winner);
  });

  it('uses the winner\'s secret when the engine returns the existing volume instead of 409', async () => {
    const engine = new FakeVolumes();
    const winner = randomBytes(32);
    engine.beforeCreate = () => engine.volumes.set(STATE_VOLUME, { [LABEL.keySecret]: winner.toString('hex') });
    assert.deepEqual(await loadKeySecret(engine), winner);
    assert.notEqual(engine.creates[0]![LABEL.keySecret], winner.toString('hex'));
  });

  it('passes other engine errors on', async () => {
    const engine = new FakeVolumes();
    engine.createStatus = 500;
    await assert.rejects(loadKeySecret(engine), (error: { statusCode?: number }) => error.statusCode === 500);
  });

  it('refuses a volume without a valid secret, quoting nothing of the label', async () => {
    for (const value of [undefined, 'short', 'Z'.repeat(64)]) {
      const engine = new FakeVolumes();
      engine.volumes.set(STATE_VOLUME, value === undefined ? {} : { [LABEL.keySecret]: value });
      await assert.rejects(loadKeySecret(engine), (error: unknown) => {
        assert.ok(error instanceof FuelImageError);
        assert.match(error.message, /docker volume rm fuel-image-state/);
        if (value) assert.ok(!error.message.includes(value));
        return true;
      });
      assert.equal(engine.creates.length, 0);
    }
  });
});
